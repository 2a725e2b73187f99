"""Quality figures for a labelled corpus: coverage counts, near-duplicates and giveaway words."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np

from .corpus import iter_texts

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+")


def _masked_words(rec: dict[str, Any]) -> list[str]:
    """Lower-cased words with entity names replaced, so shared names do not count as copying."""
    text = rec["text"]
    pieces, pos = [], 0
    for e in sorted(rec.get("entities", []), key=lambda e: e["start"]):
        pieces.append(text[pos:e["start"]])
        pieces.append(" NAME ")
        pos = e["end"]
    pieces.append(text[pos:])
    return [w.lower() for w in _WORD.findall("".join(pieces)) if not w[:1].isdigit()]


def shared_run_share(records: list[dict[str, Any]], *, n: int = 10, against: list[dict[str, Any]] | None = None) -> tuple[float, list[tuple[str, str, str]]]:
    """Share of records that share an ``n``-word run (names masked) with another record.

    With ``against``, runs are compared only with those records (e.g. train against dev).
    Returns the share and up to 20 examples (id, other id, the run).
    """
    owners: dict[tuple[str, ...], set[str]] = {}
    pool = against if against is not None else records
    for rec in pool:
        words = _masked_words(rec)
        for i in range(len(words) - n + 1):
            gram = tuple(words[i:i + n])
            # Runs that are mostly names ("the NAME, the NAME and the NAME") are lists, not prose.
            if gram.count("name") >= 3:
                continue
            owners.setdefault(gram, set()).add(rec["id"])
    hit: set[str] = set()
    examples: list[tuple[str, str, str]] = []
    for rec in records:
        words = _masked_words(rec)
        for i in range(len(words) - n + 1):
            gram = tuple(words[i:i + n])
            if gram.count("name") >= 3:
                continue
            others = owners.get(gram, set()) - {rec["id"]}
            if others:
                hit.add(rec["id"])
                if len(examples) < 20:
                    examples.append((rec["id"], sorted(others)[0], " ".join(gram)))
                break
    return (len(hit) / len(records) if records else 0.0), examples


def max_tfidf_cosine(records: list[dict[str, Any]], *, against: list[dict[str, Any]] | None = None) -> tuple[float, tuple[str, str]]:
    """The highest TF-IDF cosine between two different records (or between the two sets)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(iter_texts(records))
    other = list(iter_texts(against)) if against else []
    vec = TfidfVectorizer(sublinear_tf=True, min_df=1, stop_words="english").fit(texts + other)
    a = vec.transform(texts)
    b = vec.transform(other) if against else a
    sims = (a @ b.T).toarray()
    if against is None:
        np.fill_diagonal(sims, 0.0)
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    ids_b = [r["id"] for r in (against or records)]
    return float(sims[i, j]), (records[i]["id"], ids_b[j])


def predictive_words(records: list[dict[str, Any]], *, top: int = 20, label_key: str = "stance") -> dict[str, list[str]]:
    """Per label, the words a linear model leans on most to predict it (a check for artefacts)."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = list(iter_texts(records))
    y = [r[label_key] for r in records]
    vec = CountVectorizer(min_df=3, binary=True, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z'-]+\b")
    x = vec.fit_transform(texts)
    clf = LogisticRegression(max_iter=2000, C=0.5).fit(x, y)
    vocab = np.array(vec.get_feature_names_out())
    out = {}
    for k, label in enumerate(clf.classes_):
        coef = clf.coef_[k] if len(clf.classes_) > 2 else (clf.coef_[0] if k == 1 else -clf.coef_[0])
        out[label] = list(vocab[np.argsort(-coef)[:top]])
    return out


def corpus_report(records: list[dict[str, Any]], *, against: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Counts and quality figures for a labelled corpus (what the data card reports)."""
    stance = Counter(r["stance"] for r in records)
    genre = Counter(r["genre"] for r in records)
    year = Counter(str(r["published"])[:4] for r in records)
    juris: Counter = Counter()
    for r in records:
        juris.update(r["jurisdiction_stances"].keys())
    words = [len(r["text"].split()) for r in records]
    ents = Counter(e["label"] for r in records for e in r["entities"])
    share, examples = shared_run_share(records)
    cos, pair = max_tfidf_cosine(records) if len(records) > 1 else (0.0, ("", ""))
    report = {
        "articles": len(records),
        "stance": dict(stance.most_common()),
        "genre": dict(genre.most_common()),
        "year": dict(sorted(year.items())),
        "jurisdictions": len(juris),
        "jurisdiction_counts": dict(juris.most_common()),
        "hard_case_share": sum(bool(r.get("hard_case")) for r in records) / max(1, len(records)),
        "words": {"min": min(words, default=0), "median": float(np.median(words)) if words else 0.0, "max": max(words, default=0)},
        "entities": dict(ents),
        "shared_10_word_run_share": share,
        "shared_run_examples": examples[:5],
        "max_tfidf_cosine": cos,
        "max_tfidf_pair": pair,
    }
    if against:
        cross_share, cross_ex = shared_run_share(records, against=against)
        cross_cos, cross_pair = max_tfidf_cosine(records, against=against)
        report.update({"cross_shared_run_share": cross_share, "cross_shared_run_examples": cross_ex[:5],
                       "cross_max_tfidf_cosine": cross_cos, "cross_max_tfidf_pair": cross_pair})
    if len(stance) > 1 and len(records) >= 30:
        report["predictive_words"] = predictive_words(records)
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as readable text."""
    lines = [f"articles: {report['articles']}"]
    for key in ("stance", "genre", "year"):
        lines.append(f"{key}: " + ", ".join(f"{k} {v}" for k, v in report[key].items()))
    lines.append(f"jurisdictions with a stance: {report['jurisdictions']}")
    lines.append(f"hard cases: {report['hard_case_share']:.1%}")
    w = report["words"]
    lines.append(f"words per article: min {w['min']}, median {w['median']:.0f}, max {w['max']}")
    lines.append("entities: " + ", ".join(f"{k} {v}" for k, v in report["entities"].items()))
    lines.append(f"share of articles sharing a 10-word run (names masked) with another: {report['shared_10_word_run_share']:.1%}")
    for ex in report["shared_run_examples"]:
        lines.append(f"  {ex[0]} ~ {ex[1]}: {ex[2]!r}")
    lines.append(f"highest TF-IDF cosine between two articles: {report['max_tfidf_cosine']:.3f} {report['max_tfidf_pair']}")
    if "cross_max_tfidf_cosine" in report:
        lines.append(f"against the other corpus: 10-word-run share {report['cross_shared_run_share']:.1%}, "
                     f"highest cosine {report['cross_max_tfidf_cosine']:.3f} {report['cross_max_tfidf_pair']}")
    for label, words in report.get("predictive_words", {}).items():
        lines.append(f"most predictive of {label}: {', '.join(words)}")
    return "\n".join(lines)
