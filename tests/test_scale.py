import csv
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minenlp
from minenlp.batch import split_long, tag_file
from minenlp.errors import InputError
from minenlp.streams import completed_prefix, escape_formula

ARTICLES = [
    {"id": "k1", "title": "Kosovo bans mining", "text": "Kosovo banned crypto mining. Police in Mitrovica seized rigs."},
    {"id": "k2", "title": "Texas", "text": "=HYPERLINK(\"x\") Texas Governor Greg Abbott welcomed miners to Texas."},
    {"id": "k3", "title": "", "text": ""},
    {"id": "k4", "title": "Iran", "text": "Tavanir cut power to licensed miners in Iran during the summer."},
]


def write_input(tmp_path, fmt):
    df = pd.DataFrame(ARTICLES)
    path = tmp_path / f"in.{fmt}"
    if fmt == "jsonl":
        df.to_json(path, orient="records", lines=True)
    elif fmt == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path)
    return path


def read_output(path, fmt):
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text().splitlines()]
    if fmt == "csv":
        with path.open(newline="") as fh:
            return list(csv.DictReader(fh))
    return pd.read_parquet(path).to_dict(orient="records")


@pytest.mark.parametrize("in_fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize("out_fmt", ["jsonl", "csv", "parquet"])
def test_every_format_in_and_out(tmp_path, blank_nlp, in_fmt, out_fmt):
    src = write_input(tmp_path, in_fmt)
    out = tmp_path / f"out.{out_fmt}"
    summary = tag_file(src, out, nlp=blank_nlp, quiet=True)
    rows = read_output(out, out_fmt)
    assert summary.records == len(rows) == 4 and summary.errors == 1
    assert [r["id"] for r in rows] == ["k1", "k2", "k3", "k4"]
    ents = rows[0]["entities"]
    if out_fmt == "csv":
        ents = json.loads(ents)
        # A cell a spreadsheet would run as a formula is escaped.
        assert rows[1]["text"].startswith("'=HYPERLINK")
    names = {e["text"] for e in ents}
    assert {"Kosovo", "Mitrovica"} <= names
    assert "empty" in rows[2]["error"] and "(id k3)" in rows[2]["error"]
    assert not list(tmp_path.glob(".*.part"))


def test_failed_csv_run_leaves_no_partial_file(tmp_path, blank_nlp, monkeypatch):
    src = write_input(tmp_path, "jsonl")
    out = tmp_path / "out.csv"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("minenlp.batch.doc_result", boom)
    with pytest.raises(RuntimeError):
        tag_file(src, out, nlp=blank_nlp, quiet=True)
    assert not out.exists() and not list(tmp_path.glob(".*.part"))


def test_resume_continues_without_redoing_or_duplicating(tmp_path, blank_nlp):
    src = write_input(tmp_path, "jsonl")
    full = tmp_path / "full.jsonl"
    tag_file(src, full, nlp=blank_nlp, quiet=True)
    lines = full.read_text().splitlines(keepends=True)
    part = tmp_path / "part.jsonl"
    # An interrupted run: two complete records and a torn third line.
    part.write_text("".join(lines[:2]) + lines[2][:15])
    summary = tag_file(src, part, nlp=blank_nlp, quiet=True, resume=True)
    assert summary.skipped == 2 and summary.records == 2
    assert part.read_text() == full.read_text()
    assert completed_prefix(part) == 4


def test_resume_refuses_csv(tmp_path, blank_nlp):
    src = write_input(tmp_path, "jsonl")
    with pytest.raises(InputError, match="JSON Lines output only"):
        tag_file(src, tmp_path / "o.csv", nlp=blank_nlp, resume=True)


def test_long_texts_are_processed_in_pieces_with_true_offsets(blank_nlp):
    para = "Kazakhstan raised the tariff for miners in Ekibastuz. " * 40
    text = "\n\n".join([para] * 60)  # about 200k characters, above one piece
    assert len(split_long(text)) > 1
    result = minenlp.analyze(text, nlp=blank_nlp)
    assert len(result["entities"]) == 2 * 40 * 60
    for e in result["entities"][::97]:
        assert text[e["start"]:e["end"]] == e["text"]


def test_formula_escaping():
    assert escape_formula("=1+1") == "'=1+1" and escape_formula("@SUM(A1)") == "'@SUM(A1)"
    assert escape_formula("-3") == "'-3" and escape_formula("plain") == "plain" and escape_formula(5) == 5


def test_tag_dataframe_keeps_the_index(blank_nlp):
    df = pd.DataFrame({"text": ["Kosovo banned mining.", None, "Sichuan cut power."]}, index=["a", "b", "c"])
    out = minenlp.tag_dataframe(df, nlp=blank_nlp)
    assert list(out.index) == ["a", "b", "c"]
    assert list(out.columns) == ["text", "stance", "stance_scores", "evidence", "entities", "jurisdictions", "measures", "error"]
    assert out.loc["a", "entities"][0]["text"] == "Kosovo" and out.loc["a", "error"] is None
    assert "not a string" in out.loc["b", "error"]
    assert df.columns.tolist() == ["text"]


weird_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Zs", "Lu", "Ll", "Nd", "Po"]), max_size=200),
    st.builds(lambda a, b: f"<p>{a}</p><script>{b}</script> Sichuan", st.text(max_size=50), st.text(max_size=50)),
    st.just(""), st.just("Kosovo " * 5000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=st.lists(weird_text, min_size=1, max_size=6))
def test_no_input_breaks_analyze_or_tag(tmp_path_factory, blank_nlp, texts):
    for t in texts:
        result = minenlp.analyze(t, nlp=blank_nlp)
        for e in result["entities"]:
            assert t[e["start"]:e["end"]] == e["text"]
    path = tmp_path_factory.mktemp("h") / "in.jsonl"
    with path.open("w", encoding="utf-8", errors="surrogatepass") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": i, "text": t}) + "\n")
    out = path.with_name("out.jsonl")
    summary = tag_file(path, out, nlp=blank_nlp, quiet=True)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.records == len(rows) == len(texts)
    assert [r["id"] for r in rows] == list(range(len(texts)))


@pytest.mark.slow
def test_two_processes_give_the_same_output(tmp_path, full_nlp):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in ARTICLES * 10))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    tag_file(src, one, nlp=full_nlp, quiet=True, title_col="title")
    tag_file(src, two, nlp=full_nlp, quiet=True, title_col="title", n_process=2, batch_size=4)
    assert one.read_text() == two.read_text()
    assert sum('"error": null' not in line for line in two.read_text().splitlines()) == 10


