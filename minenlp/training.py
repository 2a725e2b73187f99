"""Train, evaluate and improve stance models: the library never imports this module to tag."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

from .artifacts import DEFAULT_STANCE, save_model_dir
from .errors import InputError
from .stance import StanceClassifier, TextInputMixin

logger = logging.getLogger("minenlp")

MIN_PER_CLASS = 5


# ---------------------------------------------------------------------------------------------
# Reading labelled files


def read_table(path: str | Path, *, fmt: str | None = None) -> pd.DataFrame:
    """Read JSON Lines, CSV or Parquet (by extension, or ``fmt``) into a DataFrame."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist")
    kind = (fmt or path.suffix.lstrip(".")).lower()
    try:
        if kind in ("jsonl", "json", "ndjson"):
            return pd.read_json(path, lines=True, dtype=False)
        if kind == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        if kind in ("parquet", "pq"):
            return pd.read_parquet(path)
    except ImportError as exc:
        raise InputError(f"reading {path} needs pyarrow: pip install 'minenlp[parquet]'") from exc
    except ValueError as exc:
        raise InputError(f"{path} could not be read as {kind}: {exc}") from exc
    raise InputError(f"{path}: unknown format {kind!r}; use .jsonl, .csv or .parquet (or --format)")


def labelled_texts(df: pd.DataFrame, *, text_col: str = "text", label_col: str = "stance",
                   title_col: str | None = "title", source: str = "input") -> tuple[list[str], list[str]]:
    """Texts (title joined before the text) and labels, checked for what training needs.

    Raises
    ------
    InputError
        A missing column, empty texts or labels, a single class, or a class with fewer than
        5 examples; the message names the rows or classes.
    """
    for col in (text_col, label_col):
        if col not in df.columns:
            raise InputError(f"{source} has no column {col!r} (columns: {', '.join(map(str, df.columns))})")
    texts, labels, bad = [], [], []
    for i, (text, label) in enumerate(zip(df[text_col], df[label_col])):
        if not isinstance(text, str) or not text.strip():
            bad.append(f"row {i + 1}: empty or missing {text_col!r}")
            continue
        if label is None or (isinstance(label, float) and np.isnan(label)) or str(label).strip() == "":
            bad.append(f"row {i + 1}: empty {label_col!r}")
            continue
        title = df[title_col].iloc[i] if title_col and title_col in df.columns else None
        texts.append(f"{title}\n\n{text}" if isinstance(title, str) and title.strip() else text)
        labels.append(str(label).strip())
    if bad:
        shown = "; ".join(bad[:10]) + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise InputError(f"{source}: {len(bad)} row(s) cannot be used: {shown}")
    counts = pd.Series(labels).value_counts()
    if len(counts) < 2:
        raise InputError(f"{source}: every row has the label {counts.index[0]!r}; a classifier needs at least two labels")
    small = counts[counts < MIN_PER_CLASS]
    if len(small):
        raise InputError(f"{source}: too few examples for " + ", ".join(f"{k!r} ({v})" for k, v in small.items())
                         + f"; each label needs at least {MIN_PER_CLASS}")
    return texts, labels


def base_corpus_path() -> Path:
    """The shipped training corpus (in a source checkout: data/corpus/train.jsonl)."""
    from .resources import _REPO_ROOT

    return _REPO_ROOT / "data" / "corpus" / "train.jsonl"


def data_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """sha256 over the training texts and labels, in order."""
    h = hashlib.sha256()
    for t, y in zip(texts, labels):
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
        h.update(str(y).encode("utf-8"))
        h.update(b"\x01")
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Baselines


class KeywordStance(TextInputMixin, ClassifierMixin, BaseEstimator):
    """A rule baseline: counts restrictive and supportive cue words in the lead and the text.

    Parameters
    ----------
    lead_words : int
        Words of the opening that count double.
    """

    RESTRICTIVE = ("ban", "bans", "banned", "banning", "crackdown", "crack down", "shut", "shutdown", "close",
                   "closure", "halt", "seize", "seized", "raid", "arrest", "illegal", "outlaw", "moratorium",
                   "cut off", "cut power", "disconnect", "fine", "fined", "phase out", "eliminate", "restrict",
                   "curb", "punitive", "deny", "denied", "suspend")
    SUPPORTIVE = ("legalise", "legalize", "legalised", "legalized", "legal framework", "welcome", "welcomes",
                  "incentive", "tax break", "exemption", "attract", "lift", "lifted", "allow", "allowed",
                  "approve", "approved", "permit", "cheap power", "discount", "support", "invest", "state-run",
                  "right to mine", "protect")

    def __init__(self, lead_words: int = 80) -> None:
        self.lead_words = lead_words

    def fit(self, X, y):
        y = np.asarray(list(y))
        self.classes_ = np.unique(y)
        self.fallback_ = pd.Series(y).value_counts().index[0]
        return self

    def _score(self, text: str) -> tuple[int, int]:
        low = text.lower()
        lead = " ".join(low.split()[: self.lead_words])
        r = sum(low.count(w) + lead.count(w) for w in self.RESTRICTIVE)
        s = sum(low.count(w) + lead.count(w) for w in self.SUPPORTIVE)
        return r, s

    def predict(self, X):
        out = []
        for text in X:
            r, s = self._score(text)
            if "restrictive" in self.classes_ and r > 1.3 * s and r >= 2:
                out.append("restrictive")
            elif "supportive" in self.classes_ and s > 1.3 * r and s >= 2:
                out.append("supportive")
            else:
                out.append("neutral" if "neutral" in self.classes_ else self.fallback_)
        return np.asarray(out)


