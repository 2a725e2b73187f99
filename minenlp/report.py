"""One self-contained HTML report from a tagged file, and a highlighted view of one article.

The report is written in a single pass over the tagged records: charts and tables come from
counters, and only the first ``max_articles`` articles are kept (already rendered) for the list,
so memory and output size stay bounded however large the input is. Charts are inline SVG drawn
here, the CSS and the small script are inline, and nothing is fetched from the network, so the
file can be mailed or opened offline.

Every piece of record text reaches the page through :func:`html.escape`: tagged news text is
untrusted input, and markup inside an article must show as text, never run.
"""
from __future__ import annotations

import html
import json
import logging
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from .about import __version__
from .errors import InputError
from .streams import atomic_write_text, detect_format, read_items
from .types import AGENCY, PERSON, REGION, STANCE_LABELS

logger = logging.getLogger("minenlp")

__all__ = ["ReportSummary", "build_report", "render_article"]

NO_STANCE = "no stance"
# Okabe-Ito colours: restrictive and supportive stay apart for red-green colour blindness.
_STANCE_COLORS = {"restrictive": "#d55e00", "supportive": "#0072b2", "neutral": "#767676", NO_STANCE: "#d9d9d9"}
_EXTRA_COLORS = ("#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#f0e442", "#6a3d9a", "#b15928", "#1b9e77")
# Badges on these colours need dark text.
_LIGHT_COLORS = {"#d9d9d9", "#f0e442", "#56b4e9", "#e69f00"}
# displaCy's colours for GPE, ORG and PERSON, so the marks look familiar.
_ENTITY_CLASSES = {REGION: ("R", "#feca74"), AGENCY: ("A", "#7aecec"), PERSON: ("P", "#aa9cfc")}
_DATE_FIELDS = ("published", "date")
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
# Past this many months a monthly axis is unreadable; such spans are drawn by year instead.
_MAX_MONTH_BINS = 240
# A listed article longer than this is cut, so one huge record cannot swell the report.
_LIST_TEXT_CHARS = 20_000
_TOP_JURISDICTION_PANELS = 6
_TOP_JURISDICTION_ROWS = 30
_TOP_NAMES = 25
_ERROR_EXAMPLES = 20


def _esc(value: Any) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _tip(text: str | None) -> str:
    return f' title="{_esc(text)}"' if text else ""


def _num(n: int) -> str:
    return f"{n:,}"


# ---------------------------------------------------------------------------------------------
# Reading one record tolerantly: JSON Lines, CSV (lists as JSON strings) and Parquet (maps as pairs)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and math.isnan(value))


def _as_list(value: Any, name: str, where: str) -> list:
    if _blank(value):
        return []
    if isinstance(value, str):
        # CSV output carries list fields as JSON text.
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: field {name!r} is text that is not a JSON list ({exc.msg})") from exc
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        raise InputError(f"{where}: field {name!r} should be a list, got {type(value).__name__}")
    return value


def _as_scores(value: Any, where: str) -> dict[str, float]:
    if _blank(value):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: field 'stance_scores' is text that is not a JSON object ({exc.msg})") from exc
    if isinstance(value, list):
        # Parquet maps come back from pyarrow as (key, value) pairs.
        try:
            value = dict(value)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: field 'stance_scores' should map labels to probabilities") from exc
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: field 'stance_scores' should map labels to probabilities, got {type(value).__name__}")
    out: dict[str, float] = {}
    for k, v in value.items():
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: stance score for {k!r} is not a number ({v!r})") from exc
    return out


def _dicts(items: list, name: str, where: str) -> Iterable[dict]:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"{where}: {name}[{i}] should be an object, got {type(item).__name__}")
        yield item


# The cell starts that streams.CsvWriter guards with a quote against spreadsheet formulas.
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _from_csv(rec: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as the record that was written: formula guards taken off (or offsets into a
    text would be one off) and fields that only later records had back from ``extra_fields``."""
    out = {k: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2] in _CSV_FORMULA_START and v[1:2] else v
           for k, v in rec.items()}
    extra = out.pop("extra_fields", None)
    if isinstance(extra, str) and extra.strip():
        try:
            more = json.loads(extra)
        except json.JSONDecodeError:
            more = None
        if isinstance(more, dict):
            for k, v in more.items():
                out.setdefault(k, v)
    return out


def _stance_of(value: Any) -> str:
    return NO_STANCE if _blank(value) else str(value).strip()


def _day(record: Mapping[str, Any]) -> str | None:
    """The record's publication day as YYYY-MM-DD (day 01 when only the month is known), or None."""
    for name in _DATE_FIELDS:
        value = record.get(name)
        if _blank(value):
            continue
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        m = _DATE_RE.match(str(value))
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _name(value: Any) -> str:
    return " ".join(str(value).split()) if not _blank(value) else ""


# ---------------------------------------------------------------------------------------------
# Highlighting: entities as labelled marks, evidence sentences underlined


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _locate(text: str, piece: Any, start: Any, end: Any, shift: int) -> tuple[int, int] | None:
    """Where a span really sits in ``text``: at its offsets, at its offsets less a joined title,
    or (for text that the offsets do not fit) at the first match near where it was said to be."""
    s, e = _int(start), _int(end)
    piece = piece if isinstance(piece, str) and piece else None
    if s is not None and e is not None:
        if piece is None:
            return (s, e) if 0 <= s < e <= len(text) else None
        if text[s:e] == piece and s >= 0:
            return s, e
        if shift and s - shift >= 0 and text[s - shift:e - shift] == piece:
            return s - shift, e - shift
        if shift and e - shift <= 0:
            # Inside the joined title, not the text.
            return None
    if piece is None:
        return None
    hint = max(0, (s or 0) - shift - len(piece))
    i = text.find(piece, hint)
    if i < 0:
        i = text.find(piece)
    return (i, i + len(piece)) if i >= 0 else None


def _placed(text: str, items: Iterable[dict], shift: int) -> list[tuple[int, int, dict]]:
    """Sorted, non-overlapping spans: the longest wins where two start together, the earlier
    where they overlap, because nested marks would break the one-level markup."""
    found = []
    for item in items:
        span = _locate(text, item.get("text"), item.get("start"), item.get("end"), shift)
        if span is not None:
            found.append((span[0], span[1], item))
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[int, int, dict]] = []
    last_end = -1
    for s, e, item in found:
        if s >= last_end:
            out.append((s, e, item))
            last_end = e
    return out


