"""Labelled corpora: read and write JSON Lines, convert marked-up drafts, validate against the guide.

A labelled record holds ``id``, ``title``, ``text``, ``published`` (YYYY-MM-DD), ``genre``,
``stance``, ``jurisdiction_stances`` ({canonical region: stance}), ``jurisdiction_measures``
({canonical region: [measure, ...]}), ``measures``, ``hard_case`` and ``entities``
([{start, end, label, text, kind, role}]), offsets into ``text``.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import CorpusValidationError, InputError
from .types import ENTITY_LABELS, GENRES, MEASURES, PERSON, PERSON_KINDS, REGION, STANCE_LABELS

_MARK = re.compile(r"\[\[([^\[\]|]+)\|(REGION|AGENCY|PERSON)\]\]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file of labelled records.

    Raises
    ------
    InputError
        When a line is not a JSON object; the message names the file and line.

    Examples
    --------
    >>> records = read_jsonl("data/corpus/dev.jsonl")  # doctest: +SKIP
    """
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}, line {n}: not valid JSON ({exc.msg})") from exc
            if not isinstance(rec, dict):
                raise InputError(f"{path}, line {n}: expected a JSON object, got {type(rec).__name__}")
            out.append(rec)
    return out


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write records as JSON Lines (UTF-8, one object per line); returns the count."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def parse_markup(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip ``[[surface|LABEL]]`` marks from a text and return it with entity offsets.

    Examples
    --------
    >>> parse_markup("Miners left [[Sichuan|REGION]] in June.")
    ('Miners left Sichuan in June.', [{'start': 12, 'end': 19, 'label': 'REGION', 'text': 'Sichuan'}])
    """
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        chunk = marked[pos:m.start()]
        out.append(chunk)
        length += len(chunk)
        surface = m.group(1)
        spans.append({"start": length, "end": length + len(surface), "label": m.group(2), "text": surface})
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        bad = text[max(0, text.find("[[") - 20): text.find("[[") + 40] if "[[" in text else text[max(0, text.find("]]") - 40): text.find("]]") + 5]
        raise InputError(f"unbalanced or unknown entity mark near: {bad!r}")
    return text, spans


@dataclass
class Draft:
    """One article in the marked-up draft format that corpus writers use."""

    header: dict[str, Any] = field(default_factory=dict)
    people: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    body: str = ""


def read_drafts(path: str | Path) -> list[Draft]:
    """Read a draft file: articles separated by ``=====`` lines, a header, ``---``, a marked body."""
    raw = Path(path).read_text(encoding="utf-8")
    drafts = []
    for chunk in re.split(r"(?m)^=====\s*$", raw):
        if not chunk.strip():
            continue
        head, sep, body = chunk.partition("\n---\n")
        if not sep:
            raise InputError(f"{path}: an article has no '---' line between header and body: {chunk[:80]!r}")
        d = Draft(body=body.strip("\n"))
        for line in head.strip().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "person":
                parts = [p.strip() for p in value.split("|")]
                name = parts[0]
                kind = parts[1] if len(parts) > 1 else "other"
                role = parts[2] if len(parts) > 2 and parts[2] not in ("-", "", "none", "None") else None
                d.people[name] = (kind, role)
            elif key:
                d.header[key] = value
        drafts.append(d)
    return drafts


def _parse_jurisdictions(value: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    stances: dict[str, str] = {}
    measures: dict[str, list[str]] = {}
    if not value or value.strip() in ("-", "none"):
        return stances, measures
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^(.+?)\s*=\s*(\w+)\s*(?:\[(.*)\])?\s*$", part)
        if not m:
            raise InputError(f"cannot read jurisdiction {part!r} (expected 'Place = stance [measure, ...]')")
        place, stance, ms = m.group(1).strip(), m.group(2).strip(), m.group(3)
        stances[place] = stance
        measures[place] = [x.strip() for x in (ms or "").split(",") if x.strip() and x.strip() != "-"]
    return stances, measures


def _split_list(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip() and x.strip() != "-"]


def draft_to_record(d: Draft, *, gazetteer=None) -> dict[str, Any]:
    """Convert a draft to a labelled record; entity kinds and roles come from its person lines.

    Every unmarked repeat of a surface form marked elsewhere in the same article is marked too
    (the guide asks for every mention), and jurisdiction names are normalised to canonical ones
    when ``gazetteer`` knows them.
    """
    text, spans = parse_markup(d.body)
    spans = _apply_label_decisions(text, spans, gazetteer)
    spans = _propagate(text, spans)
    bylined = _byline_people(text, spans)
    for s in spans:
        if s["label"] == PERSON:
            kind, role = _person_info(s["text"], d.people)
            # The guide: the byline's person is a journalist, op-ed authors included.
            if s["text"] in bylined:
                kind = "journalist"
            s["kind"], s["role"] = kind, role
    stances, jmeasures = _parse_jurisdictions(d.header.get("jurisdictions", "-"))
    if gazetteer is not None:
        # The article's own places break ties ("Georgia" in a piece about Atlanta is the US state).
        context = {e.country for s in spans if s["label"] == REGION and len(gazetteer.candidates(s["text"], REGION)) == 1
                   for e in gazetteer.candidates(s["text"], REGION)}
        stances = {_canonical_place(k, gazetteer, context): v for k, v in stances.items()}
        jmeasures = {_canonical_place(k, gazetteer, context): v for k, v in jmeasures.items()}
    return {
        "id": d.header.get("id"),
        "title": d.header.get("title", ""),
        "text": text,
        "published": d.header.get("published"),
        "genre": d.header.get("genre"),
        "stance": d.header.get("stance"),
        "jurisdiction_stances": stances,
        "jurisdiction_measures": jmeasures,
        "measures": _split_list(d.header.get("measures", "-")),
        "hard_case": d.header.get("hard", "no").lower().startswith("y"),
        "entities": sorted(spans, key=lambda s: s["start"]),
    }


_BYLINE_LINE = re.compile(r"(?m)^[ \t]*(?:By|BY|Written by|Reporting by|Words by)\b[^\n]*$")


def _byline_people(text: str, spans: list[dict[str, Any]]) -> set[str]:
    """Names of the people in byline lines; their other mentions share the kind."""
    names = set()
    for m in _BYLINE_LINE.finditer(text):
        for s in spans:
            if s["label"] == PERSON and m.start() <= s["start"] < m.end():
                names.add(s["text"])
    full = set(names)
    for s in spans:
        if s["label"] == PERSON and any(s["text"] in n.split() for n in full):
            names.add(s["text"])
    return names


def _canonical_place(name: str, gazetteer, context: set[str] = frozenset()) -> str:
    entry = gazetteer.lookup(name, REGION, context=context)
    return entry.canonical if entry is not None else name


def _person_info(surface: str, people: dict[str, tuple[str, str | None]]) -> tuple[str, str | None]:
    if surface in people:
        return people[surface]
    for name, info in people.items():
        parts = name.split()
        if surface in parts or name.endswith(" " + surface) or surface in name:
            return info
    return ("other", None)


# Decisions in data/ANNOTATION.md that drafts sometimes miss: applied here so every file agrees.
_FORCED_LABELS = {"EU": REGION, "European Union": REGION}


def _apply_label_decisions(text: str, spans: list[dict[str, Any]], gazetteer) -> list[dict[str, Any]]:
    out = []
    for s in spans:
        surface = s["text"]
        if surface in _FORCED_LABELS:
            s = {**s, "label": _FORCED_LABELS[surface]}
        m = re.match(r"^(?:the\s+)?(.+?)\s+(?:local |provincial |regional |municipal |state |city |federal |central )?government$", surface)
        if s["label"] != PERSON and m and surface.endswith(" government"):
            # "the Kazakh government" is unnamed; "Inner Mongolia government" marks only the place.
            place = m.group(1)
            if gazetteer is not None and gazetteer.lookup(place, REGION) is not None:
                start = s["start"] + surface.index(place)
                out.append({"start": start, "end": start + len(place), "label": REGION, "text": place})
            continue
        out.append(s)
    return out


_MAY_PRECEDE = frozenset("""
The In At From By For On And But As While When Governor Gov. Minister Senator Sen. Rep. President
Premier Mayor Judge Justice Chairman Director Professor Mr. Ms. Mrs. Dr. Commissioner Secretary
Representative Congressman Congresswoman Deputy Analyst CEO Chief Prime Vice Speaker
""".split())


def _propagate(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken = [(s["start"], s["end"]) for s in spans]
    labels: dict[str, str] = {}
    for s in spans:
        labels.setdefault(s["text"], s["label"])
    added = []
    for surface, label in labels.items():
        if len(surface) < 2:
            continue
        for m in re.finditer(re.escape(surface), text):
            a, b = m.start(), m.end()
            if any(a < e and s < b for s, e in taken):
                continue
            before = text[a - 1] if a > 0 else " "
            after = text[b] if b < len(text) else " "
            if before.isalnum() or after.isalnum() or before in "-_" or after in "-_":
                continue
            # Part of a longer capitalised name ("Texas Blockchain Council"): leave it.
            nxt = re.match(r"\s+([A-Z][\w'-]*)", text[b:b + 40])
            prv = re.search(r"([A-Z][\w'-]*)\s+$", text[max(0, a - 40):a])
            if (nxt and label != PERSON) or (prv and prv.group(1) not in _MAY_PRECEDE) or (nxt and label == PERSON):
                continue
            taken.append((a, b))
            added.append({"start": a, "end": b, "label": label, "text": surface})
    return spans + added


# ---------------------------------------------------------------------------------------------
# Validation


def validate_records(records: list[dict[str, Any]], *, name: str = "corpus") -> list[str]:
    """Every problem in a labelled corpus, as messages that name the record and field.

    Checks the schema, labels, dates, genres, measures, and that entity offsets slice the text
    to the stated surface, do not overlap, and carry no leading "the" or trailing "'s".

    Examples
    --------
    >>> validate_records([{"id": "a", "text": "x", "stance": "bad"}])[:1]
    ["corpus record 1 (id a): missing field 'title'"]
    """
    problems: list[str] = []
    seen: Counter = Counter()
    required = ("id", "title", "text", "published", "genre", "stance", "jurisdiction_stances", "entities")
    for i, rec in enumerate(records, 1):
        where = f"{name} record {i} (id {rec.get('id')})"
        for key in required:
            if key not in rec:
                problems.append(f"{where}: missing field {key!r}")
        if any(k not in rec for k in required):
            continue
        seen[rec["id"]] += 1
        text = rec["text"]
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: empty text")
            continue
        if rec["stance"] not in STANCE_LABELS:
            problems.append(f"{where}: stance {rec['stance']!r} is not one of {STANCE_LABELS}")
        if rec["genre"] not in GENRES:
            problems.append(f"{where}: genre {rec['genre']!r} is not one of {GENRES}")
        if not isinstance(rec["published"], str) or not _DATE.match(rec["published"]):
            problems.append(f"{where}: published {rec['published']!r} is not YYYY-MM-DD")
        for place, st in rec["jurisdiction_stances"].items():
            if st not in STANCE_LABELS:
                problems.append(f"{where}: jurisdiction {place!r} has stance {st!r}")
        for m in rec.get("measures", []):
            if m not in MEASURES:
                problems.append(f"{where}: measure {m!r} is not one of {MEASURES}")
        for place, ms in rec.get("jurisdiction_measures", {}).items():
            for m in ms:
                if m not in MEASURES:
                    problems.append(f"{where}: jurisdiction {place!r} measure {m!r} is unknown")
        last_end = -1
        for e in sorted(rec["entities"], key=lambda e: (e.get("start", -1), e.get("end", -1))):
            s, t, label = e.get("start"), e.get("end"), e.get("label")
            if not (isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(text)):
                problems.append(f"{where}: entity offsets {s}-{t} outside the text")
                continue
            surface = text[s:t]
            if label not in ENTITY_LABELS:
                problems.append(f"{where}: entity {surface!r} has label {label!r}")
            if "text" in e and e["text"] != surface:
                problems.append(f"{where}: entity {s}-{t} slices to {surface!r}, not {e['text']!r}")
            if surface != surface.strip():
                problems.append(f"{where}: entity {surface!r} has surrounding white space")
            if surface.lower().startswith("the ") or surface.endswith("'s") or surface.endswith("’s"):
                problems.append(f"{where}: entity {surface!r} includes a leading 'the' or a possessive")
            if s < last_end:
                problems.append(f"{where}: entity {surface!r} at {s} overlaps the one before it")
            last_end = max(last_end, t)
            if label == PERSON and e.get("kind") not in PERSON_KINDS:
                problems.append(f"{where}: person {surface!r} has kind {e.get('kind')!r}")
    for rid, n in seen.items():
        if n > 1:
            problems.append(f"{name}: id {rid!r} occurs {n} times")
    return problems


def validate_file(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate a labelled JSONL file; raise :class:`CorpusValidationError` on problems."""
    records = read_jsonl(path)
    problems = validate_records(records, name=str(path))
    if problems:
        raise CorpusValidationError(problems)
    return records


def iter_texts(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Title and text of each record, as the stance model reads them."""
    for rec in records:
        title = rec.get("title") or ""
        yield f"{title}\n\n{rec['text']}" if title else rec["text"]