def _tfidf_union() -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))),
        ("char", TfidfVectorizer(sublinear_tf=True, min_df=2, analyzer="char_wb", ngram_range=(2, 5))),
    ])


def candidate_models(random_state: int = 0) -> dict[str, BaseEstimator]:
    """The models the model card compares, the last being minenlp's own."""
    return {
        "majority class": DummyClassifier(strategy="most_frequent"),
        "keyword rules": KeywordStance(),
        "TF-IDF word+char, logistic regression": make_pipeline(_tfidf_union(), LogisticRegression(C=10, max_iter=3000)),
        "TF-IDF word+char, linear SVM": make_pipeline(_tfidf_union(), LinearSVC(C=0.5)),
        "minenlp StanceClassifier (lead block, calibrated)": StanceClassifier(random_state=random_state),
    }


# ---------------------------------------------------------------------------------------------
# Metrics


def expected_calibration_error(y_true: Sequence[str], proba: np.ndarray, classes: Sequence[str], *, bins: int = 10) -> float:
    """ECE of the top-label confidence over equal-width bins."""
    proba = np.asarray(proba)
    conf = proba.max(axis=1)
    correct = (np.asarray(classes)[proba.argmax(axis=1)] == np.asarray(y_true)).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def classification_scores(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, per-label precision/recall/F1/support and the confusion matrix (rows: truth)."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    return {
        "macro_f1": float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0)),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
        "per_label": {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                      for i, lab in enumerate(labels)},
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist(),
    }