def _entity_tooltip(ent: dict) -> str:
    """What the mark does not show: the canonical name when it differs, kind, role and code.
    (The label is drawn by CSS, so it is left out here to keep long lists small.)"""
    parts = []
    canonical = _name(ent.get("canonical"))
    if canonical and canonical != _name(ent.get("text")):
        parts.append(canonical)
    code, country = _name(ent.get("code")), _name(ent.get("country"))
    extra = [_name(ent.get("kind")), _name(ent.get("role")), code or country]
    extra = [x for x in dict.fromkeys(extra) if x]
    if extra:
        parts.append(f"({', '.join(extra)})" if parts else ", ".join(extra))
    return " ".join(parts)


def _mark_open(ent: dict, last: bool) -> str:
    label = str(ent.get("label") or "")
    cls, _ = _ENTITY_CLASSES.get(label, ("O", ""))
    # The label is drawn by CSS after the last piece of the mark: no label text per mention
    # keeps a 2,000-article list small.
    classes = cls if last else f"{cls} x"
    data = f' data-l="{_esc(label)}"' if cls == "O" else ""
    return f'<mark class="{classes}"{data}{_tip(_entity_tooltip(ent))}>'


def _highlight(text: str, entities: list[tuple[int, int, dict]], evidence: list[tuple[int, int, dict]]) -> str:
    """Escaped text with entity marks nested inside evidence spans.

    Walks the segments between every span boundary; an entity that crosses an evidence
    boundary is split in two marks so that the tags stay properly nested.
    """
    points = sorted({0, len(text), *(p for s, e, _ in entities for p in (s, e)), *(p for s, e, _ in evidence for p in (s, e))})
    out: list[str] = []
    ni = vi = 0
    open_ev: dict | None = None
    for a, b in zip(points, points[1:]):
        while vi < len(evidence) and evidence[vi][1] <= a:
            vi += 1
        while ni < len(entities) and entities[ni][1] <= a:
            ni += 1
        ev = evidence[vi] if vi < len(evidence) and evidence[vi][0] <= a else None
        ent = entities[ni] if ni < len(entities) and entities[ni][0] <= a else None
        ev_item = ev[2] if ev else None
        if ev_item is not open_ev:
            if open_ev is not None:
                out.append("</u>")
            if ev_item is not None:
                weight = ev_item.get("weight")
                tip = f"evidence {weight:+.2f}" if isinstance(weight, (int, float)) else "evidence"
                out.append(f'<u title="{tip}">')
            open_ev = ev_item
        piece = html.escape(text[a:b], quote=False)
        if ent is not None:
            out.append(f"{_mark_open(ent[2], last=b >= ent[1])}{piece}</mark>")
        else:
            out.append(piece)
    if open_ev is not None:
        out.append("</u>")
    return "".join(out)


class _Palette:
    """Stance label -> CSS class and colour; labels of custom models get colours as they appear."""

    def __init__(self, labels: Iterable[str] = ()) -> None:
        self.labels: list[str] = []
        for label in (*STANCE_LABELS, *labels):
            self.add(label)

    def add(self, label: str) -> str:
        if label not in self.labels:
            self.labels.append(label)
        return self.cls(label)

    def cls(self, label: str) -> str:
        return f"k{self.labels.index(label)}" if label in self.labels else self.add(label)

    def color(self, label: str) -> str:
        if label in _STANCE_COLORS:
            return _STANCE_COLORS[label]
        extras = [lab for lab in self.labels if lab not in _STANCE_COLORS]
        return _EXTRA_COLORS[extras.index(label) % len(_EXTRA_COLORS)]

    def ordered(self, present: Iterable[str]) -> list[str]:
        """Known labels first, then the others alphabetically, "no stance" last."""
        present = set(present)
        known = [lab for lab in STANCE_LABELS if lab in present]
        others = sorted(lab for lab in present if lab not in STANCE_LABELS and lab != NO_STANCE)
        return known + others + ([NO_STANCE] if NO_STANCE in present else [])

    def css(self) -> str:
        """Backgrounds for HTML bars and badges, fills for SVG rects (which ignore `background`),
        and dark badge text on the light colours."""
        out = []
        for lab in self.labels:
            cls, color = self.cls(lab), self.color(lab)
            out.append(f".{cls}{{background:{color}}}svg .{cls}{{fill:{color}}}")
            if color in _LIGHT_COLORS:
                out.append(f".b.{cls}{{color:#333}}")
        return "".join(out)


def _legend(palette: _Palette, labels: list[str]) -> str:
    items = "".join(f'<span><i class="sw {palette.cls(lab)}"></i>{_esc(lab)}</span>' for lab in labels)
    return f'<div class="legend">{items}</div>'


def _entity_legend() -> str:
    # Empty marks: the CSS label alone makes the key.
    return ('<div class="legend">' + "".join(f'<span><mark class="{c}"></mark></span>'
                                             for lab, (c, _) in _ENTITY_CLASSES.items())
            + '<span><u>evidence sentence</u></span></div>')


def _scores_line(scores: dict[str, float], palette: _Palette, *, bar: bool = True) -> str:
    if not scores:
        return ""
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])
    words = " · ".join(f"{_esc(k)} {v:.2f}" for k, v in ordered)
    if not bar:
        return f'<div class="scores">{words}</div>'
    total = sum(max(v, 0.0) for _, v in ordered) or 1.0
    parts = "".join(f'<i class="{palette.cls(k)}" style="width:{100 * max(v, 0.0) / total:.1f}%"></i>' for k, v in ordered)
    return f'<div class="scores"><span class="sbar">{parts}</span> {words}</div>'


