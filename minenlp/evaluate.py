"""Scores: entity precision, recall and F1 per label, and person-kind accuracy."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from spacy.language import Language

from .types import ENTITY_LABELS, PERSON


def score_entities(gold: Iterable[list[dict[str, Any]]], pred: Iterable[list[dict[str, Any]]]) -> dict[str, Any]:
    """Exact-span scores per label and person-kind accuracy over correctly found persons.

    Parameters
    ----------
    gold, pred : iterables of entity lists
        One list per document, each entity a dict with ``start``, ``end``, ``label`` (and
        ``kind`` for persons), in the same document order.

    Returns
    -------
    dict
        ``{"labels": {label: {"precision", "recall", "f1", "support"}}, "kind_accuracy", "kind_n"}``

    Examples
    --------
    >>> g = [[{"start": 0, "end": 5, "label": "REGION"}]]
    >>> score_entities(g, g)["labels"]["REGION"]["f1"]
    1.0
    """
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    kind_right = kind_n = 0
    for g_ents, p_ents in zip(gold, pred, strict=True):
        g_map = {(e["start"], e["end"], e["label"]): e for e in g_ents}
        p_map = {(e["start"], e["end"], e["label"]): e for e in p_ents}
        for key, ge in g_map.items():
            if key in p_map:
                tp[key[2]] += 1
                if key[2] == PERSON:
                    kind_n += 1
                    kind_right += int(p_map[key].get("kind") == ge.get("kind"))
            else:
                fn[key[2]] += 1
        for key in p_map:
            if key not in g_map:
                fp[key[2]] += 1
    labels = {}
    for label in ENTITY_LABELS:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        labels[label] = {"precision": p, "recall": r, "f1": f, "support": tp[label] + fn[label]}
    return {"labels": labels, "kind_accuracy": kind_right / kind_n if kind_n else 0.0, "kind_n": kind_n}


def evaluate_entities(records: list[dict[str, Any]], nlp: Language, *, batch_size: int = 16) -> dict[str, Any]:
    """Run ``nlp`` over labelled records and score its entities against theirs.

    Examples
    --------
    >>> import minenlp
    >>> from minenlp.corpus import read_jsonl
    >>> evaluate_entities(read_jsonl("data/corpus/dev.jsonl"), minenlp.load())  # doctest: +SKIP
    """
    from .entities import span_to_entity

    preds = []
    for doc in nlp.pipe((r["text"] for r in records), batch_size=batch_size):
        preds.append([span_to_entity(s).to_dict() for s in doc.ents])
    return score_entities((r["entities"] for r in records), preds)


def format_entity_scores(scores: dict[str, Any]) -> str:
    """A plain-text table of :func:`score_entities` output."""
    lines = [f"{'label':<8} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label, s in scores["labels"].items():
        lines.append(f"{label:<8} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['support']:>8d}")
    lines.append(f"person kind accuracy: {scores['kind_accuracy']:.3f} (over {scores['kind_n']} persons found)")
    return "\n".join(lines)
