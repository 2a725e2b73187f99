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


def _load(args: argparse.Namespace):
    from .pipeline import load

    base = None if args.base in ("none", "None", "") else args.base
    return load(args.model, base=base)


def cmd_tag(args: argparse.Namespace) -> int:
    from .batch import tag_file

    summary = tag_file(args.input, args.output, nlp=_load(args), text_col=args.text_col,
                       title_col=args.title_col, batch_size=args.batch_size)
    if not args.quiet:
        print(f"tagged {summary}", file=sys.stderr)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from . import analyze

    text = sys.stdin.read() if args.file == "-" else _read_text(args.file)
    result = analyze(text, nlp=_load(args))
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minenlp", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", default=None, help="a saved minenlp pipeline folder")
        p.add_argument("--base", default="auto",
                       help="spaCy base pipeline: auto (default), a name or path, or none for gazetteer only")

    p = sub.add_parser("tag", help="tag a JSON Lines file of articles")
    p.add_argument("input", help="JSON Lines input, or - for stdin")
    p.add_argument("-o", "--output", required=True, help="JSON Lines output, or - for stdout")
    p.add_argument("--text-col", default="text")
    p.add_argument("--id-col", default="id", help="field that identifies a record (kept as is)")
    p.add_argument("--title-col", default=None, help="field joined before the text")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("-q", "--quiet", action="store_true")
    model_opts(p)
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("analyze", help="a readable summary of one article")
    p.add_argument("file", help="a text file, or - for stdin")
    p.add_argument("--json", action="store_true", help="print the JSON result instead")
    model_opts(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("info", help="versions, base pipeline, data and model paths")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("evaluate-entities", help="entity precision, recall, F1 and person-kind accuracy")
    p.add_argument("file", help="a labelled JSON Lines corpus, e.g. data/corpus/dev.jsonl")
    p.add_argument("--json", action="store_true")
    model_opts(p)
    p.set_defaults(func=cmd_evaluate_entities)

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
    if args.command == "tag" and args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    try:
        return args.func(args)
    except MinenlpError as exc:
        print(f"minenlp: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