def _article_parts(record: Mapping[str, Any], where: str, *, max_chars: int | None = None) -> tuple[str, str, str]:
    """(title, highlighted body, note) of a record; offsets that do not slice the text are
    re-found or skipped rather than trusted."""
    text = record.get("text")
    text = text if isinstance(text, str) else ("" if _blank(text) else str(text))
    title = _name(record.get("title"))
    # `minenlp tag --title-col` tags "title\n\ntext", so its offsets run ahead by the title.
    raw_title = record.get("title")
    shift = len(raw_title.strip()) + 2 if isinstance(raw_title, str) and raw_title.strip() else 0
    entities = list(_dicts(_as_list(record.get("entities"), "entities", where), "entities", where))
    evidence = list(_dicts(_as_list(record.get("evidence"), "evidence", where), "evidence", where))
    note = ""
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
        note = f'<p class="note">The text is cut at {_num(max_chars)} characters here.</p>'
    body = _highlight(text, _placed(text, entities, shift), _placed(text, evidence, shift)) if text else '<em>(no text)</em>'
    return title, body, note


_CSS = """
:root{--fg:#202124;--muted:#5f6368;--line:#e0e0e0}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1180px;padding:0 20px 40px}
h1{font-size:26px;margin:24px 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.muted,.meta{color:var(--muted);font-size:13px}
nav a{margin-right:14px;color:#1a5fb4;text-decoration:none;font-size:14px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:22px}.card span{color:var(--muted);font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:13px;margin:6px 0}
.legend>span{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:11px;fill:#5f6368}svg.chart .grid{stroke:#ececec}svg.chart .axis{stroke:#9e9e9e}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
.panel{border:1px solid var(--line);border-radius:8px;padding:8px 10px}.panel h3{margin:0 0 4px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #f0f0f0;vertical-align:middle}
th{font-weight:600;color:var(--muted);font-size:13px}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:flex;height:12px;min-width:2px;border-radius:2px;overflow:hidden}.bar i{display:block;height:100%}
.cell{width:38%}td.mini{width:22%}.one{background:#7aa6d6}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}@media(max-width:800px){.cols{grid-template-columns:1fr}}
.b{display:inline-block;color:#fff;font-size:12px;border-radius:3px;padding:0 6px;margin-right:6px}
details.art{border-bottom:1px solid #f0f0f0;padding:4px 0}
details.art summary{cursor:pointer}details.art time{color:var(--muted);font-size:13px;margin-right:6px}
details.art small{color:var(--muted)}
.body{white-space:pre-wrap;line-height:2;margin:6px 0 10px;padding:8px 12px;background:#fafafa;border-radius:6px}
mark{padding:.1em .3em;border-radius:.35em;color:inherit}
mark::after{font-size:.62em;font-weight:700;margin-left:.35em;vertical-align:middle;letter-spacing:.02em}
{entity_css}
mark.O{background:#ddd}mark.O::after{content:attr(data-l)}
mark.x::after{content:none}mark:empty::after{margin-left:0}
u{text-decoration:underline 2px #c77c02;text-underline-offset:4px;background:#fff6e0}
.scores{font-size:13px;color:var(--muted);margin:4px 0}
.sbar{display:inline-flex;width:120px;height:10px;vertical-align:middle;border-radius:2px;overflow:hidden}.sbar i{display:block;height:100%}
.note{background:#fff8e1;border:1px solid #ffe08a;border-radius:6px;padding:6px 10px;font-size:14px}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
.controls input{padding:4px 8px;min-width:260px}
article.one-art h1{font-size:22px}
"""

_ENTITY_CSS = "\n".join(f'mark.{cls}{{background:{color}}}mark.{cls}::after{{content:"{label}"}}'
                        for label, (cls, color) in _ENTITY_CLASSES.items())

_JS = """
(function(){
  var root=document.documentElement;
  root.setAttribute('data-js','ready');
  var arts=document.querySelectorAll('details.art');
  var q=document.getElementById('q'),fs=document.getElementById('fs'),shown=document.getElementById('shown');
  var timer=null;
  function apply(){
    var t=q?q.value.toLowerCase():'',k=fs?fs.value:'',n=0;
    for(var i=0;i<arts.length;i++){
      var a=arts[i];
      var ok=(!k||a.getAttribute('data-s')===k)&&(!t||a.textContent.toLowerCase().indexOf(t)>=0);
      a.hidden=!ok;if(ok)n++;
    }
    if(shown)shown.textContent=n.toLocaleString();
  }
  function later(){if(timer)clearTimeout(timer);timer=setTimeout(apply,150);}
  if(q)q.addEventListener('input',later);
  if(fs)fs.addEventListener('change',apply);
  function setAll(open){for(var i=0;i<arts.length;i++){if(!arts[i].hidden)arts[i].open=open;}}
  var ex=document.getElementById('expand'),co=document.getElementById('collapse');
  if(ex)ex.addEventListener('click',function(){setAll(true);});
  if(co)co.addEventListener('click',function(){setAll(false);});
  console.log('minenlp report ready: '+arts.length+' articles listed');
})();
"""


def _page(title: str, body: str, palette: _Palette, *, script: bool) -> str:
    js = f"<script>{_JS}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="generator" content="minenlp {__version__}">'
            f"<title>{_esc(title)}</title><style>{_CSS.replace('{entity_css}', _ENTITY_CSS)}{palette.css()}</style></head>\n"
            f"<body>\n{body}\n{js}</body></html>\n")