def test_worker_processes_read_the_input_as_they_go(blank_nlp):
    from minenlp.batch import Item, tag_items

    read = []

    def items():
        for i in range(5000):
            read.append(i)
            yield Item(f"line {i + 1}", {"id": i, "text": "" if i % 7 == 0 else f"Kosovo banned mining, item {i}."})

    out = tag_items(items(), blank_nlp, n_process=2, batch_size=4)
    first = next(out)
    # Only the blocks in flight have been read, not the whole input.
    assert first["id"] == 0 and first["error"] == "line 1 (id 0): 'text' is empty"
    assert len(read) < 200
    rest = list(out)
    assert [r["id"] for r in rest] == list(range(1, 5000))
    assert rest[0]["entities"][0]["text"] == "Kosovo"
    assert sum(r["error"] is not None for r in rest) == len(range(7, 5000, 7))


@pytest.mark.slow
def test_dask_local_cluster_matches_a_single_process(tmp_path):
    from minenlp.dask import tag_file_distributed

    src = write_input(tmp_path, "parquet")
    single, dist = tmp_path / "single.jsonl", tmp_path / "dist.jsonl"
    tag_file(src, single, nlp=minenlp.load(), quiet=True)
    summary = tag_file_distributed(src, dist, scheduler="local")
    a = [json.loads(x) for x in single.read_text().splitlines()]
    b = [json.loads(x) for x in dist.read_text().splitlines()]
    assert summary.records == 4
    assert [(r["id"], r["stance"], r["entities"], r["error"]) for r in a] == [(r["id"], r["stance"], r["entities"], r["error"]) for r in b]


def test_parquet_keeps_mixed_and_changing_fields(tmp_path, blank_nlp):
    from minenlp.streams import ParquetWriter

    src = tmp_path / "in.jsonl"
    rows = [{"id": 1, "year": 2021, "text": "Kosovo banned mining."}, {"id": "b", "year": 2022, "text": "Iran."},
            {"id": 3, "year": "unknown", "extra": {"k": 1}, "text": "Texas."}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.parquet"
    tag_file(src, out, nlp=blank_nlp, quiet=True)
    back = pd.read_parquet(out)
    # Mixed types in one row group: the column holds text (numbers as JSON), nothing is lost.
    assert list(back["id"]) == ["1", "b", "3"] and back["year"].tolist() == ["2021", "2022", "unknown"]
    assert json.loads(back["extra"].iloc[2]) == {"k": 1}
    # Two row groups with different types: the third record's year cannot be an integer.
    w = ParquetWriter(tmp_path / "two.parquet", rows_per_group=2)
    for r in rows:
        w.write({**r, "stance": None, "stance_scores": None, "evidence": [], "entities": [], "jurisdictions": [],
                 "measures": [], "error": None})
    w.close()
    two = pd.read_parquet(tmp_path / "two.parquet")
    assert pd.isna(two["year"].iloc[2]) and json.loads(two["extra_fields"].iloc[2]) == {"year": "unknown", "extra": {"k": 1}}


def test_dask_dataframe_api_keeps_rows_and_adds_columns():
    import dask.dataframe as dd

    import minenlp.dask

    df = pd.DataFrame({"id": range(6), "text": ["Kosovo banned mining.", "", "Sichuan cut power.", "Iran", "Texas", "Quebec"]})
    tagged = minenlp.dask.tag(dd.from_pandas(df, npartitions=3), base=None).compute(scheduler="synchronous")
    assert list(tagged["id"]) == list(range(6))
    assert list(tagged.columns) == ["id", "text", "stance", "stance_scores", "evidence", "entities", "jurisdictions", "measures", "error"]
    assert tagged["entities"].iloc[0][0]["text"] == "Kosovo" and "empty" in tagged["error"].iloc[1]


def test_dask_partitions_keep_every_worker_busy(tmp_path):
    pytest.importorskip("dask.dataframe")
    from minenlp.dask import PARTITIONS_PER_WORKER, read_dask

    rows = [{"id": i, "text": f"Article {i}: Kosovo banned mining. " * 20} for i in range(2000)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parquet = tmp_path / "in.parquet"
    pd.DataFrame(rows).to_parquet(parquet)  # one row group
    for path, fmt in ((src, "jsonl"), (parquet, "parquet")):
        ddf = read_dask(path, fmt, workers=2)
        # A file of under a megabyte still gives each of two workers several partitions.
        assert ddf.npartitions >= PARTITIONS_PER_WORKER, fmt
        assert ddf.compute(scheduler="sync")["id"].tolist() == list(range(2000)), fmt
