import json
import os
import random
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from minenlp.errors import InputError
from minenlp.report import ReportSummary, build_report, render_article

TAGGED = Path(__file__).parent / "fixtures" / "tagged_small.jsonl"
# src/href/url() that would make the page fetch something from another host.
EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)|url\(\s*["']?\s*(?:https?:)?//|@import""",
                      re.IGNORECASE)


class _Elements(HTMLParser):
    """Every element and its attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    return parser.elements


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[ReportSummary, str]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    summary = build_report(TAGGED, out, title="Mining <b>news</b>")
    return summary, out.read_text(encoding="utf-8")


def test_report_has_summary_charts_and_tables(report):
    summary, page = report
    assert summary.records == 32 and summary.articles == 31 and summary.errors == 1
    assert summary.first_date == "2016-07-08" and summary.last_date == "2025-07-17"
    assert summary.listed == 31 and summary.left_out == 0
    assert page.startswith("<!DOCTYPE html>")
    for section in ("summary", "time", "jurisdictions", "names", "articles"):
        assert f'<section id="{section}">' in page
    assert "2016-07-08 to 2025-07-17" in page
    # One overall chart and six jurisdiction panels, with month labels and stance legends.
    assert page.count('<svg class="chart"') == 7
    assert ">2016-07</text>" in page and ">2018</text>" in page
    assert '<span><i class="sw k0"></i>restrictive</span>' in page
    assert "People&#x27;s Republic of China" in page and "Sichuan Province" in page
    assert '<table class="jur">' in page and page.count("<table") == 3
    assert "NB Power" in page and "Jihan Wu" in page and "executive" in page
    # The error record is counted and named, not listed as an article.
    assert page.count('<details class="art"') == 31
    assert "x-empty" in page and "&#x27;text&#x27; is empty" in page
    assert not re.search(r'<details class="art"[^>]*>[^\n]*x-empty', page)
    assert "<title>Mining &lt;b&gt;news&lt;/b&gt;</title>" in page


def test_report_is_self_contained(report):
    _, page = report
    assert not EXTERNAL.search(page)
    assert "http://" not in page and "https://" not in page
    for tag, attrs in elements(page):
        assert tag not in ("link", "iframe", "object", "embed", "img")
        if tag == "script":
            assert "src" not in attrs
    assert page.count("<script>") == 1 and "<style>" in page


def test_markup_in_records_is_escaped(report):
    _, page = report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img" not in page
    assert "&lt;script&gt;document.body.appendChild" in page
    # The only element with an event handler attribute would be an injected one.
    for tag, attrs in elements(page):
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert attrs.get("id") != "pwned"


def test_list_is_capped_with_a_note(tmp_path):
    out = tmp_path / "r.html"
    summary = build_report(TAGGED, out, max_articles=5)
    page = out.read_text(encoding="utf-8")
    assert summary.listed == 5 and summary.left_out == 26
    assert page.count('<details class="art"') == 5
    assert "The list shows the first 5 of 31 articles; 26 are left out of it" in page


def test_input_errors_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        build_report(tmp_path / "missing.jsonl", tmp_path / "r.html")
    untagged = tmp_path / "raw.jsonl"
    untagged.write_text(json.dumps({"id": "a1", "text": "Kosovo bans mining."}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"raw.jsonl line 1 \(id 'a1'\): not a tagged record"):
        build_report(untagged, tmp_path / "r.html")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "b", "text": "x", "stance": None, "entities": 3, "error": None}) + "\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl line 1 \(id 'b'\): field 'entities' should be a list"):
        build_report(bad, tmp_path / "r.html")
    with pytest.raises(InputError, match="max_articles"):
        build_report(TAGGED, tmp_path / "r.html", max_articles=-1)
    with pytest.raises(InputError, match="folder"):
        build_report(TAGGED, tmp_path / "no" / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_unreadable_lines_count_as_errors(tmp_path):
    src = tmp_path / "t.jsonl"
    good = {"id": 1, "text": "Iran cut power.", "published": "2021-05", "stance": "restrictive", "evidence": [],
            "entities": [{"text": "Iran", "label": "REGION", "start": 0, "end": 4, "canonical": "Iran"}], "error": None}
    src.write_text(json.dumps(good) + "\nnot json\n", encoding="utf-8")
    summary = build_report(src, tmp_path / "r.html")
    assert (summary.articles, summary.errors, summary.first_date) == (1, 1, "2021-05-01")
    assert "t.jsonl line 2: not valid JSON" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_jurisdictions_field_wins_over_regions(tmp_path):
    src = tmp_path / "t.jsonl"
    rec = {"id": 1, "text": "Texas and Norway.", "published": "2022-01-03", "stance": "neutral", "evidence": [],
           "entities": [{"text": "Texas", "label": "REGION", "start": 0, "end": 5, "canonical": "Texas"}],
           "jurisdictions": [{"canonical": "Kingdom of Norway", "country": "NO", "code": "NO", "stance": "restrictive",
                              "score": 0.8, "evidence": [], "measures": ["ban"]}], "error": None}
    src.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    build_report(src, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    table = page[page.index('<table class="jur">'):]
    table = table[:table.index("</table>")]
    assert "Kingdom of Norway" in table and "Texas" not in table
    assert re.search(r"Kingdom of Norway</td>.*?restrictive 1", table)
    assert "<th>most named measures</th>" in table and "ban 1</td>" in table


def _write(writer, records):
    for rec in records:
        writer.write(rec)
    writer.close()


def test_csv_and_parquet_tagged_files_give_the_same_counts(tmp_path):
    from minenlp.streams import CsvWriter

    records = [json.loads(line) for line in TAGGED.read_text(encoding="utf-8").splitlines()]
    expected = build_report(TAGGED, tmp_path / "j.html")
    _write(CsvWriter(tmp_path / "t.csv"), records)
    summary = build_report(tmp_path / "t.csv", tmp_path / "c.html")
    assert (summary.articles, summary.errors, summary.jurisdictions, summary.first_date) == \
        (expected.articles, expected.errors, expected.jurisdictions, expected.first_date)
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert page.count("<mark class=") == (tmp_path / "j.html").read_text(encoding="utf-8").count("<mark class=")

    pytest.importorskip("pyarrow")
    from minenlp.streams import ParquetWriter

    _write(ParquetWriter(tmp_path / "t.parquet"), records)
    summary = build_report(tmp_path / "t.parquet", tmp_path / "p.html")
    assert (summary.articles, summary.errors, summary.jurisdictions) == \
        (expected.articles, expected.errors, expected.jurisdictions)
    assert "restrictive 0.85" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_csv_formula_guard_and_late_fields(tmp_path):
    from minenlp.streams import CsvWriter

    text = "-Iran- cut power."
    first = {"id": 1, "text": text, "published": "2021-05-02", "stance": "restrictive", "stance_scores": None,
             "evidence": [], "error": None,
             "entities": [{"text": "Iran", "label": "REGION", "start": 1, "end": 5, "canonical": "Iran"}]}
    # jurisdictions only on the second record: CsvWriter keeps it in its extra_fields column
    second = {**first, "id": 2, "jurisdictions": [{"canonical": "Kingdom of Norway", "country": "NO", "code": "NO",
                                                   "stance": "supportive"}]}
    _write(CsvWriter(tmp_path / "t.csv"), [first, second])
    summary = build_report(tmp_path / "t.csv", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert summary.jurisdictions == 2 and "Kingdom of Norway" in page
    assert '-<mark class="R">Iran</mark>- cut power.' in page


def test_render_article_marks_entities_and_evidence():
    text = "Kazakhstan's Ministry of Energy cut power to miners. Analysts expect more. Marat Ivanov agreed."
    record = {
        "title": "Power <cut>",
        "text": text,
        "stance": "restrictive",
        "stance_scores": {"restrictive": 0.8, "supportive": 0.05, "neutral": 0.15},
        "evidence": [{"text": text[:52], "start": 0, "end": 52, "weight": 1.5}],
        "entities": [
            {"text": "Kazakhstan", "label": "REGION", "start": 0, "end": 10, "canonical": "Republic of Kazakhstan",
             "country": "KZ", "level": "country", "code": "KZ", "kind": None, "role": None},
            {"text": "Ministry of Energy", "label": "AGENCY", "start": 13, "end": 31, "canonical": "Ministry of Energy",
             "country": "KZ", "level": None, "code": "KZ", "kind": None, "role": None},
            # overlaps the agency: dropped rather than nested
            {"text": "Energy", "label": "AGENCY", "start": 25, "end": 31},
            {"text": "Marat Ivanov", "label": "PERSON", "start": 75, "end": 87, "kind": "expert", "role": None},
            # offsets that do not fit are not trusted
            {"text": "Astana", "label": "REGION", "start": 2, "end": 8},
        ],
    }
    page = render_article(record)
    assert page.startswith("<!DOCTYPE html>") and "<title>Power &lt;cut&gt;</title>" in page
    assert '<u title="evidence +1.50"><mark class="R" title="Republic of Kazakhstan (KZ)">Kazakhstan</mark>' in page
    assert '<mark class="A" title="KZ">Ministry of Energy</mark>' in page
    assert '<mark class="P" title="expert">Marat Ivanov</mark>' in page
    assert 'mark.R::after{content:"REGION"}' in page and 'mark.P::after{content:"PERSON"}' in page
    assert page.count('<mark class=') == 3 + 3  # three mentions, three legend keys
    assert "Astana" not in page
    # evidence closes before the next sentence, which is plain
    assert "to miners.</u> Analysts expect more." in page
    assert "restrictive 0.80" in page and "<h3>Evidence</h3>" in page
    frag = render_article(record, standalone=False)
    assert frag.startswith('<article class="one-art">') and "<html" not in frag and "<style>" not in frag
    assert "<h3>Jurisdictions</h3>" not in frag
    record["jurisdictions"] = [{"canonical": "Republic of <Kazakhstan>", "country": "KZ", "code": "KZ",
                                "stance": "restrictive", "score": 0.91, "evidence": [], "measures": ["power_cutoff"]}]
    frag = render_article(record, standalone=False)
    assert ("<h3>Jurisdictions</h3>" in frag and "Republic of &lt;Kazakhstan&gt;" in frag
            and '<span class="b k0">restrictive</span></td><td class="n">0.91</td><td>power_cutoff</td>' in frag)


def test_render_article_escapes_and_repairs_offsets():
    title = "Kosovo bans mining"
    text = "A <b>ban</b> in Kosovo & beyond."
    # offsets from `tag --title-col`: they count "title\n\n" before the text
    shift = len(title) + 2
    record = {"title": title, "text": text, "stance": None,
              "entities": [{"text": "Kosovo", "label": "REGION", "start": 0, "end": 6},
                           {"text": "Kosovo", "label": "REGION", "start": 16 + shift, "end": 22 + shift},
                           {"text": "<b>ban</b>", "label": "WEIRD<x>", "start": 2, "end": 12}],
              "evidence": [{"text": "A <b>ban</b> in Kosovo & beyond.", "start": shift, "end": shift + len(text), "weight": 0.4}]}
    frag = render_article(record, standalone=False)
    assert "&lt;b&gt;ban&lt;/b&gt;" in frag and "<b>ban" not in frag
    assert 'data-l="WEIRD&lt;x&gt;"' in frag
    assert '<mark class="R">Kosovo</mark> &amp; beyond.</u>' in frag
    assert frag.count('<mark class="R">Kosovo</mark>') == 1
    assert "no stance" in frag


def test_render_article_entity_across_evidence_boundary_stays_nested():
    text = "One two. Three four."
    record = {"text": text, "evidence": [{"text": "One two.", "start": 0, "end": 8, "weight": 1.0}],
              "entities": [{"text": "two. Three", "label": "PERSON", "start": 4, "end": 14}]}
    frag = render_article(record, standalone=False)
    assert ('<u title="evidence +1.00">One <mark class="P x">two.</mark>'
            '</u><mark class="P"> Three</mark> four.') in frag


def _synthetic_lines(n: int, seed: int = 7):
    """n tagged records built on the fixture's real articles (real lengths and entity density),
    with months, jurisdictions, agencies and people varied."""
    rng = random.Random(seed)
    templates = [json.loads(line) for line in TAGGED.read_text(encoding="utf-8").splitlines()]
    templates = [t for t in templates if not t["error"]]
    stances = ["restrictive", "supportive", "neutral"]
    kinds = ["official", "expert", "executive", "journalist", "other"]
    pre = [(json.dumps(t["text"]), json.dumps(t["title"]), json.dumps(t["evidence"])) for t in templates]
    for i in range(n):
        k = i % len(templates)
        t = templates[k]
        text, title, evidence = pre[k]
        ents = []
        for e in t["entities"]:
            e = dict(e)
            if e["label"] == "REGION":
                j = min(int(rng.paretovariate(1.2)), 400)
                e["canonical"], e["code"], e["country"] = f"Region {j}", f"R-{j}", f"C{j % 40}"
            elif e["label"] == "AGENCY":
                e["canonical"] = f"Agency {min(int(rng.paretovariate(1.1)), 3000)}"
            else:
                e["canonical"] = f"Person {rng.randrange(20000)}"
                e["kind"] = rng.choice(kinds)
            ents.append(e)
        stance = rng.choice(stances)
        extra = ""
        if i % 2:
            juris = [{"canonical": f"Region {rng.randrange(60)}", "country": "XX", "code": None,
                      "stance": rng.choice(stances), "score": 0.7, "evidence": [], "measures": []}]
            extra = ', "jurisdictions": ' + json.dumps(juris)
        published = f'"{rng.randrange(2014, 2026)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"' if i % 50 else "null"
        error = "null" if i % 997 else '"synthetic failure"'
        yield (f'{{"id": "s{i}", "title": {title}, "published": {published}, "text": {text}, "stance": "{stance}", '
               f'"stance_scores": {{"{stance}": 0.6}}, "evidence": {evidence}, "entities": {json.dumps(ents)}, '
               f'"error": {error}{extra}}}\n')


@pytest.mark.slow
def test_report_of_100k_articles_is_fast_and_small(tmp_path):
    src = tmp_path / "big.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        fh.writelines(_synthetic_lines(100_000))
    out = tmp_path / "big.html"
    started = time.perf_counter()
    summary = build_report(src, out)
    elapsed = time.perf_counter() - started
    size = out.stat().st_size
    input_mb = src.stat().st_size / 1e6
    src.unlink()  # ~400 MB; pytest keeps the last runs' tmp folders
    print(f"\n100k report: {elapsed:.1f}s, {size / 1e6:.2f} MB, input {input_mb:.0f} MB")
    assert elapsed < 60
    assert size < 5_000_000
    assert summary.records == 100_000 and summary.errors == 101 and summary.articles == 99_899
    assert summary.listed == 2000 and summary.left_out == 97_899
    page = out.read_text(encoding="utf-8")
    assert "The list shows the first 2,000 of 99,899 articles; 97,899 are left out of it" in page
    assert page.count('<div class="panel">') == 6
    assert page.count('<details class="art"') == 2000


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(profile)})


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.mark.slow
def test_report_in_headless_chromium(tmp_path):
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    out = tmp_path / "report.html"
    build_report(TAGGED, out)
    url = out.resolve().as_uri()

    dom = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    # The report's own script ran...
    assert 'data-js="ready"' in page
    console = _console(dom.stderr)
    assert any("minenlp report ready: 31 articles listed" in line for line in console), dom.stderr[-2000:]
    # ...without errors, and the injected markup stayed text.
    assert not [line for line in console if "Uncaught" in line or ":ERROR:CONSOLE" in line], console
    assert page.count('<svg class="chart"') == 7 and page.count("<rect") > 30
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    found = elements(page)
    assert not any(attrs.get("id") == "pwned" for _, attrs in found)
    assert not any(tag == "img" for tag, _ in found)
    assert sum(1 for tag, _ in found if tag == "script") == 1

    png = tmp_path / "report.png"
    shot = _run_chromium(binary, tmp_path / "profile-shot", f"--screenshot={png}", "--window-size=1280,2000", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.is_file() and png.stat().st_size > 20_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [line for line in _console(shot.stderr) if "Uncaught" in line or ":ERROR:CONSOLE" in line]
