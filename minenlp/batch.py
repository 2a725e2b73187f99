"""Tag many records: streams in, per-record errors, one output record per input record, in order."""
from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from spacy.language import Language
from spacy.tokens import Doc

from .entities import span_to_entity
from .errors import InputError

logger = logging.getLogger("minenlp")

OUTPUT_FIELDS = ("stance", "stance_scores", "evidence", "entities", "error")


def doc_result(doc: Doc) -> dict[str, Any]:
    """The fields minenlp adds to a record, from a processed doc (JSON-ready)."""
    stance = doc._.stance if Doc.has_extension("stance") else None
    scores = dict(doc.cats) if stance is not None else None
    evidence = [e.to_dict() for e in doc._.evidence] if Doc.has_extension("evidence") and doc._.evidence else []
    return {
        "stance": stance,
        "stance_scores": {k: round(float(v), 4) for k, v in scores.items()} if scores else None,
        "evidence": evidence,
        "entities": [span_to_entity(s).to_dict() for s in doc.ents],
        "error": None,
    }


def _error_result(record: dict[str, Any], message: str) -> dict[str, Any]:
    return {**record, "stance": None, "stance_scores": None, "evidence": [], "entities": [], "error": message}


@dataclass
class Item:
    """One input record on its way through: where it came from, its fields, or why it is bad."""

    where: str
    record: dict[str, Any]
    error: str | None = None


def check_text(item: Item, text_col: str, title_col: str | None = None) -> str | None:
    """The text to tag, or None after setting ``item.error`` to what is wrong with it."""
    if item.error is not None:
        return None
    if text_col not in item.record:
        item.error = f"{item.where}: no {text_col!r} field (use --text-col to name the text column)"
        return None
    text = item.record[text_col]
    if not isinstance(text, str):
        kind = "null" if text is None else type(text).__name__
        item.error = f"{item.where}: {text_col!r} is {kind}, not a string"
        return None
    if not text.strip():
        item.error = f"{item.where}: {text_col!r} is empty"
        return None
    if title_col and isinstance(item.record.get(title_col), str) and item.record[title_col].strip():
        return f"{item.record[title_col].strip()}\n\n{text}"
    return text


def read_jsonl_items(stream: TextIO, *, name: str = "input") -> Iterator[Item]:
    """Items from a JSON Lines stream; a malformed line becomes an error item holding the raw line."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        where = f"{name} line {n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Item(where, {"raw": line.rstrip("\n")}, f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(rec, dict):
            yield Item(where, {"raw": rec}, f"{where}: expected a JSON object, got {type(rec).__name__}")
            continue
        yield Item(where, rec)


def tag_items(
    items: Iterable[Item],
    nlp: Language,
    *,
    text_col: str = "text",
    title_col: str | None = None,
    batch_size: int = 16,
    chunk_size: int = 512,
) -> Iterator[dict[str, Any]]:
    """Tag a stream of items, yielding one output record per item, in input order.

    Records are read ``chunk_size`` at a time, so memory stays flat whatever the input size.
    A record that cannot be tagged comes back with ``error`` set and nothing else lost.
    """
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= chunk_size:
            yield from _tag_chunk(chunk, nlp, text_col, title_col, batch_size)
            chunk = []
    if chunk:
        yield from _tag_chunk(chunk, nlp, text_col, title_col, batch_size)


def _tag_chunk(chunk: list[Item], nlp: Language, text_col: str, title_col: str | None, batch_size: int) -> Iterator[dict[str, Any]]:
    texts = [check_text(item, text_col, title_col) for item in chunk]
    todo = [(t, i) for i, t in enumerate(texts) if t is not None]
    results: dict[int, dict[str, Any]] = {}
    for doc, i in nlp.pipe(todo, as_tuples=True, batch_size=batch_size):
        results[i] = doc_result(doc)
    for i, item in enumerate(chunk):
        if item.error is not None:
            yield _error_result(item.record, item.error)
        else:
            yield {**item.record, **results[i]}


@dataclass
class TagSummary:
    """What a tagging run did."""

    records: int = 0
    errors: int = 0
    seconds: float = 0.0
    words: int = 0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (f"{self.records} records, {self.errors} errors, {self.seconds:.1f} s, "
                f"{self.words_per_second:,.0f} words/s")


def tag_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    nlp: Language,
    text_col: str = "text",
    title_col: str | None = None,
    batch_size: int = 16,
) -> TagSummary:
    """Tag a JSON Lines file (``-`` for stdin) into a JSON Lines file (``-`` for stdout).

    Parameters
    ----------
    input_path, output_path : str or Path
        Input and output files; the output must not be the input.
    nlp : Language
        The pipeline from :func:`minenlp.load`.
    text_col, title_col : str
        Field names of the text and (optionally) the title, joined before the text.

    Returns
    -------
    TagSummary

    Examples
    --------
    >>> import minenlp
    >>> tag_file("data/samples/articles.jsonl", "tagged.jsonl", nlp=minenlp.load())  # doctest: +SKIP
    """
    if str(input_path) != "-" and str(output_path) != "-":
        if Path(input_path).resolve() == Path(output_path).resolve():
            raise InputError(f"the output {output_path} is the input file; choose another output path")
    if str(input_path) != "-" and not Path(input_path).is_file():
        raise InputError(f"input file {input_path} does not exist")
    summary = TagSummary()
    t0 = time.perf_counter()
    src = sys.stdin if str(input_path) == "-" else Path(input_path).open(encoding="utf-8", errors="surrogateescape")
    dst = sys.stdout if str(output_path) == "-" else Path(output_path).open("w", encoding="utf-8")
    try:
        name = "stdin" if str(input_path) == "-" else Path(input_path).name
        for out in tag_items(read_jsonl_items(src, name=name), nlp, text_col=text_col, title_col=title_col, batch_size=batch_size):
            dst.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")
            summary.records += 1
            if out["error"] is not None:
                summary.errors += 1
                logger.warning(out["error"])
            else:
                text = out.get(text_col)
                summary.words += len(text.split()) if isinstance(text, str) else 0
    finally:
        if src is not sys.stdin:
            src.close()
        if dst is not sys.stdout:
            dst.close()
    summary.seconds = time.perf_counter() - t0
    return summary


__all__ = ["tag_file", "tag_items", "doc_result", "TagSummary", "Item"]