def render_article(record: Mapping[str, Any], *, standalone: bool = True) -> str:
    """The highlighted view of one tagged article as HTML.

    Entities are coloured marks labelled REGION, AGENCY or PERSON (with canonical name, kind,
    role and codes in the tooltip); evidence sentences are underlined. All text is escaped.

    Parameters
    ----------
    record : mapping
        ``text`` and optionally ``title``, ``id``, ``published``, ``stance``, ``stance_scores``,
        ``evidence`` and ``entities``: a line of ``minenlp tag`` output, or
        ``{"title": ..., "text": ..., **minenlp.analyze(text)}``.
    standalone : bool
        True for a whole HTML page with its styles; False for an ``<article>`` fragment to
        place in a page that carries the report's styles.

    Returns
    -------
    str

    Raises
    ------
    InputError
        When ``entities`` or ``evidence`` is not a list of objects.

    Examples
    --------
    >>> rec = {"title": "Ban", "text": "Kosovo bans mining.", "stance": "restrictive",
    ...        "entities": [{"text": "Kosovo", "label": "REGION", "start": 0, "end": 6}],
    ...        "evidence": [{"text": "Kosovo bans mining.", "start": 0, "end": 19, "weight": 1.2}]}
    >>> frag = render_article(rec, standalone=False)
    >>> '<mark class="R">Kosovo</mark>' in frag
    True
    """
    if not isinstance(record, Mapping):
        raise InputError(f"render_article() takes a record mapping, not {type(record).__name__}")
    where = f"record {record.get('id')!r}" if record.get("id") is not None else "record"
    title, body, note = _article_parts(record, where)
    stance = _stance_of(record.get("stance"))
    scores = _as_scores(record.get("stance_scores"), where)
    palette = _Palette([stance, *scores])
    meta = [f'<span class="b {palette.cls(stance)}">{_esc(stance)}</span>']
    day = _day(record)
    if day:
        meta.append(f"<time>{_esc(day)}</time>")
    if record.get("id") is not None:
        meta.append(f'<small>{_esc(record.get("id"))}</small>')
    if not _blank(record.get("error")):
        meta.append(f'<span class="note">error: {_esc(record.get("error"))}</span>')
    evidence = [e for e in _dicts(_as_list(record.get("evidence"), "evidence", where), "evidence", where)
                if isinstance(e.get("text"), str)]
    ev_list = ""
    if evidence:
        items = "".join(f"<li>{_esc(e['text'].strip())}"
                        + (f' <span class="muted">({e["weight"]:+.2f})</span>' if isinstance(e.get("weight"), (int, float)) else "")
                        + "</li>" for e in evidence)
        ev_list = f'<h3>Evidence</h3><ol class="evlist">{items}</ol>'
    juris = ""
    rows = []
    for j in _dicts(_as_list(record.get("jurisdictions"), "jurisdictions", where), "jurisdictions", where):
        j_stance = _stance_of(j.get("stance"))
        score = j.get("score")
        score = f"{score:.2f}" if isinstance(score, (int, float)) and not isinstance(score, bool) else ""
        named = j.get("measures") if isinstance(j.get("measures"), (list, tuple)) else []
        rows.append(f"<tr><td>{_esc(_name(j.get('canonical')))}</td><td class=\"muted\">"
                    f"{_esc(', '.join(x for x in dict.fromkeys((_name(j.get('country')), _name(j.get('code')))) if x))}</td>"
                    f'<td><span class="b {palette.cls(j_stance)}">{_esc(j_stance)}</span></td><td class="n">{score}</td>'
                    f"<td>{_esc(', '.join(_name(m) for m in named))}</td></tr>")
    if rows:
        juris = ('<h3>Jurisdictions</h3><table><thead><tr><th>jurisdiction</th><th>country, code</th><th>stance</th>'
                 f'<th class="n">score</th><th>measures</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    head = "h1" if standalone else "h2"
    frag = (f'<article class="one-art"><{head}>{_esc(title) or "Article"}</{head}>'
            f'<div class="meta">{" ".join(meta)}</div>{_scores_line(scores, palette)}'
            f"{_entity_legend()}{note}<div class=\"body\">{body}</div>{juris}{ev_list}</article>")
    if not standalone:
        return frag
    return _page(title or "minenlp article", frag, palette, script=False)


# ---------------------------------------------------------------------------------------------
# Aggregation


def _month_index(day: str) -> int:
    return int(day[:4]) * 12 + int(day[5:7]) - 1


class _Aggregate:
    """Everything the report shows, as counters filled one record at a time."""

    def __init__(self, max_articles: int) -> None:
        self.max_articles = max_articles
        self.records = 0
        self.errors = 0
        self.error_examples: list[tuple[str, str]] = []
        self.articles = 0
        self.undated = 0
        self.first_day: str | None = None
        self.last_day: str | None = None
        self.stance = Counter()
        self.month_stance: dict[int, Counter] = {}
        self.jur_stance: dict[tuple[str, str], Counter] = {}
        self.jur_month: dict[tuple[str, str], dict[int, Counter]] = {}
        self.jur_country: dict[tuple[str, str], Counter] = {}
        self.jur_measures: dict[tuple[str, str], Counter] = {}
        self.from_field = 0
        self.from_regions = 0
        self.agency_articles = Counter()
        self.agency_mentions = Counter()
        self.agency_country: dict[str, Counter] = {}
        self.person_articles = Counter()
        self.person_mentions = Counter()
        self.person_kind: dict[str, Counter] = {}
        self.person_role: dict[str, Counter] = {}
        self.listed: list[str] = []
        self.palette = _Palette()

    def error(self, where: str, message: str) -> None:
        self.errors += 1
        if len(self.error_examples) < _ERROR_EXAMPLES:
            self.error_examples.append((where, message))

    def add(self, rec: dict[str, Any], where: str) -> None:
        self.records += 1
        if not _blank(rec.get("error")):
            self.error(where, str(rec.get("error")))
            return
        if not any(k in rec for k in ("entities", "stance", "error")):
            raise InputError(f"{where}: not a tagged record (no 'entities', 'stance' or 'error' field); "
                             f"run `minenlp tag` on the file first")
        self.articles += 1
        stance = _stance_of(rec.get("stance"))
        self.palette.add(stance)
        self.stance[stance] += 1
        day = _day(rec)
        month = None
        if day is None:
            self.undated += 1
        else:
            month = _month_index(day)
            self.month_stance.setdefault(month, Counter())[stance] += 1
            if self.first_day is None or day < self.first_day:
                self.first_day = day
            if self.last_day is None or day > self.last_day:
                self.last_day = day

        entities = list(_dicts(_as_list(rec.get("entities"), "entities", where), "entities", where))
        jurs: dict[tuple[str, str], tuple[str, str]] = {}
        measures: dict[tuple[str, str], list[str]] = {}
        juris_field = rec.get("jurisdictions")
        if isinstance(juris_field, str) and not juris_field.strip():
            juris_field = None
        if juris_field is not None and not (isinstance(juris_field, float) and math.isnan(juris_field)):
            self.from_field += 1
            for j in _dicts(_as_list(juris_field, "jurisdictions", where), "jurisdictions", where):
                name = _name(j.get("canonical"))
                if name:
                    # A jurisdiction's own stance when the record gives one key for it.
                    j_stance = _stance_of(j.get("stance")) if "stance" in j else stance
                    key = (name, _name(j.get("code")))
                    jurs.setdefault(key, (j_stance, _name(j.get("country"))))
                    named = j.get("measures")
                    if isinstance(named, (list, tuple)):
                        measures.setdefault(key, []).extend(_name(m) for m in named if _name(m))
        else:
            self.from_regions += 1
        seen_agencies: set[str] = set()
        seen_people: set[str] = set()
        for ent in entities:
            label = ent.get("label")
            if label == REGION:
                if juris_field is None:
                    name = _name(ent.get("canonical")) or _name(ent.get("text"))
                    if name:
                        jurs.setdefault((name, _name(ent.get("code"))), (stance, _name(ent.get("country"))))
            elif label == AGENCY:
                name = _name(ent.get("canonical")) or _name(ent.get("text"))
                if name:
                    self.agency_mentions[name] += 1
                    if name not in seen_agencies:
                        seen_agencies.add(name)
                        self.agency_articles[name] += 1
                        country = _name(ent.get("country"))
                        if country:
                            self.agency_country.setdefault(name, Counter())[country] += 1
            elif label == PERSON:
                name = _name(ent.get("canonical")) or _name(ent.get("text"))
                if name:
                    self.person_mentions[name] += 1
                    kind, role = _name(ent.get("kind")), _name(ent.get("role"))
                    if kind:
                        self.person_kind.setdefault(name, Counter())[kind] += 1
                    if role:
                        self.person_role.setdefault(name, Counter())[role] += 1
                    if name not in seen_people:
                        seen_people.add(name)
                        self.person_articles[name] += 1
        for key, (j_stance, country) in jurs.items():
            self.palette.add(j_stance)
            self.jur_stance.setdefault(key, Counter())[j_stance] += 1
            if country:
                self.jur_country.setdefault(key, Counter())[country] += 1
            if month is not None:
                self.jur_month.setdefault(key, {}).setdefault(month, Counter())[j_stance] += 1
            if measures.get(key):
                self.jur_measures.setdefault(key, Counter()).update(set(measures[key]))

        if len(self.listed) < self.max_articles:
            self.listed.append(self._list_entry(rec, where, stance, day))

    def _list_entry(self, rec: dict[str, Any], where: str, stance: str, day: str | None) -> str:
        title, body, note = _article_parts(rec, where, max_chars=_LIST_TEXT_CHARS)
        scores = _as_scores(rec.get("stance_scores"), where)
        cls = self.palette.cls(stance)
        ident = rec.get("id")
        shown_title = _esc(title) if title else "<em>(untitled)</em>"
        return (f'<details class="art" data-s="{cls}"><summary><span class="b {cls}">{_esc(stance)}</span>'
                f'<time>{_esc(day or "undated")}</time>{shown_title}'
                + (f" <small>{_esc(ident)}</small>" if not _blank(ident) else "")
                + f'</summary>{_scores_line(scores, self.palette, bar=False)}{note}<div class="body">{body}</div></details>')


# ---------------------------------------------------------------------------------------------
# Charts: stacked bars as inline SVG


def _ticks(vmax: float, n: int = 5) -> list[float]:
    if vmax <= 0:
        return [0, 1]
    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw))
    step = mag
    for m in (1, 2, 2.5, 5, 10):
        if m == 2.5 and mag < 10:
            continue  # counts: no 2.5 steps
        step = m * mag
        if vmax / step <= n:
            break
    step = max(step, 1)
    top = math.ceil(vmax / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _bins(months: Iterable[int]) -> tuple[list[int], str]:
    """The x axis: every month between the first and last (gaps are real zeros), or years when
    the span is too long for a monthly axis."""
    months = list(months)
    if not months:
        return [], "month"
    lo, hi = min(months), max(months)
    if hi - lo + 1 > _MAX_MONTH_BINS:
        return list(range(lo // 12, hi // 12 + 1)), "year"
    return list(range(lo, hi + 1)), "month"


def _rebin(series: dict[int, Counter], unit: str) -> dict[int, Counter]:
    if unit == "month":
        return series
    out: dict[int, Counter] = {}
    for m, c in series.items():
        out.setdefault(m // 12, Counter()).update(c)
    return out


def _bin_label(b: int, unit: str, short: bool) -> str:
    if unit == "year":
        return str(b)
    return str(b // 12) if short else f"{b // 12}-{b % 12 + 1:02d}"


def _label_step(n: int, unit: str, plot_w: float) -> int:
    steps = (1, 2, 5, 10, 20, 50) if unit == "year" else (1, 2, 3, 6, 12, 24, 60, 120)
    for s in steps:
        px = 34 if (unit == "year" or s >= 12) else 50
        if math.ceil(n / s) * px <= plot_w:
            return s
    return steps[-1]


def _stacked_svg(bins: list[int], unit: str, series: dict[int, Counter], labels: list[str], palette: _Palette,
                 *, width: int, height: int, caption: str) -> str:
    if not bins:
        return '<p class="muted">No dated articles.</p>'
    totals = [sum(series.get(b, Counter()).values()) for b in bins]
    ticks = _ticks(max(totals) if totals else 0, 4 if height < 220 else 5)
    top = ticks[-1]
    left = 12 + 7 * len(_num(int(top)))
    right, top_m, bottom = 8, 8, 26
    pw, ph = width - left - right, height - top_m - bottom
    slot = pw / len(bins)
    bar = max(slot * 0.82, 0.6)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(caption)}">'
           f"<title>{_esc(caption)}</title>"]
    for t in ticks:
        y = top_m + ph - ph * t / top
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end">{_num(int(t))}</text>')
    step = _label_step(len(bins), unit, pw)
    short = unit == "month" and step >= 12
    last_label_end = -math.inf
    for i, b in enumerate(bins):
        x = left + i * slot + (slot - bar) / 2
        c = series.get(b)
        if c:
            y = top_m + ph
            rects = []
            for lab in labels:
                v = c.get(lab, 0)
                if not v:
                    continue
                h = ph * v / top
                y -= h
                rects.append(f'<rect class="{palette.cls(lab)}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}"/>')
            tip = f"{_bin_label(b, unit, False)}: " + ", ".join(f"{lab} {c[lab]}" for lab in labels if c.get(lab))
            out.append(f"<g><title>{_esc(tip)}</title>{''.join(rects)}</g>")
        if b % step == 0:
            cx = left + (i + 0.5) * slot
            text = _bin_label(b, unit, short)
            # Labels near the edges are anchored inward so that they are not cut off.
            half = 3.2 * len(text)
            tx, anchor, lo, hi = cx, "middle", cx - half, cx + half
            if hi > width:
                tx, anchor, lo, hi = width - 1, "end", width - 1 - 2 * half, width - 1
            elif lo < 0:
                tx, anchor, lo, hi = 1, "start", 1, 1 + 2 * half
            if lo < last_label_end + 4:
                continue
            last_label_end = hi
            out.append(f'<line class="axis" x1="{cx:.1f}" x2="{cx:.1f}" y1="{top_m + ph}" y2="{top_m + ph + 4}"/>'
                       f'<text x="{tx:.1f}" y="{top_m + ph + 16}" text-anchor="{anchor}">{text}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top_m + ph}" y2="{top_m + ph}"/></svg>')
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Page sections


def _stack_bar(counts: Counter, labels: list[str], palette: _Palette, scale: int) -> str:
    total = sum(counts.values())
    width = 100 * total / scale if scale else 0
    parts = "".join(f'<i class="{palette.cls(lab)}" style="width:{100 * counts[lab] / total:.2f}%"></i>'
                    for lab in labels if counts.get(lab)) if total else ""
    tip = ", ".join(f"{lab} {counts[lab]}" for lab in labels if counts.get(lab))
    return f'<div class="bar" style="width:{width:.2f}%" title="{_esc(tip)}">{parts}</div>'


def _jur_label(key: tuple[str, str], agg: _Aggregate) -> tuple[str, str]:
    name, code = key
    country = agg.jur_country.get(key)
    where = country.most_common(1)[0][0] if country else ""
    extra = ", ".join(dict.fromkeys(x for x in (where, code) if x))
    return name, extra


def _summary_section(agg: _Aggregate, labels: list[str], source: str) -> str:
    rng = f"{agg.first_day} to {agg.last_day}" if agg.first_day else "no dates"
    cards = [("articles", _num(agg.articles)), ("errors", _num(agg.errors)), ("date range", rng),
             ("undated", _num(agg.undated)), ("jurisdictions", _num(len(agg.jur_stance))),
             ("agencies", _num(len(agg.agency_articles))), ("people", _num(len(agg.person_articles)))]
    html_cards = "".join(f'<div class="card"><b>{_esc(v)}</b><span>{_esc(k)}</span></div>' for k, v in cards)
    stance_line = " · ".join(f"{_esc(lab)} {_num(agg.stance[lab])}" for lab in labels)
    bar = (f'<div style="max-width:640px">{_stack_bar(agg.stance, labels, agg.palette, agg.articles)}</div>'
           f'<p class="muted">{stance_line}</p>' if agg.articles else "")
    source_note = []
    if agg.from_field:
        source_note.append(f"{_num(agg.from_field)} articles give their jurisdictions")
    if agg.from_regions:
        source_note.append(f"{_num(agg.from_regions)} articles count each REGION entity (by canonical name) "
                           f"as a jurisdiction with the article's stance")
    errors = ""
    if agg.error_examples:
        rows = "".join(f"<li><b>{_esc(w)}</b>: {_esc(m)}</li>" for w, m in agg.error_examples)
        more = f"; the first {len(agg.error_examples)} are named here" if agg.errors > len(agg.error_examples) else ""
        what = "1 record with an error is" if agg.errors == 1 else f"{_num(agg.errors)} records with errors are"
        errors = f"<details><summary>{what} counted but not listed{more}</summary><ul>{rows}</ul></details>"
    no_stance = ""
    if agg.articles and agg.stance.get(NO_STANCE, 0) == agg.articles:
        no_stance = ('<p class="note">No article has a stance: the file was tagged without a stance model. '
                     "Charts show the coverage alone.</p>")
    return (f'<section id="summary"><h2>Summary</h2><div class="cards">{html_cards}</div>'
            f"<h3>Stance of all articles</h3>{_legend(agg.palette, labels)}{bar}{no_stance}"
            f'<p class="muted">{_esc(_num(agg.records))} records read from {_esc(source)}. '
            f'{_esc("; ".join(source_note))}{"." if source_note else ""}</p>{errors}</section>')


def _time_section(agg: _Aggregate, labels: list[str], top: list[tuple[str, str]]) -> str:
    bins, unit = _bins(agg.month_stance)
    per = "month" if unit == "month" else "year (the dates span too many months for a monthly axis)"
    overall = _stacked_svg(bins, unit, _rebin(agg.month_stance, unit), labels, agg.palette, width=1000, height=300,
                           caption=f"Articles per {unit} by stance")
    panels = []
    for key in top[:_TOP_JURISDICTION_PANELS]:
        name, extra = _jur_label(key, agg)
        series = _rebin(agg.jur_month.get(key, {}), unit)
        svg = _stacked_svg(bins, unit, series, labels, agg.palette, width=360, height=170,
                           caption=f"{name}: articles per {unit} by stance")
        total = sum(agg.jur_stance[key].values())
        panels.append(f'<div class="panel"><h3>{_esc(name)} <span class="muted">{_esc(extra)} · '
                      f"{_num(total)} article{'' if total == 1 else 's'}</span></h3>{svg}</div>")
    panel_html = (f'<h3>Most-covered jurisdictions</h3><p class="muted">Each panel has its own vertical scale; '
                  f'the months are shared.</p><div class="panels">{"".join(panels)}</div>') if panels else ""
    undated = f'<p class="muted">{_num(agg.undated)} undated articles are not in these charts.</p>' if agg.undated else ""
    return (f'<section id="time"><h2>Stance over time</h2><p class="muted">Articles per {per}, stacked by stance.</p>'
            f"{_legend(agg.palette, labels)}{overall}{undated}{panel_html}</section>")


def _jurisdiction_section(agg: _Aggregate, labels: list[str], top: list[tuple[str, str]]) -> str:
    rows = top[:_TOP_JURISDICTION_ROWS]
    if not rows:
        return '<section id="jurisdictions"><h2>Stance by jurisdiction</h2><p class="muted">No jurisdictions found.</p></section>'
    scale = max(sum(agg.jur_stance[k].values()) for k in rows)
    head = "".join(f'<th class="n">{_esc(lab)}</th>' for lab in labels)
    # Measures come only with a jurisdictions field; without one the column would stay empty.
    with_measures = any(k in agg.jur_measures for k in rows)
    if with_measures:
        head += "<th>most named measures</th>"
    body = []
    for key in rows:
        c = agg.jur_stance[key]
        name, extra = _jur_label(key, agg)
        cells = "".join(f'<td class="n">{_num(c.get(lab, 0))}</td>' for lab in labels)
        if with_measures:
            named = agg.jur_measures.get(key, Counter()).most_common(3)
            cells += f'<td class="muted">{_esc(", ".join(f"{m} {n}" for m, n in named))}</td>'
        body.append(f"<tr><td>{_esc(name)}</td><td class=\"muted\">{_esc(extra)}</td>"
                    f'<td class="n">{_num(sum(c.values()))}</td><td class="cell">{_stack_bar(c, labels, agg.palette, scale)}</td>'
                    f"{cells}</tr>")
    more = len(agg.jur_stance) - len(rows)
    note = f'<p class="muted">{_num(more)} more jurisdictions are not shown.</p>' if more > 0 else ""
    return (f'<section id="jurisdictions"><h2>Stance by jurisdiction</h2>'
            f'<p class="muted">The {len(rows)} jurisdictions named in the most articles.</p>{_legend(agg.palette, labels)}'
            f'<table class="jur"><thead><tr><th>jurisdiction</th><th>country, code</th><th class="n">articles</th>'
            f"<th>stance</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}</section>")


def _names_table(title: str, articles: Counter, mentions: Counter, extra_head: str, extra: dict[str, str],
                 tips: dict[str, str]) -> str:
    # Ties on articles go to the more often mentioned name, then alphabetically, so the table is stable.
    top = sorted(articles.items(), key=lambda kv: (-kv[1], -mentions[kv[0]], kv[0]))[:_TOP_NAMES]
    if not top:
        return f'<div><h3>{title}</h3><p class="muted">None found.</p></div>'
    scale = top[0][1]
    rows = "".join(f'<tr><td{_tip(tips.get(name))}>{_esc(name)}</td><td class="muted">{_esc(extra.get(name, ""))}</td>'
                   f'<td class="n">{_num(n)}</td><td class="n">{_num(mentions[name])}</td>'
                   f'<td class="mini"><div class="bar one" style="width:{100 * n / scale:.1f}%"></div></td></tr>'
                   for name, n in top)
    return (f'<div><h3>{title}</h3><table class="names"><thead><tr><th>name</th><th>{extra_head}</th>'
            f'<th class="n">articles</th><th class="n">mentions</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>')


def _names_section(agg: _Aggregate) -> str:
    def top_of(d: dict[str, Counter]) -> dict[str, str]:
        return {n: c.most_common(1)[0][0] for n, c in d.items() if c}

    def top_n(articles: Counter, mentions: Counter) -> list[str]:
        return [n for n, _ in sorted(articles.items(), key=lambda kv: (-kv[1], -mentions[kv[0]], kv[0]))[:_TOP_NAMES]]

    agencies = top_n(agg.agency_articles, agg.agency_mentions)
    people = top_n(agg.person_articles, agg.person_mentions)
    countries = top_of({n: agg.agency_country[n] for n in agencies if n in agg.agency_country})
    kinds = top_of({n: agg.person_kind[n] for n in people if n in agg.person_kind})
    roles = top_of({n: agg.person_role[n] for n in people if n in agg.person_role})
    return (f'<section id="names"><h2>Agencies and people</h2><p class="muted">Named in the most articles '
            f'(canonical names where known); people with their most common kind (hover a name for the role).</p>'
            f'<div class="cols">'
            f"{_names_table('Agencies', agg.agency_articles, agg.agency_mentions, 'country', countries, {})}"
            f"{_names_table('People', agg.person_articles, agg.person_mentions, 'kind', kinds, roles)}"
            f"</div></section>")


def _articles_section(agg: _Aggregate, labels: list[str]) -> str:
    listed = len(agg.listed)
    left_out = agg.articles - listed
    note = (f'<p class="note">The list shows the first {_num(listed)} of {_num(agg.articles)} articles; '
            f"{_num(left_out)} are left out of it (charts and tables count them all).</p>") if left_out > 0 else ""
    options = "".join(f'<option value="{agg.palette.cls(lab)}">{_esc(lab)}</option>' for lab in labels)
    controls = (f'<div class="controls"><input id="q" type="search" placeholder="filter the list by any text" '
                f'aria-label="filter articles"><select id="fs" aria-label="stance"><option value="">all stances</option>'
                f'{options}</select><button id="expand" type="button">expand all</button>'
                f'<button id="collapse" type="button">collapse all</button>'
                f'<span class="muted"><span id="shown">{_num(listed)}</span> shown</span></div>') if listed else ""
    items = "\n".join(agg.listed) if listed else '<p class="muted">No articles.</p>'
    return (f'<section id="articles"><h2>Articles</h2>{note}{controls}{_entity_legend()}'
            f'<div class="list">{items}</div></section>')


# ---------------------------------------------------------------------------------------------
# The report


@dataclass
class ReportSummary:
    """What :func:`build_report` wrote and read."""

    output: Path
    records: int
    articles: int
    errors: int
    undated: int
    first_date: str | None
    last_date: str | None
    jurisdictions: int
    listed: int
    left_out: int
    bytes: int
    seconds: float

    def __str__(self) -> str:
        dates = f"{self.first_date} to {self.last_date}" if self.first_date else "no dates"
        return (f"{self.articles} articles ({dates}; records with errors: {self.errors}), {self.jurisdictions} jurisdictions; "
                f"{self.listed} listed, {self.left_out} left out; {self.output} "
                f"({self.bytes / 1e6:.1f} MB) in {self.seconds:.1f}s")


def build_report(tagged_path: str | Path, output_path: str | Path, *, max_articles: int = 2000,
                 title: str = "minenlp report") -> ReportSummary:
    """Write one self-contained HTML report of a tagged file.

    The file is read once as a stream (JSON Lines, CSV or Parquet, by extension): charts and
    tables come from counters, and only the first ``max_articles`` articles are kept for the
    list. The page has stance per month overall and for the six most-covered jurisdictions,
    stance by jurisdiction for the top 30, the most named agencies and people, and the articles
    with entities and evidence highlighted. It fetches nothing: styles, script and SVG charts
    are inline.

    Parameters
    ----------
    tagged_path : str or Path
        Output of ``minenlp tag`` (``.jsonl``, ``.csv`` or ``.parquet``).
    output_path : str or Path
        The HTML file to write; it appears whole or not at all.
    max_articles : int
        How many articles the list shows (0 for none); the rest are counted in the charts and a
        note says how many were left out.
    title : str
        The page title.

    Returns
    -------
    ReportSummary

    Raises
    ------
    InputError
        When the file is missing, of an unknown format, or holds a record that is not tagged
        output (the message names its line or row).

    Examples
    --------
    >>> summary = build_report("tagged.jsonl", "report.html", max_articles=500)  # doctest: +SKIP
    >>> summary.articles, summary.left_out  # doctest: +SKIP
    (30, 0)
    """
    started = time.perf_counter()
    src, out = Path(tagged_path), Path(output_path)
    if not isinstance(max_articles, int) or isinstance(max_articles, bool) or max_articles < 0:
        raise InputError(f"max_articles must be a whole number of at least 0, not {max_articles!r}")
    if not src.is_file():
        raise InputError(f"{src} does not exist or is not a file")
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: the folder {out.parent} does not exist")
    if out.exists() and out.resolve() == src.resolve():
        raise InputError(f"{out} is the input file; choose another output path")
    fmt = detect_format(src)

    agg = _Aggregate(max_articles)
    for item in read_items(src, fmt):
        if item.error:
            agg.records += 1
            agg.error(item.where, item.error)
            logger.warning("%s", item.error)
            continue
        rec = _from_csv(item.record) if fmt == "csv" else item.record
        ident = rec.get("id")
        where = item.where if _blank(ident) else f"{item.where} (id {ident!r})"
        agg.add(rec, where)
    if agg.records == 0:
        logger.warning("%s holds no records; the report is empty", src)

    labels = agg.palette.ordered(set(agg.stance) | {lab for c in agg.jur_stance.values() for lab in c})
    top = sorted(agg.jur_stance, key=lambda k: (-sum(agg.jur_stance[k].values()), k))
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = (f"<header><h1>{_esc(title)}</h1><p class=\"meta\">Built {built} by minenlp {__version__} from "
            f"{_esc(src.name)}.</p><nav><a href=\"#summary\">Summary</a><a href=\"#time\">Over time</a>"
            f"<a href=\"#jurisdictions\">Jurisdictions</a><a href=\"#names\">Agencies and people</a>"
            f"<a href=\"#articles\">Articles</a></nav></header>\n"
            f"{_summary_section(agg, labels, src.name)}\n{_time_section(agg, labels, top)}\n"
            f"{_jurisdiction_section(agg, labels, top)}\n{_names_section(agg)}\n{_articles_section(agg, labels)}\n"
            f'<footer class="muted"><p>Entities and stances are machine output; read the evidence before '
            f"relying on a label.</p></footer>")
    page = _page(title, body, agg.palette, script=True)

    atomic_write_text(out, page)
    size = out.stat().st_size
    listed = len(agg.listed)
    summary = ReportSummary(output=out, records=agg.records, articles=agg.articles, errors=agg.errors,
                            undated=agg.undated, first_date=agg.first_day, last_date=agg.last_day,
                            jurisdictions=len(agg.jur_stance), listed=listed, left_out=agg.articles - listed,
                            bytes=size, seconds=time.perf_counter() - started)
    logger.info("report: %s", summary)
    return summary
