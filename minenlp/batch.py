"""Tag many records: streams in, per-record errors, one output record per input record, in order.

Everything that touches many documents lives here (chunks, processes, progress, resume, long
texts) and calls the same ``Language``; file formats are in :mod:`minenlp.streams`.
"""
from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from .entities import span_to_entity
from .errors import InputError
from .streams import Item, completed_prefix, count_records, detect_format, open_writer, read_items

logger = logging.getLogger("minenlp")

OUTPUT_FIELDS = ("stance", "stance_scores", "evidence", "entities", "jurisdictions", "measures", "error")
# Long texts are cut at paragraph or sentence ends into pieces of at most this many characters.
PIECE_CHARS = 100_000


def doc_result(doc: Doc) -> dict[str, Any]:
    """The fields minenlp adds to a record, from a processed doc (JSON-ready)."""
    stance = doc._.stance if Doc.has_extension("stance") else None
    return {
        "stance": stance,
        "stance_scores": {k: round(float(v), 4) for k, v in doc.cats.items()} if stance is not None else None,
        "evidence": list(doc._.evidence or []) if Doc.has_extension("evidence") else [],
        "entities": [span_to_entity(s).to_dict() for s in doc.ents],
        "jurisdictions": list(doc._.jurisdictions or []) if Doc.has_extension("jurisdictions") else [],
        "measures": list(doc._.measures or []) if Doc.has_extension("measures") else [],
        "error": None,
    }


def _error_result(record: dict[str, Any], message: str) -> dict[str, Any]:
    return {**record, "stance": None, "stance_scores": None, "evidence": [], "entities": [], "jurisdictions": [],
            "measures": [], "error": message}