def reliability_diagram(y_true: Sequence[str], proba: np.ndarray, classes: Sequence[str], path: str | Path, *,
                        bins: int = 10, title: str = "Reliability (top-label confidence)") -> Path:
    """Write a reliability diagram PNG: accuracy against confidence per bin, with counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    proba = np.asarray(proba)
    conf = proba.max(axis=1)
    correct = (np.asarray(classes)[proba.argmax(axis=1)] == np.asarray(y_true)).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    mids, accs, counts = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            mids.append(conf[m].mean())
            accs.append(correct[m].mean())
            counts.append(int(m.sum()))
    fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(mids, accs, marker="o", color="#1f77b4", label="model")
    for x, y, n in zip(mids, accs, counts):
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -12), fontsize=8)
    ece = expected_calibration_error(y_true, proba, classes, bins=bins)
    ax.set_xlabel("confidence of the predicted label")
    ax.set_ylabel("share correct")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{title}\nECE {ece:.3f} over {len(conf)} articles", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------
# Training


def cross_validate(model: BaseEstimator, texts: Sequence[str], labels: Sequence[str], *, folds: int = 5,
                   random_state: int = 0) -> dict[str, Any]:
    """Out-of-fold predictions and their scores (macro-F1 per fold and overall)."""
    y = np.asarray(labels)
    texts = np.asarray(texts, dtype=object)
    pred = np.empty(len(y), dtype=object)
    fold_f1 = []
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for tr, te in cv.split(np.zeros(len(y)), y):
        m = clone(model).fit(list(texts[tr]), y[tr])
        pred[te] = m.predict(list(texts[te]))
        fold_f1.append(f1_score(y[te], pred[te], average="macro"))
    labels_sorted = sorted(set(y))
    scores = classification_scores(y, pred, labels_sorted)
    scores["fold_macro_f1"] = [float(f) for f in fold_f1]
    return scores


@dataclass
class TrainResult:
    """A fitted model with what training measured."""

    model: StanceClassifier
    cv: dict[str, Any]
    data_sha256: str
    n_examples: int


def train_stance(texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, random_state: int = 0,
                 **params: Any) -> TrainResult:
    """Cross-validate, then fit a :class:`StanceClassifier` on all the data.

    Examples
    --------
    >>> result = train_stance(texts, labels)  # doctest: +SKIP
    >>> result.cv["macro_f1"]  # doctest: +SKIP
    """
    model = StanceClassifier(random_state=random_state, **params)
    cv_folds = min(folds, int(pd.Series(labels).value_counts().min()))
    cv = cross_validate(model, texts, labels, folds=cv_folds, random_state=random_state)
    model = clone(model).fit(list(texts), list(labels))
    return TrainResult(model=model, cv=cv, data_sha256=data_hash(texts, labels), n_examples=len(texts))


def save_trained(result: TrainResult, out: str | Path, *, source: str, extra_meta: dict[str, Any] | None = None,
                 card: str | None = None) -> Path:
    """Save a trained model folder with its manifest and model card."""
    meta = {
        "labels": [str(c) for c in result.model.classes_],
        "params": result.model.get_params(),
        "training_data": {"source": source, "sha256": result.data_sha256, "examples": result.n_examples},
        "metrics": {"cross_validation": result.cv, **(extra_meta or {}).pop("metrics", {})},
        **(extra_meta or {}),
    }
    if card is None:
        card = simple_card(Path(out).name, meta)
    return save_model_dir(result.model, out, meta=meta, card=card)


def stance_card(name: str, meta: dict[str, Any]) -> str:
    """The model card: data, baselines, metrics, calibration, limits."""
    cv = meta["metrics"]["cross_validation"]
    dev = meta["metrics"].get("dev")
    td = meta["training_data"]
    out = [f"# {name}: stance toward crypto mining", "",
           "Predicts the regulatory stance of authorities toward cryptocurrency mining in a news article "
           f"({', '.join(meta['labels'])}), with calibrated probabilities and the sentences that moved the decision.", "",
           "## Model", "",
           "`minenlp.stance.StanceClassifier`: TF-IDF word 1-2-grams and character 2-5-grams over the whole text, plus "
           f"a separate word block over the headline and opening (the first {meta['params'].get('lead_words')} words; "
           "the guide decides on them), a logistic regression "
           f"({'class-balanced' if meta['params'].get('class_weight') == 'balanced' else 'unweighted: the classes are balanced'}), "
           f"and a softmax temperature fitted on {meta['params'].get('calibration_folds')}-fold out-of-fold scores for "
           "calibration. Evidence sentences are those whose own features push hardest toward the predicted label.", "",
           f"Parameters: `{json_dumps(meta['params'])}`", "",
           "## Data", "",
           f"- training: `{td['source']}`, {td['examples']} articles written for minenlp from real public events "
           f"(see data/corpus/README.md), sha256 {td['sha256'][:16]}...",
           f"- evaluation: `{meta.get('dev_source', 'none')}`, held out, written separately from the training set", ""]
    if meta.get("baselines"):
        out += ["## Baselines", "", "| model | 5-fold CV macro-F1 (train) | macro-F1 (dev) |", "| --- | --- | --- |"]
        for row in meta["baselines"]:
            d = f"{row['dev_macro_f1']:.3f}" if "dev_macro_f1" in row else "-"
            out.append(f"| {row['model']} | {row['cv_macro_f1']:.3f} | {d} |")
        out.append("")
    out += ["## Metrics", "", f"Cross-validated on train (5 folds): macro-F1 {cv['macro_f1']:.3f} "
            f"(folds {', '.join(f'{f:.3f}' for f in cv['fold_macro_f1'])}).", ""]
    if dev:
        out += [f"On dev ({dev['n']} articles): macro-F1 **{dev['macro_f1']:.3f}**, accuracy {dev['accuracy']:.3f}, "
                f"expected calibration error **{dev['ece']:.3f}** (10 bins).", "",
                "| label | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
        for lab, s in dev["per_label"].items():
            out.append(f"| {lab} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
        out += ["", "Confusion matrix on dev (rows true, columns predicted; order " + ", ".join(dev["labels"]) + "): "
                + "; ".join(" ".join(str(v) for v in row) for row in dev["confusion_matrix"]), "",
                "## Calibration", "", "![reliability diagram](reliability.png)", "",
                "Probabilities are softmax outputs divided by a temperature fitted on out-of-fold scores of the "
                f"training set (temperature {meta.get('temperature', 1.0):.2f}).", ""]
    out += ["## Limits", "",
            "- Trained on articles we wrote from real events; real pages differ in length, noise and framing. "
            "Check it on your own labelled sample (`minenlp evaluate`) before relying on it.",
            "- English only. Very short texts (a headline alone) carry little signal.",
            "- The label is the article's main thrust; per-place stances are a separate question.",
            "- Bag-of-words models miss negation and scope (\"did not ban\"); the evidence sentences show what it read.", "",
            f"Rebuild: `minenlp train data/corpus/train.jsonl --dev data/corpus/dev.jsonl --compare-baselines -o models/{DEFAULT_STANCE}`", ""]
    return "\n".join(out)


def json_dumps(obj: Any) -> str:
    import json

    return json.dumps(obj, sort_keys=True)


def simple_card(name: str, meta: dict[str, Any]) -> str:
    """A model card for a user-trained model."""
    cv = meta["metrics"]["cross_validation"]
    lines = [f"# {name}", "", "A stance model trained with `minenlp train`.", "",
             f"- labels: {', '.join(meta['labels'])}",
             f"- training data: {meta['training_data']['source']} ({meta['training_data']['examples']} examples, "
             f"sha256 {meta['training_data']['sha256'][:16]}...)",
             f"- cross-validated macro-F1: {cv['macro_f1']:.3f} (folds: {', '.join(f'{f:.3f}' for f in cv['fold_macro_f1'])})",
             "", "| label | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
    for lab, s in cv["per_label"].items():
        lines.append(f"| {lab} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Evaluation and active learning


def evaluate_stance(model: Any, texts: Sequence[str], labels: Sequence[str], *, plot: str | Path | None = None) -> dict[str, Any]:
    """Scores of a fitted model on labelled texts: macro-F1, per label, confusion matrix, ECE."""
    proba = model.predict_proba(list(texts))
    classes = [str(c) for c in model.classes_]
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    known = sorted(set(classes) | set(labels))
    scores = classification_scores(list(labels), list(pred), known)
    scores["ece"] = expected_calibration_error(labels, proba, classes)
    scores["n"] = len(labels)
    if plot is not None:
        reliability_diagram(labels, proba, classes, plot)
        scores["reliability_diagram"] = str(plot)
    return scores


def format_scores(scores: dict[str, Any]) -> str:
    """Readable table of :func:`evaluate_stance` output."""
    lines = [f"macro-F1 {scores['macro_f1']:.3f}   accuracy {scores['accuracy']:.3f}"
             + (f"   ECE {scores['ece']:.3f}" if "ece" in scores else "") + (f"   n {scores['n']}" if "n" in scores else ""),
             "", f"{'label':<14} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for lab, s in scores["per_label"].items():
        lines.append(f"{lab:<14} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['support']:>8d}")
    labs = scores["labels"]
    lines += ["", "confusion matrix (rows: true, columns: predicted)", " " * 14 + "".join(f"{lab[:11]:>12}" for lab in labs)]
    for lab, row in zip(labs, scores["confusion_matrix"]):
        lines.append(f"{lab[:13]:<14}" + "".join(f"{v:>12d}" for v in row))
    if "reliability_diagram" in scores:
        lines.append(f"\nreliability diagram: {scores['reliability_diagram']}")
    return "\n".join(lines)


def suggest(model: Any, texts: Sequence[str], *, n: int = 50) -> list[tuple[int, float, str, dict[str, float]]]:
    """The ``n`` texts the model is least sure of (smallest margin between its top two labels).

    Returns (index, margin, predicted label, probabilities) per text, least sure first.
    """
    proba = model.predict_proba(list(texts))
    classes = [str(c) for c in model.classes_]
    top2 = np.sort(proba, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    order = np.argsort(margin)[:n]
    return [(int(i), float(margin[i]), classes[int(proba[i].argmax())], {c: float(p) for c, p in zip(classes, proba[i])})
            for i in order]


def compare_models(train_texts: Sequence[str], train_labels: Sequence[str], dev_texts: Sequence[str] | None = None,
                   dev_labels: Sequence[str] | None = None, *, folds: int = 5, random_state: int = 0) -> list[dict[str, Any]]:
    """Cross-validated (train) and held-out (dev) macro-F1 of every candidate model."""
    rows = []
    for name, model in candidate_models(random_state).items():
        cv = cross_validate(model, train_texts, train_labels, folds=folds, random_state=random_state)
        row = {"model": name, "cv_macro_f1": cv["macro_f1"], "cv_fold_macro_f1": cv["fold_macro_f1"]}
        if dev_texts is not None:
            fitted = clone(model).fit(list(train_texts), list(train_labels))
            pred = fitted.predict(list(dev_texts))
            row["dev_macro_f1"] = float(f1_score(dev_labels, pred, average="macro"))
        rows.append(row)
        logger.info("%s: cv %.3f dev %s", name, row["cv_macro_f1"], row.get("dev_macro_f1"))
    return rows


__all__ = ["read_table", "labelled_texts", "train_stance", "save_trained", "evaluate_stance", "suggest",
           "cross_validate", "candidate_models", "KeywordStance", "expected_calibration_error",
           "reliability_diagram", "format_scores", "compare_models"]
