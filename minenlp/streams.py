"""Record streams in and out: JSON Lines, CSV and Parquet, read and written without whole-file loads.

Readers yield :class:`Item` objects (where the record came from, its fields, or why it is bad);
writers take output records one at a time. CSV and Parquet outputs are written to a temporary
file and renamed into place when complete, so they appear whole or not at all.
"""
from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

from .errors import InputError

FORMATS = ("jsonl", "csv", "parquet")
_EXT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
# Cells a spreadsheet would run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Item:
    """One input record on its way through: where it came from, its fields, or why it is bad."""

    where: str
    record: dict[str, Any]
    error: str | None = None


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of a path from ``fmt`` or its extension (stdin/stdout ``-`` default to JSON Lines)."""
    if fmt:
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    if str(path) == "-":
        return "jsonl"
    kind = _EXT.get(Path(path).suffix.lower())
    if kind is None:
        raise InputError(f"cannot tell the format of {path} from its extension; pass --format ({', '.join(FORMATS)})")
    return kind


def count_records(path: str | Path, fmt: str) -> int | None:
    """How many records a file holds, when that is cheap to know (for the progress bar)."""
    if str(path) == "-":
        return None
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "jsonl":
        n = 0
        with open(path, "rb") as fh:
            for line in fh:
                n += bool(line.strip())
        return n
    return None


def read_items(path: str | Path, fmt: str, *, name: str | None = None) -> Iterator[Item]:
    """Stream the records of a file (``-`` for stdin) as items, in order."""
    name = name or ("stdin" if str(path) == "-" else Path(path).name)
    if fmt == "jsonl":
        if str(path) == "-":
            yield from _jsonl_items(sys.stdin, name)
        else:
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                yield from _jsonl_items(fh, name)
    elif fmt == "csv":
        if str(path) == "-":
            yield from _csv_items(sys.stdin, name)
        else:
            with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
                yield from _csv_items(fh, name)
    elif fmt == "parquet":
        if str(path) == "-":
            raise InputError("Parquet cannot be read from stdin; pass a file")
        yield from _parquet_items(path, name)
    else:  # pragma: no cover - detect_format guards this
        raise InputError(f"unknown format {fmt!r}")


def _jsonl_items(stream: TextIO, name: str) -> Iterator[Item]:
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


def _csv_items(stream: TextIO, name: str) -> Iterator[Item]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    for n, row in enumerate(reader, 1):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name} row {n}"
        if len(row) != len(header):
            yield Item(where, {"raw": row}, f"{where}: has {len(row)} cells, the header has {len(header)}")
            continue
        yield Item(where, dict(zip(header, row)))


def _parquet_items(path: str | Path, name: str) -> Iterator[Item]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError("reading Parquet needs pyarrow: pip install 'minenlp[parquet]'") from exc
    pf = pq.ParquetFile(path)
    n = 0
    # One row group at a time: memory follows the row group, not the file.
    for batch in pf.iter_batches(batch_size=1024):
        for rec in batch.to_pylist():
            n += 1
            yield Item(f"{name} row {n}", rec)


# ---------------------------------------------------------------------------------------------
# Writers


def escape_formula(value: Any) -> Any:
    """Prefix a cell that a spreadsheet would evaluate ("=cmd()", "+1", "@SUM") with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# Characters that some line readers (str.splitlines, editors) take as line breaks inside a JSON string.
_LINE_BREAKS = {ch: f"\\u{ord(ch):04x}" for ch in "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"}
_LINE_BREAK_TABLE = str.maketrans(_LINE_BREAKS)


def jsonl_line(record: dict[str, Any]) -> str:
    """One JSON Lines line: UTF-8 where it can be, escaped where text holds lone surrogates or
    characters that line readers would split on."""
    line = json.dumps(record, ensure_ascii=False, default=str)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(record, ensure_ascii=True, default=str)
    return line.translate(_LINE_BREAK_TABLE) + "\n"


