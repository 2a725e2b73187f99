"""Throughput and memory of `minenlp tag`, measured in one run so that ratios compare like with like.

Prints, on the same texts:
  - words/s of stock en_core_web_sm's full pipeline (nlp.pipe) and of minenlp's tagging, and the ratio;
  - where minenlp's time goes, per component;
  - the speed-up of --n-process 2 over 1;
  - a Dask LocalCluster's throughput (2 workers, 1 thread each) over the same file;
  - peak RSS of `minenlp tag` runs over N articles (each in a fresh process).

Texts are the articles of data/corpus (train + dev), each given a unique reference line so that
long runs keep meeting new strings, as real corpora do. Each timing is the median of --repeats runs.

    python benchmarks/throughput.py                      # speed figures on 2,000 articles
    python benchmarks/throughput.py --rss 10000 100000   # plus peak RSS at 10k and 100k articles
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus_texts() -> list[str]:
    texts = []
    for name in ("train.jsonl", "dev.jsonl"):
        with (ROOT / "data" / "corpus" / name).open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    return texts


def make_texts(n: int, seed: int = 0) -> list[str]:
    base = corpus_texts()
    rng = random.Random(seed)
    return [f"{base[i % len(base)]}\n\nRef. {rng.getrandbits(48):012x}-{i} Bureau {rng.randint(1, 99999)}" for i in range(n)]


def write_jsonl(texts: list[str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def stock_pipeline():
    from minenlp.pipeline import resolve_base
    import importlib

    return importlib.import_module(resolve_base("auto")).load()


def component_times(nlp, texts: list[str]) -> dict[str, float]:
    """Seconds per component over the texts (docs made once, each component timed in turn)."""
    docs = [nlp.make_doc(t) for t in texts]
    out = {"tokenizer": median_time(lambda: [nlp.make_doc(t) for t in texts], 1)}
    for name, proc in nlp.pipeline:
        t0 = time.perf_counter()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=16))
        else:
            docs = [proc(d) for d in docs]
        out[name] = time.perf_counter() - t0
    return out


def peak_rss_mb(path: Path, out: Path, extra: list[str]) -> tuple[float, float]:
    """Peak RSS (MB) and seconds of one `minenlp tag` run in a fresh process."""
    code = ("import resource, runpy, sys, time; t=time.perf_counter(); sys.argv=['minenlp'] + sys.argv[1:];"
            "from minenlp.cli import main; rc=main(sys.argv[1:]);"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, time.perf_counter()-t); sys.exit(rc)")
    res = subprocess.run([sys.executable, "-c", code, "tag", str(path), "-o", str(out), "-q", *extra],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    rss, secs = res.stdout.split()[-2:]
    return float(rss), float(secs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--rss", type=int, nargs="*", default=[], help="article counts for the peak-RSS runs")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--rss-only", action="store_true", help="only the peak-RSS runs")
    ap.add_argument("--no-parallel", action="store_true", help="skip --n-process 2 and Dask (e.g. when a core is busy)")
    args = ap.parse_args()
    if args.rss_only:
        return rss_runs(args.rss)

    import minenlp
    from minenlp.batch import Item, tag_items

    texts = make_texts(args.docs)
    n_words = words(texts)
    print(f"{args.docs} articles, {n_words:,} words; {os.cpu_count()} cores; median of {args.repeats} runs\n")

    stock = stock_pipeline()
    nlp = minenlp.load()
    print(f"stock pipeline: {stock.pipe_names}")
    print(f"minenlp pipeline: {nlp.pipe_names}\n")

    def run_stock():
        for _ in stock.pipe(texts, batch_size=args.batch_size):
            pass

    def run_minenlp(n_process=1):
        items = (Item(str(i), {"text": t}) for i, t in enumerate(texts))
        for _ in tag_items(items, nlp, batch_size=args.batch_size, n_process=n_process):
            pass

    # Runs are interleaved (stock, one, two, stock, ...) so that a noisy spell on the machine
    # falls on all of them alike rather than on one figure.
    runs = {"stock": run_stock, "one": run_minenlp}
    if not args.no_parallel:
        runs["two"] = lambda: run_minenlp(2)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            times[name].append(median_time(fn, 1))
    t_stock, t_one = statistics.median(times["stock"]), statistics.median(times["one"])
    t_two = statistics.median(times["two"]) if "two" in times else None
    print(f"{'stock en_core_web_sm, full pipeline':<44} {n_words / t_stock:>10,.0f} words/s")
    print(f"{'minenlp tag, 1 process':<44} {n_words / t_one:>10,.0f} words/s   ratio to stock {t_stock / t_one:.2f}")
    if t_two is not None:
        print(f"{'minenlp tag, --n-process 2':<44} {n_words / t_two:>10,.0f} words/s   speed-up over 1 process {t_one / t_two:.2f}x")

    if not args.no_dask and not args.no_parallel:
        try:
            dask_runs(texts, n_words, t_one, args)
        except ImportError:
            print("Dask not installed: pip install 'minenlp[dask]'")

    print("\nwhere minenlp's time goes (seconds over the same articles, one pass):")
    times = component_times(nlp, texts)
    total = sum(times.values())
    for name, secs in times.items():
        print(f"  {name:<22} {secs:>7.2f} s  {secs / total:>6.1%}")
    print("stock pipeline, same measure:")
    times = component_times(stock, texts)
    total = sum(times.values())
    for name, secs in times.items():
        print(f"  {name:<22} {secs:>7.2f} s  {secs / total:>6.1%}")

    if args.rss:
        rss_runs(args.rss)


def dask_runs(texts: list[str], n_words: int, t_one: float, args) -> None:
    """Dask LocalCluster throughput: started for each run (cold), and already running (warm)."""
    from minenlp.dask import client_for, tag_file_distributed

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        write_jsonl(texts, src)

        def run(scheduler: str, r: int) -> None:
            # A fresh output name each run: Dask must not answer from a cached identical job.
            tag_file_distributed(src, Path(tmp) / f"out{r}.jsonl", scheduler=scheduler, batch_size=args.batch_size)

        runs = iter(range(10**6))
        t_cold = median_time(lambda: run("local", next(runs)), args.repeats)
        print(f"{'Dask LocalCluster (2 workers), incl. start-up':<44} {n_words / t_cold:>10,.0f} words/s   vs 1 process {t_one / t_cold:.2f}x")
        client, cluster = client_for("local")
        try:
            address = cluster.scheduler_address
            run(address, -1)  # each worker loads the pipeline once, as on a long-lived cluster
            t_warm = median_time(lambda: run(address, next(runs)), args.repeats)
        finally:
            client.close()
            cluster.close()
        print(f"{'Dask LocalCluster (2 workers), running':<44} {n_words / t_warm:>10,.0f} words/s   vs 1 process {t_one / t_warm:.2f}x")


def rss_runs(sizes: list[int]) -> None:
    print("\npeak RSS of `minenlp tag` (fresh process each, batch size 16):", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            src = Path(tmp) / f"in{n}.jsonl"
            write_jsonl(make_texts(n, seed=n), src)
            rss, secs = peak_rss_mb(src, Path(tmp) / f"out{n}.jsonl", [])
            results.append((n, rss))
            print(f"  {n:>8,} articles: peak RSS {rss:,.0f} MB in {secs:,.0f} s", flush=True)
            src.unlink()
    if len(results) >= 2:
        print(f"  growth from {results[0][0]:,} to {results[-1][0]:,} articles: {results[-1][1] - results[0][1]:+,.0f} MB")


if __name__ == "__main__":
    main()
