"""The ``minenlp`` command: thin wrappers, each checking its arguments and calling one function."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

from .errors import MinenlpError

logger = logging.getLogger("minenlp")


def _base(args: argparse.Namespace) -> str | None:
    return None if args.base in ("none", "None", "") else args.base


def _load(args: argparse.Namespace):
    from .pipeline import load

    return load(args.model, base=_base(args))


def cmd_tag(args: argparse.Namespace) -> int:
    from .batch import tag_file

    if args.scheduler:
        from .dask import tag_file_distributed

        summary = tag_file_distributed(args.input, args.output, scheduler=args.scheduler, model=args.model,
                                       base=_base(args), text_col=args.text_col, title_col=args.title_col,
                                       id_col=args.id_col, input_format=args.format, output_format=args.output_format,
                                       batch_size=args.batch_size)
    else:
        summary = tag_file(args.input, args.output, nlp=_load(args), text_col=args.text_col,
                           title_col=args.title_col, id_col=args.id_col, input_format=args.format,
                           output_format=args.output_format, batch_size=args.batch_size,
                           n_process=args.n_process, resume=args.resume, quiet=args.quiet)
    if not args.quiet:
        print(f"tagged {summary}", file=sys.stderr)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from . import analyze

    text = sys.stdin.read() if args.file == "-" else _read_text(args.file)
    result = analyze(text, nlp=_load(args))
    if args.html:
        from .report import render_article

        title = args.title or ("article" if args.file == "-" else Path(args.file).stem)
        page = render_article({"title": title, "text": text, **result})
        if args.output:
            Path(args.output).write_text(page, encoding="utf-8")
        else:
            sys.stdout.write(page)
        return 0
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_analysis(result))
    return 0


def _read_text(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise MinenlpError(f"{path} does not exist or is not a file")
    return p.read_text(encoding="utf-8", errors="replace")


def format_analysis(result: dict) -> str:
    """A readable summary of :func:`minenlp.analyze` output."""
    lines = []
    if result.get("stance"):
        scores = ", ".join(f"{k} {v:.2f}" for k, v in sorted(result["stance_scores"].items(), key=lambda kv: -kv[1]))
        lines.append(f"Stance: {result['stance']} ({scores})")
        for ev in result.get("evidence", []):
            lines.append(f"  evidence ({ev['weight']:+.2f}): {ev['text'].strip()}")
    else:
        lines.append("Stance: (no stance model loaded)")
    for label, title in (("REGION", "Regions"), ("AGENCY", "Agencies"), ("PERSON", "People")):
        seen: dict[str, tuple[dict, int]] = {}
        for e in result["entities"]:
            if e["label"] != label:
                continue
            key = e["canonical"] or e["text"]
            first, n = seen.get(key, (e, 0))
            seen[key] = (first, n + 1)
        lines.append(f"{title} ({len(seen)}):")
        for key, (e, n) in seen.items():
            if label == "PERSON":
                extra = f"{e['kind']}" + (f", {e['role']}" if e["role"] else "")
            else:
                extra = ", ".join(x for x in (e["country"], e["level"], e["code"]) if x)
            times = f" x{n}" if n > 1 else ""
            lines.append(f"  {key}{times}" + (f"  [{extra}]" if extra else ""))
    return "\n".join(lines)


def cmd_train_jurisdictions(args: argparse.Namespace) -> int:
    from .artifacts import save_model_dir
    from .corpus import iter_texts, validate_file
    from .jurisdictions import evaluate_jurisdictions, format_jurisdiction_scores, jurisdictions_card, train_jurisdictions
    from .training import data_hash

    records = validate_file(args.file)
    nlp = _load(args)
    model = train_jurisdictions(records, nlp)
    meta = {"labels": ["restrictive", "supportive", "neutral"], "measures": [str(c) for c in model.measures.classes_],
            "acts_threshold": model.acts_threshold, "measures_threshold": model.measures.threshold,
            "training_data": {"source": str(args.file), "examples": len(records),
                              "sha256": data_hash(list(iter_texts(records)),
                                                  [json.dumps(r.get("jurisdiction_stances"), sort_keys=True) for r in records])},
            "metrics": {}}
    if args.dev:
        dev = evaluate_jurisdictions(model, validate_file(args.dev), nlp)
        meta["metrics"]["dev"] = dev
        meta["dev_source"] = str(args.dev)
        print(format_jurisdiction_scores(dev))
    out = Path(args.output)
    save_model_dir(model, out, meta=meta, card=jurisdictions_card(out.name, meta))
    print(f"saved {out}")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    from .timeline import timeline

    summary = timeline(args.tagged, args.output, by=args.by, freq=args.freq)
    print(f"timeline: {summary}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    if args.max_articles < 0:
        raise MinenlpError("--max-articles must be 0 or more")
    summary = build_report(args.tagged, args.output, max_articles=args.max_articles, title=args.title)
    print(f"report: {summary}", file=sys.stderr)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import sklearn
    import spacy

    from .about import __version__
    from .pipeline import resolve_base
    from .resources import gazetteer_dir, models_dir

    try:
        base = resolve_base("auto")
    except MinenlpError as exc:
        base = f"(none: {exc})"
    print(f"minenlp {__version__}")
    print(f"python {sys.version.split()[0]}, spaCy {spacy.__version__}, scikit-learn {sklearn.__version__}")
    print(f"base pipeline: {base}")
    print(f"gazetteer: {gazetteer_dir()}")
    models = models_dir()
    found = sorted(p.name for p in models.iterdir() if p.is_dir()) if models.is_dir() else []
    print(f"models: {models} ({', '.join(found) if found else 'none'})")
    return 0


def cmd_evaluate_entities(args: argparse.Namespace) -> int:
    from .corpus import validate_file
    from .evaluate import evaluate_entities, format_entity_scores

    records = validate_file(args.file)
    scores = evaluate_entities(records, _load(args))
    print(json.dumps(scores, indent=2) if args.json else format_entity_scores(scores))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .corpus import validate_file
    from .quality import corpus_report, format_report

    records = validate_file(args.file)
    others = [validate_file(p) for p in args.against]
    print(format_report(corpus_report(records, against=[r for rs in others for r in rs])))
    return 0


def _stance_model(path: str | None):
    """The stance estimator from a model folder, a saved pipeline folder, or the shipped default."""
    from .artifacts import default_stance_dir, load_model_dir

    if path is None:
        found = default_stance_dir()
        if found is None:
            raise MinenlpError("no stance model is installed; pass --model DIR (train one with `minenlp train`)")
        return load_model_dir(found).model
    p = Path(path)
    if (p / "config.cfg").is_file() and (p / "minenlp_stance" / "meta.json").is_file():
        p = p / "minenlp_stance"
    return load_model_dir(p).model


def cmd_train(args: argparse.Namespace) -> int:
    from .training import (compare_models, evaluate_stance, labelled_texts, read_table, save_trained,
                           stance_card, train_stance)

    out = Path(args.output)
    if out.exists() and any(out.iterdir()) and not (out / "meta.json").is_file():
        raise MinenlpError(f"{out} exists and is not a model folder; choose an empty or new folder")
    df = read_table(args.file, fmt=args.format)
    texts, labels = labelled_texts(df, text_col=args.text_col, label_col=args.label_col, title_col=args.title_col,
                                   source=str(args.file))
    source = str(args.file)
    if args.with_base_corpus:
        from .corpus import read_jsonl
        from .training import base_corpus_path

        base = base_corpus_path()
        if not base.is_file():
            raise MinenlpError("--with-base-corpus needs the minenlp training corpus (data/corpus/train.jsonl in a source checkout)")
        extra = set(labels) - {"restrictive", "supportive", "neutral"}
        if extra:
            raise MinenlpError(f"--with-base-corpus adds articles labelled restrictive/supportive/neutral, but your labels "
                               f"include {sorted(extra)}; train without it or map your labels to those three")
        recs = read_jsonl(base)
        bt, bl = labelled_texts(pd_frame(recs), source=str(base))
        texts, labels = texts + bt, labels + bl
        source = f"{args.file} + {base.name}"
    result = train_stance(texts, labels, folds=args.folds)
    cv = result.cv
    print(f"{result.n_examples} examples, labels: {', '.join(map(str, result.model.classes_))}")
    print(f"{len(cv['fold_macro_f1'])}-fold cross-validated macro-F1 {cv['macro_f1']:.3f} "
          f"(folds {', '.join(f'{f:.3f}' for f in cv['fold_macro_f1'])})")
    for lab, s in cv["per_label"].items():
        print(f"  {lab:<14} precision {s['precision']:.3f} recall {s['recall']:.3f} f1 {s['f1']:.3f} n {s['support']}")
    extra_meta: dict = {"temperature": result.model.temperature_}
    if args.dev:
        ddf = read_table(args.dev)
        dtexts, dlabels = labelled_texts(ddf, text_col=args.text_col, label_col=args.label_col, title_col=args.title_col,
                                         source=str(args.dev))
        out.mkdir(parents=True, exist_ok=True)
        dev = evaluate_stance(result.model, dtexts, dlabels, plot=out / "reliability.png")
        dev["reliability_diagram"] = "reliability.png"
        extra_meta["metrics"] = {"dev": dev}
        extra_meta["dev_source"] = str(args.dev)
        print(f"dev: macro-F1 {dev['macro_f1']:.3f}, ECE {dev['ece']:.3f} over {dev['n']} articles")
        if args.compare_baselines:
            extra_meta["baselines"] = compare_models(texts, labels, dtexts, dlabels, folds=args.folds)
            for row in extra_meta["baselines"]:
                print(f"  {row['model']:<52} cv {row['cv_macro_f1']:.3f}  dev {row.get('dev_macro_f1', float('nan')):.3f}")
    elif args.compare_baselines:
        extra_meta["baselines"] = compare_models(texts, labels, folds=args.folds)
    meta_card = None
    if args.dev:
        full_meta = {"labels": [str(c) for c in result.model.classes_], "params": result.model.get_params(),
                     "training_data": {"source": source, "sha256": result.data_sha256, "examples": result.n_examples},
                     "metrics": {"cross_validation": cv, **extra_meta.get("metrics", {})},
                     **{k: v for k, v in extra_meta.items() if k != "metrics"}}
        meta_card = stance_card(out.name, full_meta)
    save_trained(result, out, source=source, extra_meta=extra_meta, card=meta_card)
    print(f"saved {out}")
    return 0


def pd_frame(records):
    import pandas as pd

    return pd.DataFrame.from_records(records)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .training import evaluate_stance, format_scores, labelled_texts, read_table

    model = _stance_model(args.model)
    df = read_table(args.file, fmt=args.format)
    texts, labels = labelled_texts(df, text_col=args.text_col, label_col=args.label_col, title_col=args.title_col,
                                   source=str(args.file))
    scores = evaluate_stance(model, texts, labels, plot=args.plot)
    if "jurisdiction_stances" in df.columns and not args.no_jurisdictions:
        from .artifacts import DEFAULT_JURISDICTIONS, default_model_dir, load_model_dir
        from .jurisdictions import evaluate_jurisdictions

        jdir = Path(args.jurisdictions_model) if args.jurisdictions_model else default_model_dir(DEFAULT_JURISDICTIONS)
        if jdir is not None:
            records = df.to_dict(orient="records")
            scores["jurisdictions"] = evaluate_jurisdictions(load_model_dir(jdir).model, records, _load(args))
    if args.json:
        print(json.dumps(scores, indent=2))
    else:
        print(format_scores(scores))
        if "jurisdictions" in scores:
            from .jurisdictions import format_jurisdiction_scores

            print("\njurisdictions\n" + format_jurisdiction_scores(scores["jurisdictions"]))
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from .training import read_table, suggest

    if args.n < 1:
        raise MinenlpError("-n must be at least 1")
    model = _stance_model(args.model)
    df = read_table(args.corpus, fmt=args.format)
    if args.text_col not in df.columns:
        raise MinenlpError(f"{args.corpus} has no column {args.text_col!r}")
    keep = [i for i, t in enumerate(df[args.text_col]) if isinstance(t, str) and t.strip()]
    texts = [df[args.text_col].iloc[i] for i in keep]
    ids = df[args.id_col].tolist() if args.id_col in df.columns else list(range(len(df)))
    for i, margin, label, probs in suggest(model, texts, n=args.n):
        row = keep[i]
        scores = " ".join(f"{k} {v:.2f}" for k, v in probs.items())
        title = str(df["title"].iloc[row])[:70] if "title" in df.columns else texts[i][:70].replace("\n", " ")
        print(f"{ids[row]}\tmargin {margin:.3f}\t{label}\t{scores}\t{title}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minenlp",
        description="Regions, agencies, people and the regulatory stance toward crypto mining in news articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", default=None, help="a saved minenlp pipeline folder")
        p.add_argument("--base", default="auto",
                       help="spaCy base pipeline: auto (default), a name or path, or none for gazetteer only")

    p = sub.add_parser("tag", help="tag a file of articles (JSON Lines, CSV, Parquet)")
    p.add_argument("input", help="input file (.jsonl, .csv, .parquet), or - for stdin")
    p.add_argument("-o", "--output", required=True, help="output file (.jsonl, .csv, .parquet), or - for stdout")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default=None, help="input format (default: extension)")
    p.add_argument("--output-format", choices=["jsonl", "csv", "parquet"], default=None, help="default: extension")
    p.add_argument("--text-col", default="text")
    p.add_argument("--id-col", default="id", help="field that identifies a record in error messages")
    p.add_argument("--title-col", default=None, help="field joined before the text")
    p.add_argument("--batch-size", type=int, default=16, help="docs per nlp.pipe batch (memory grows with it)")
    p.add_argument("--n-process", type=int, default=1, help="worker processes on this machine")
    p.add_argument("--resume", action="store_true", help="continue an interrupted JSON Lines output")
    p.add_argument("--scheduler", default=None, help="'local' for a Dask LocalCluster, or tcp://HOST:PORT")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    model_opts(p)
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("analyze", help="a readable summary of one article")
    p.add_argument("file", help="a text file, or - for stdin")
    p.add_argument("--json", action="store_true", help="print the JSON result instead")
    p.add_argument("--html", action="store_true", help="write the highlighted article as HTML")
    p.add_argument("-o", "--output", default=None, help="with --html: the HTML file (default: stdout)")
    p.add_argument("--title", default=None, help="with --html: the page title (default: the file name)")
    model_opts(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("report", help="one self-contained HTML report of a tagged file")
    p.add_argument("tagged", help="output of `minenlp tag` (.jsonl, .csv, .parquet)")
    p.add_argument("-o", "--output", required=True, help="the HTML file to write")
    p.add_argument("--max-articles", type=int, default=2000, help="articles in the list; the rest are only counted")
    p.add_argument("--title", default="minenlp report", help="page title")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("info", help="versions, base pipeline, data and model paths")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("evaluate-entities", help="entity precision, recall, F1 and person-kind accuracy")
    p.add_argument("file", help="a labelled JSON Lines corpus, e.g. data/corpus/dev.jsonl")
    p.add_argument("--json", action="store_true")
    model_opts(p)
    p.set_defaults(func=cmd_evaluate_entities)

    def data_opts(p: argparse.ArgumentParser, label: bool = True) -> None:
        p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default=None, help="default: from the extension")
        p.add_argument("--text-col", default="text")
        p.add_argument("--title-col", default="title", help="joined before the text when present")
        if label:
            p.add_argument("--label-col", default="stance")

    p = sub.add_parser("train", help="train a stance model on labelled articles (any label set)")
    p.add_argument("file", help="JSON Lines, CSV or Parquet with a text and a label column")
    p.add_argument("-o", "--output", required=True, help="model folder to write")
    p.add_argument("--with-base-corpus", action="store_true", help="add minenlp's own training corpus")
    p.add_argument("--dev", default=None, help="held-out labelled file: scores, calibration and a model card")
    p.add_argument("--compare-baselines", action="store_true", help="score the baseline models too (slower)")
    p.add_argument("--folds", type=int, default=5)
    data_opts(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="macro-F1, per-label scores, confusion matrix and calibration")
    p.add_argument("file")
    p.add_argument("--model", default=None, help="model folder (default: the shipped stance model)")
    p.add_argument("--jurisdictions-model", default=None, help="default: the shipped jurisdictions model")
    p.add_argument("--no-jurisdictions", action="store_true", help="skip the per-jurisdiction scores")
    p.add_argument("--base", default="auto", help="spaCy base pipeline for the entities the jurisdiction scores need")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", default=None, help="write a reliability diagram PNG here")
    data_opts(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("train-jurisdictions", help="train the per-jurisdiction stance and measures model")
    p.add_argument("file", help="a labelled corpus (JSON Lines, the schema of data/corpus)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--dev", default=None, help="held-out labelled corpus to score and describe in the card")
    model_opts(p)
    p.set_defaults(func=cmd_train_jurisdictions)

    p = sub.add_parser("timeline", help="stance and measures per jurisdiction and period, as CSV")
    p.add_argument("tagged", help="output of `minenlp tag` (.jsonl, .csv, .parquet)")
    p.add_argument("-o", "--output", required=True, help="CSV file to write")
    p.add_argument("--by", choices=["jurisdiction", "country"], default="jurisdiction")
    p.add_argument("--freq", choices=["month", "quarter", "year"], default="month")
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("suggest", help="the articles the model is least sure of, to label next")
    p.add_argument("corpus")
    p.add_argument("-n", type=int, default=50)
    p.add_argument("--model", default=None)
    p.add_argument("--id-col", default="id")
    data_opts(p, label=False)
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("validate", help="check a labelled corpus and print its quality figures")
    p.add_argument("file")
    p.add_argument("--against", nargs="*", default=[], help="other corpora that must not overlap with it")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.command == "analyze" and args.output and not args.html:
        parser.error("-o goes with --html")
    if args.command == "tag" and (args.batch_size < 1 or args.n_process < 1):
        parser.error("--batch-size and --n-process must be at least 1")
    if args.command == "tag" and args.scheduler and (args.resume or args.n_process > 1):
        parser.error("--scheduler runs the job on Dask workers; --resume and --n-process do not apply to it")
    try:
        return args.func(args)
    except MinenlpError as exc:
        print(f"minenlp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is a normal way to stop a long run: say what is kept, not a traceback.
        kept = (" (a JSON Lines output holds every record finished so far; run the same command with "
                "--resume to continue it)") if args.command == "tag" else ""
        print(f"minenlp: interrupted{kept}", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
