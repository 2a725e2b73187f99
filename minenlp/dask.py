"""Tag on a Dask cluster when one machine is not enough (``pip install "minenlp[dask]"``).

Work goes in whole partitions; each worker loads the pipeline once (a module-level cache keyed
by model and base) and reads its own partitions from the files, so neither texts nor the
pipeline travel inside the task graph.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd

from .batch import OUTPUT_FIELDS, TagSummary, tag_items
from .errors import InputError
from .streams import Item, detect_format, open_writer

logger = logging.getLogger("minenlp")

_PIPELINES: dict[tuple[str | None, str | None], Any] = {}
# Enough partitions per worker that none waits long for the last one to finish.
PARTITIONS_PER_WORKER = 8


def _require_dask():
    try:
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise InputError('Dask is not installed; install it with: pip install "minenlp[dask]"') from exc
    return dd, Client, LocalCluster


def _worker_pipeline(model: str | None, base: str | None):
    key = (model, base)
    if key not in _PIPELINES:
        from .pipeline import load

        _PIPELINES[key] = load(model, base=base)
    return _PIPELINES[key]


def _tag_partition(part: pd.DataFrame, text: str, title: str | None, model: str | None, base: str | None,
                   batch_size: int, id_col: str | None, where: str, offsets: tuple[int, ...] | None,
                   partition_info: dict | None = None) -> pd.DataFrame:
    nlp = _worker_pipeline(model, base)
    records = part.to_dict(orient="records")
    number = partition_info["number"] if partition_info else 0
    if offsets is not None:
        # Rows named as a single process names them: by their place in the whole input.
        names = [f"{where} {offsets[number] + i + 1}" for i in range(len(records))]
    else:
        names = [f"partition {number} row {i + 1}" for i in range(len(records))]
    items = (Item(name, {k: (None if _isna(v) else v) for k, v in rec.items()}) for name, rec in zip(names, records))
    out = [{k: res[k] for k in OUTPUT_FIELDS}
           for res in tag_items(items, nlp, text_col=text, title_col=title, id_col=id_col, batch_size=batch_size)]
    added = pd.DataFrame(out, index=part.index, columns=list(OUTPUT_FIELDS), dtype=object)
    return pd.concat([part.drop(columns=[c for c in OUTPUT_FIELDS if c in part.columns]), added], axis=1)


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v)) if not isinstance(v, (list, dict, tuple)) else False
    except (TypeError, ValueError):
        return False


def tag(ddf, *, text: str = "text", title: str | None = None, model: str | None = None, base: str | None = "auto",
        batch_size: int = 16, id_col: str | None = "id", where: str = "row", offsets: tuple[int, ...] | None = None):
    """Tag a dask DataFrame lazily; returns a dask DataFrame with the added columns.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    text, title : str
        Column names of the text and an optional title joined before it.
    model, base : str, optional
        As for :func:`minenlp.load`; every worker loads that pipeline once.
    id_col : str, optional
        Column whose value error messages name.
    where, offsets : str, tuple of int, optional
        How error messages name a row: ``"{where} N"`` with N counted over the whole frame when
        the partitions' starting offsets are given, else per partition.

    Examples
    --------
    >>> import dask.dataframe as dd, minenlp.dask
    >>> ddf = dd.read_parquet("articles.parquet")  # doctest: +SKIP
    >>> tagged = minenlp.dask.tag(ddf).compute()  # doctest: +SKIP
    """
    _require_dask()
    if text not in ddf.columns:
        raise InputError(f"the dask DataFrame has no column {text!r}")
    meta = ddf._meta.drop(columns=[c for c in OUTPUT_FIELDS if c in ddf.columns]).copy()
    for col in OUTPUT_FIELDS:
        meta[col] = pd.Series(dtype=object)
    return ddf.map_partitions(_tag_partition, text, title, model, base, batch_size, id_col, where, offsets, meta=meta)


def read_dask(path: str | Path, fmt: str, *, blocksize: int | str | None = None, workers: int = 2):
    """A dask DataFrame over a file, partitioned so that workers read their own parts.

    Tagging costs far more per byte than reading, so what matters is that every worker stays busy
    to the end: without ``blocksize``, text files are cut into about eight partitions per worker
    (64 KB to 64 MB each), and a Parquet file with fewer row groups than that is split further.
    """
    dd, _, _ = _require_dask()
    wanted = PARTITIONS_PER_WORKER * max(1, workers)
    if blocksize is None:
        size = Path(path).stat().st_size
        blocksize = min(64 << 20, max(64 << 10, size // wanted + 1))
    if fmt == "parquet":
        ddf = dd.read_parquet(str(path), split_row_groups=True)
        # One big row group would be one task on one worker: split it (rows then travel once).
        return ddf.repartition(npartitions=wanted) if ddf.npartitions < wanted else ddf
    if fmt == "csv":
        return dd.read_csv(str(path), blocksize=blocksize, dtype=str, keep_default_na=False)
    if fmt == "jsonl":
        return dd.read_json(str(path), lines=True, blocksize=blocksize, dtype=False)
    raise InputError(f"unknown format {fmt!r}")


def client_for(scheduler: str):
    """A Dask client: ``local`` starts a LocalCluster on this machine, else connect to an address."""
    _, Client, LocalCluster = _require_dask()
    if scheduler == "local":
        cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
        return Client(cluster), cluster
    return Client(scheduler), None


def tag_file_distributed(input_path: str | Path, output_path: str | Path, *, scheduler: str, model: str | None = None,
                         base: str | None = "auto", text_col: str = "text", title_col: str | None = None,
                         id_col: str | None = "id", input_format: str | None = None,
                         output_format: str | None = None, batch_size: int = 16) -> TagSummary:
    """Tag a file on a Dask cluster and write the output in input order (as :func:`tag_file`)."""
    in_fmt = detect_format(input_path, input_format)
    out_fmt = detect_format(output_path, output_format)
    if str(input_path) == "-":
        raise InputError("--scheduler needs an input file that the workers can read, not stdin")
    if not Path(input_path).is_file():
        raise InputError(f"input file {input_path} does not exist")
    if str(output_path) != "-" and Path(input_path).resolve() == Path(output_path).resolve():
        raise InputError(f"the output {output_path} is the input file; choose another output path")
    model = str(Path(model).resolve()) if model else None
    client, cluster = client_for(scheduler)
    summary = TagSummary()
    t0 = time.perf_counter()
    writer = open_writer(output_path, out_fmt)
    ok = False
    try:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        source = read_dask(input_path, in_fmt, workers=workers)
        # Partition lengths (a read without tagging) let error messages name rows as tag_file does.
        lengths = source.map_partitions(len).compute()
        offsets = tuple(int(x) for x in pd.Series(list(lengths)).cumsum().shift(fill_value=0))
        where = f"{Path(input_path).name} {'line' if in_fmt == 'jsonl' else 'row'}"
        ddf = tag(source, text=text_col, title=title_col, model=model, base=base, batch_size=batch_size,
                  id_col=id_col, where=where, offsets=offsets)
        futures = client.compute(ddf.to_delayed())
        for fut in futures:
            part = fut.result()
            for rec in part.to_dict(orient="records"):
                rec = {k: (None if k not in OUTPUT_FIELDS and _isna(v) else v) for k, v in rec.items()}
                writer.write(rec)
                summary.records += 1
                if rec["error"] is not None:
                    summary.errors += 1
                elif isinstance(rec.get(text_col), str):
                    summary.words += len(rec[text_col].split())
            del part
        ok = True
    finally:
        writer.close(ok=ok)
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = time.perf_counter() - t0
    return summary