def check_text(item: Item, text_col: str, title_col: str | None = None, id_col: str | None = None) -> str | None:
    """The text to tag, or None after setting ``item.error`` to what is wrong with it."""
    if item.error is not None:
        return None
    where = item.where
    if id_col and id_col in item.record and item.record[id_col] not in (None, ""):
        where = f"{where} (id {item.record[id_col]})"
    if text_col not in item.record:
        item.error = f"{where}: no {text_col!r} field (use --text-col to name the text column)"
        return None
    text = item.record[text_col]
    if not isinstance(text, str):
        kind = "null" if text is None else type(text).__name__
        item.error = f"{where}: {text_col!r} is {kind}, not a string"
        return None
    if not text.strip():
        item.error = f"{where}: {text_col!r} is empty"
        return None
    if title_col and isinstance(item.record.get(title_col), str) and item.record[title_col].strip():
        return f"{item.record[title_col].strip()}\n\n{text}"
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def spacy_safe(text: str) -> str:
    """The text with lone surrogates replaced one-for-one by U+FFFD (spaCy cannot store them);
    offsets stay the same."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def restore_surface(result: dict[str, Any], original: str) -> dict[str, Any]:
    """Entity and evidence texts sliced from the original text (after :func:`spacy_safe`)."""
    for key in ("entities", "evidence"):
        for e in result.get(key) or []:
            e["text"] = original[e["start"]:e["end"]]
    return result


def split_long(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, str]]:
    """Cut a text into (offset, piece) parts of at most ``limit`` characters at natural breaks."""
    if len(text) <= limit:
        return [(0, text)]
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "))
            if cut > limit // 2:
                end = start + cut + 1
        pieces.append((start, text[start:end]))
        start = end
    return pieces


def _analyze_long(nlp: Language, text: str) -> dict[str, Any]:
    """Entities piece by piece with offsets shifted back; stance over the whole text."""
    pipes = [name for name in nlp.pipe_names if name == "minenlp_stance"]
    entities = []
    with nlp.select_pipes(disable=pipes):
        for offset, piece in split_long(text, min(PIECE_CHARS, nlp.max_length)):
            for e in (span_to_entity(s).to_dict() for s in nlp(piece).ents):
                e["start"] += offset
                e["end"] += offset
                entities.append(e)
    result = {"stance": None, "stance_scores": None, "evidence": [], "entities": entities, "jurisdictions": [],
              "measures": [], "error": None}
    if pipes:
        stance = nlp.get_pipe("minenlp_stance")
        if stance.bundle is not None:
            doc = stance(nlp.make_doc(text)) if len(text) < nlp.max_length else None
            if doc is not None:
                result.update({k: v for k, v in doc_result(doc).items() if k not in ("entities", "error")})
            else:
                result.update(stance.predict_text(text))
    return result


def tag_texts(nlp: Language, texts: list[str], *, batch_size: int = 16) -> list[dict[str, Any]]:
    """The fields minenlp adds, for each of a list of checked texts, in one memory zone.

    Lone surrogates are replaced for spaCy and the surfaces sliced from the original again;
    texts longer than spaCy's limit are tagged in pieces with their offsets kept.
    """
    results: list[dict[str, Any] | None] = [None] * len(texts)
    todo = []
    for i, t in enumerate(texts):
        if len(t) > min(PIECE_CHARS, nlp.max_length):
            results[i] = restore_surface(_analyze_long(nlp, spacy_safe(t)), t)
        else:
            todo.append((spacy_safe(t), i))
    # Only texts that lost lone surrogates need their surfaces sliced from the original again.
    changed = {i for safe, i in todo if safe is not texts[i]}
    # Strings interned while tagging these texts are freed when the zone ends (flat memory).
    with nlp.memory_zone():
        for doc, i in nlp.pipe(todo, as_tuples=True, batch_size=batch_size):
            results[i] = doc_result(doc)
            if i in changed:
                restore_surface(results[i], texts[i])
    return results  # type: ignore[return-value]


def tag_items(
    items: Iterable[Item],
    nlp: Language,
    *,
    text_col: str = "text",
    title_col: str | None = None,
    id_col: str | None = "id",
    batch_size: int = 16,
    n_process: int = 1,
    chunk_size: int = 1024,
) -> Iterator[dict[str, Any]]:
    """Tag a stream of items, yielding one output record per item, in input order.

    Records are read ``chunk_size`` at a time and docs never outlive their chunk, so memory stays
    flat whatever the input size. A record that cannot be tagged comes back with ``error`` set
    and nothing else lost. With ``n_process`` > 1, worker processes that each hold the pipeline
    for the whole run tag blocks of records and send back only the added fields.
    """
    if n_process > 1:
        yield from _tag_parallel(items, nlp, text_col, title_col, id_col, batch_size, n_process)
        return
    for block in _blocks(items, chunk_size):
        texts = [check_text(item, text_col, title_col, id_col) for item in block]
        yield from _merge(block, texts, tag_texts(nlp, _good(texts), batch_size=batch_size), text_col)


def _good(texts: list[str | None]) -> list[str]:
    return [t for t in texts if t is not None]


def _blocks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    block: list[Item] = []
    for item in items:
        block.append(item)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def _merge(block: list[Item], texts: list[str | None], results: list[dict[str, Any]],
           text_col: str) -> Iterator[dict[str, Any]]:
    """Output records for a block: each record with its added fields, or with its error."""
    done = iter(results)
    for item, text in zip(block, texts):
        if item.error is not None:
            yield _error_result(item.record, item.error)
            continue
        result = next(done)
        if text is not item.record.get(text_col):
            to_text_offsets(result, len(text) - len(item.record[text_col]))
        yield {**item.record, **result}


# The pipeline of a worker process, set once when the worker starts.
_WORKER: dict[str, Any] = {}


def _init_worker(nlp: Language, batch_size: int) -> None:
    _WORKER["nlp"] = nlp
    _WORKER["batch_size"] = batch_size


def _work(texts: list[str]) -> list[dict[str, Any]]:
    return tag_texts(_WORKER["nlp"], texts, batch_size=_WORKER["batch_size"])


def _mp_context():
    import multiprocessing as mp

    # fork shares the loaded pipeline with the workers at no cost; elsewhere it is pickled once per worker.
    return mp.get_context("fork" if sys.platform.startswith("linux") else None)


def _tag_parallel(items: Iterable[Item], nlp: Language, text_col: str, title_col: str | None, id_col: str | None,
                  batch_size: int, n_process: int) -> Iterator[dict[str, Any]]:
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # Blocks small enough to keep both workers busy to the end, large enough that sending them
    # costs little; a bounded number in flight keeps memory flat on endless inputs.
    block_size = max(8, 4 * batch_size)
    in_flight = 3 * n_process
    pending: deque = deque()
    pool = ProcessPoolExecutor(n_process, mp_context=_mp_context(), initializer=_init_worker,
                               initargs=(nlp, batch_size))
    try:
        for block in _blocks(items, block_size):
            texts = [check_text(item, text_col, title_col, id_col) for item in block]
            pending.append((block, texts, pool.submit(_work, _good(texts))))
            if len(pending) >= in_flight:
                block, texts, future = pending.popleft()
                yield from _merge(block, texts, future.result(), text_col)
        for block, texts, future in pending:
            yield from _merge(block, texts, future.result(), text_col)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def to_text_offsets(result: dict[str, Any], title_chars: int) -> dict[str, Any]:
    """Offsets into the record's text field after a title was joined before it.

    What the title itself holds keeps offsets into the title and is marked ``"field": "title"``;
    everything else is shifted to index the text and marked ``"field": "text"``.
    """
    spans = list(result.get("entities") or []) + list(result.get("evidence") or [])
    for j in result.get("jurisdictions") or []:
        spans += list(j.get("evidence") or [])
    for e in spans:
        if e["start"] < title_chars:
            e["field"] = "title"
        else:
            e["start"] -= title_chars
            e["end"] -= title_chars
            e["field"] = "text"
    return result


@dataclass
class TagSummary:
    """What a tagging run did."""

    records: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    words: int = 0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        resumed = f" ({self.skipped} already done, skipped)" if self.skipped else ""
        return (f"{self.records} records, {self.errors} errors{resumed}, {self.seconds:.1f} s, "
                f"{self.words_per_second:,.0f} words/s")


def _progress(total: int | None, quiet: bool):
    from tqdm import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, unit="rec", disable=disable, file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


def tag_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    nlp: Language,
    text_col: str = "text",
    title_col: str | None = None,
    id_col: str | None = "id",
    input_format: str | None = None,
    output_format: str | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    resume: bool = False,
    quiet: bool = False,
) -> TagSummary:
    """Tag a file of articles (JSON Lines, CSV or Parquet; ``-`` for stdin/stdout) into another.

    Parameters
    ----------
    input_path, output_path : str or Path
        Input and output; the output must not be the input.
    nlp : Language
        The pipeline from :func:`minenlp.load`.
    text_col, title_col, id_col : str
        Field names: the text, an optional title joined before it, and the id named in errors.
    input_format, output_format : str, optional
        ``jsonl``, ``csv`` or ``parquet``; by default from the file extension.
    batch_size, n_process : int
        Passed to ``nlp.pipe``.
    resume : bool
        Continue a JSON Lines output that an interrupted run left: the records already written
        are skipped, none is redone or duplicated.
    quiet : bool
        No progress bar (it is also off when stderr is not a terminal).

    Returns
    -------
    TagSummary

    Examples
    --------
    >>> import minenlp
    >>> tag_file("data/samples/articles.jsonl", "tagged.jsonl", nlp=minenlp.load())  # doctest: +SKIP
    """
    in_fmt = detect_format(input_path, input_format)
    out_fmt = detect_format(output_path, output_format)
    if str(input_path) != "-" and not Path(input_path).is_file():
        raise InputError(f"input file {input_path} does not exist")
    if str(input_path) != "-" and str(output_path) != "-" and Path(input_path).resolve() == Path(output_path).resolve():
        raise InputError(f"the output {output_path} is the input file; choose another output path")
    if resume and str(output_path) == "-":
        raise InputError("--resume needs an output file, not stdout")
    if n_process < 1 or batch_size < 1:
        raise InputError("--n-process and --batch-size must be at least 1")
    done = completed_prefix(output_path) if resume and out_fmt == "jsonl" else 0
    writer = open_writer(output_path, out_fmt, append=resume)
    summary = TagSummary(skipped=done)
    total = count_records(input_path, in_fmt)
    bar = _progress(total, quiet)
    t0 = time.perf_counter()
    ok = False
    try:
        items = read_items(input_path, in_fmt)
        for _ in range(done):
            if next(items, None) is None:
                break
            bar.update(1)
        n = 0
        for out in tag_items(items, nlp, text_col=text_col, title_col=title_col, id_col=id_col,
                             batch_size=batch_size, n_process=n_process):
            writer.write(out)
            summary.records += 1
            n += 1
            if out["error"] is not None:
                summary.errors += 1
                logger.warning(out["error"])
            else:
                text = out.get(text_col)
                summary.words += len(text.split()) if isinstance(text, str) else 0
            bar.update(1)
            if n % 256 == 0:
                writer.flush()
        ok = True
    finally:
        writer.close(ok=ok)
        bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def tag_dataframe(df, *, text: str = "text", title: str | None = None, nlp: Language | None = None,
                  batch_size: int = 16, n_process: int = 1):
    """Tag a pandas DataFrame; returns a new frame with the added columns and the same index.

    Parameters
    ----------
    df : pandas.DataFrame
    text : str
        Column holding the article text.
    title : str, optional
        Column joined before the text.
    nlp : Language, optional
        A pipeline from :func:`minenlp.load` (loaded once when omitted).

    Examples
    --------
    >>> import pandas as pd, minenlp
    >>> out = minenlp.tag_dataframe(pd.DataFrame({"text": ["Kosovo banned mining."]}, index=["k1"]))  # doctest: +SKIP
    >>> list(out.columns)  # doctest: +SKIP
    ['text', 'stance', 'stance_scores', 'evidence', 'entities', 'error']
    """
    import pandas as pd

    if text not in df.columns:
        raise InputError(f"the DataFrame has no column {text!r} (columns: {', '.join(map(str, df.columns))})")
    if nlp is None:
        from . import _default_nlp

        nlp = _default_nlp()
    items = (Item(f"index {idx!r}", {text: row_text, **({title: row_title} if title else {})})
             for idx, row_text, row_title in zip(df.index, df[text], df[title] if title else [None] * len(df)))
    added = [{k: out[k] for k in OUTPUT_FIELDS}
             for out in tag_items(items, nlp, text_col=text, title_col=title, id_col=None,
                                  batch_size=batch_size, n_process=n_process)]
    # object dtype keeps None as None (pandas would turn a string column's None into NaN).
    extra = pd.DataFrame(added, index=df.index, columns=list(OUTPUT_FIELDS), dtype=object)
    return pd.concat([df.drop(columns=[c for c in OUTPUT_FIELDS if c in df.columns]), extra], axis=1)


__all__ = ["tag_file", "tag_items", "tag_texts", "tag_dataframe", "doc_result", "TagSummary", "Item", "split_long"]