class JsonlWriter:
    """Appends one JSON object per line, flushing each batch so a crash leaves a valid prefix."""

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = path
        self._fh = sys.stdout if str(path) == "-" else open(path, "a" if append else "w", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        # One write call per line: an interruption never leaves half a record before a newline.
        self._fh.write(jsonl_line(record))

    def flush(self) -> None:
        self._fh.flush()

    def close(self, *, ok: bool = True) -> None:
        self._fh.flush()
        if self._fh is not sys.stdout:
            self._fh.close()


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def publish(tmp: str | Path, path: str | Path) -> None:
    """Move a finished temporary file into place with ordinary file permissions (mkstemp's are 0600)."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a whole text file so that it appears complete or not at all."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _AtomicWriter:
    """Writes to a temporary file beside the target and renames it into place on success."""

    def __init__(self, path: str | Path) -> None:
        if str(path) == "-":
            raise InputError("CSV and Parquet outputs need a file path, not stdout")
        self.path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent or ".")
        os.close(fd)
        self.tmp = Path(tmp)

    def _finish(self, ok: bool) -> None:
        if ok:
            publish(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


class CsvWriter(_AtomicWriter):
    """CSV with list and dict fields as JSON strings and formula-like cells escaped."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self._fh = open(self.tmp, "w", encoding="utf-8", newline="")
        self._writer: csv.DictWriter | None = None

    EXTRA = "extra_fields"

    def write(self, record: dict[str, Any]) -> None:
        flat = {k: escape_formula(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                for k, v in record.items()}
        if self._writer is None:
            self._writer = csv.DictWriter(self._fh, fieldnames=[*flat, self.EXTRA])
            self._writer.writeheader()
        extra = {k: record[k] for k in flat if k not in self._writer.fieldnames}
        if extra:
            # Fields the first record did not have go to a JSON column rather than being lost.
            flat = {k: v for k, v in flat.items() if k in self._writer.fieldnames}
            flat[self.EXTRA] = escape_formula(json.dumps(extra, ensure_ascii=False, default=str))
        self._writer.writerow(flat)

    def flush(self) -> None:
        self._fh.flush()

    def close(self, *, ok: bool = True) -> None:
        self._fh.close()
        self._finish(ok)


def output_schema_fields():
    import pyarrow as pa

    entity = pa.struct([("text", pa.string()), ("label", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                        ("canonical", pa.string()), ("country", pa.string()), ("level", pa.string()),
                        ("code", pa.string()), ("kind", pa.string()), ("role", pa.string())])
    evidence = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("weight", pa.float64())])
    jurisdiction = pa.struct([("canonical", pa.string()), ("country", pa.string()), ("code", pa.string()),
                              ("stance", pa.string()), ("score", pa.float64()), ("evidence", pa.list_(evidence)),
                              ("measures", pa.list_(pa.string()))])
    return {
        "stance": pa.string(),
        "stance_scores": pa.map_(pa.string(), pa.float64()),
        "evidence": pa.list_(evidence),
        "entities": pa.list_(entity),
        "jurisdictions": pa.list_(jurisdiction),
        "measures": pa.list_(pa.string()),
        "error": pa.string(),
    }


class ParquetWriter(_AtomicWriter):
    """Parquet with nested columns for entities, evidence and scores, written in row groups."""

    def __init__(self, path: str | Path, *, rows_per_group: int = 2048) -> None:
        super().__init__(path)
        self.rows_per_group = rows_per_group
        self._rows: list[dict[str, Any]] = []
        self._writer = None
        self._schema = None

    def write(self, record: dict[str, Any]) -> None:
        self._rows.append(record)
        if len(self._rows) >= self.rows_per_group:
            self.flush()

    EXTRA = "extra_fields"

    def _infer_schema(self, rows: list[dict[str, Any]]):
        import pyarrow as pa

        fixed = output_schema_fields()
        keys: list[str] = []
        for r in rows:
            keys += [k for k in r if k not in fixed and k not in keys]
        fields = []
        for key in keys:
            kinds = {type(r[key]) for r in rows if r.get(key) is not None}
            # Mixed or nested input values become JSON text: nothing is lost, and one schema holds.
            if kinds and kinds <= {bool}:
                kind = pa.bool_()
            elif kinds and kinds <= {int}:
                kind = pa.int64()
            elif kinds and kinds <= {int, float}:
                kind = pa.float64()
            else:
                kind = pa.string()
            fields.append(pa.field(key, kind))
        fields.append(pa.field(self.EXTRA, pa.string()))
        return pa.schema(fields + [pa.field(k, t) for k, t in fixed.items()])

    def _conform(self, rec: dict[str, Any]) -> dict[str, Any]:
        import pyarrow as pa

        out: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in rec.items():
            if key == "stance_scores":
                out[key] = list(value.items()) if value else None
                continue
            field = self._schema.field(key) if key in self._schema.names else None
            if field is None:
                extra[key] = value
            elif pa.types.is_string(field.type) and value is not None and not isinstance(value, str):
                out[key] = json.dumps(value, ensure_ascii=False, default=str)
            elif value is not None and not _fits(field.type, value):
                # A later record breaks the column's type: keep its value beside the row, not in place.
                out[key] = None
                extra[key] = value
            else:
                out[key] = value
        if extra:
            out[self.EXTRA] = json.dumps(extra, ensure_ascii=False, default=str)
        return out

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        if self._schema is None:
            self._schema = self._infer_schema(self._rows)
            self._writer = pq.ParquetWriter(self.tmp, self._schema)
        try:
            table = pa.Table.from_pylist([self._conform(r) for r in self._rows], schema=self._schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise InputError(f"a field changes type between row groups and cannot share one Parquet schema ({exc}); "
                             f"write JSON Lines instead") from exc
        self._writer.write_table(table)
        self._rows = []

    def close(self, *, ok: bool = True) -> None:
        if ok:
            self.flush()
        if self._writer is not None:
            self._writer.close()
        elif ok:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({k: pa.array([], type=t) for k, t in output_schema_fields().items()}), self.tmp)
        self._finish(ok)


def _fits(kind, value: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_boolean(kind):
        return isinstance(value, bool)
    if pa.types.is_integer(kind):
        return isinstance(value, int) and not isinstance(value, bool)
    if pa.types.is_floating(kind):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def open_writer(path: str | Path, fmt: str, *, append: bool = False):
    """A writer for ``fmt`` at ``path``; only JSON Lines can append (resume)."""
    if fmt == "jsonl":
        return JsonlWriter(path, append=append)
    if append:
        raise InputError("--resume works with JSON Lines output only; CSV and Parquet are written whole or not at all")
    if fmt == "csv":
        return CsvWriter(path)
    if fmt == "parquet":
        return ParquetWriter(path)
    raise InputError(f"unknown format {fmt!r}")


def completed_prefix(path: str | Path) -> int:
    """How many complete records a JSON Lines output already holds; a torn last line is cut off."""
    p = Path(path)
    if not p.is_file():
        return 0
    good_bytes = 0
    n = 0
    with p.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                json.loads(line)
            except ValueError:
                break
            good_bytes += len(line)
            n += 1
    if good_bytes != p.stat().st_size:
        with p.open("r+b") as fh:
            fh.truncate(good_bytes)
    return n
