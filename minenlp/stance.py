"""The stance model: a scikit-learn estimator over article text, and the spaCy component applying it.

The guide decides an article's stance on its headline and opening paragraphs, so the model reads
the lead twice: once as part of the whole text and once as a block of its own. A linear model keeps
every decision explainable sentence by sentence (the evidence), and a temperature fitted on
out-of-fold scores calibrates its probabilities.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable, Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.sparse import hstack
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted
from spacy.language import Language
from spacy.tokens import Doc

from .artifacts import DEFAULT_STANCE, ModelFolderComponent
from .types import Evidence

logger = logging.getLogger("minenlp")

_PARA = re.compile(r"\n\s*\n")
_SENT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])|\n+")


def lead_of(text: str, *, words: int = 90) -> str:
    """The headline and opening of an article: its first ``words`` words of running prose.

    Lines that are page furniture (short lines without a full stop: bylines, datelines, captions
    without sentences) are skipped so the lead is what a reader takes as the story's opening.

    Examples
    --------
    >>> lead_of("Kosovo bans mining\\n\\nBy A. Writer\\n\\nKosovo banned crypto mining on Tuesday.", words=5)
    'Kosovo bans mining Kosovo banned crypto mining on'
    """
    paras = [p.strip() for p in _PARA.split(text) if p.strip()]
    kept: list[str] = []
    count = 0
    for i, para in enumerate(paras):
        is_title = i == 0 and len(para.split()) <= 25 and "\n" not in para
        if not is_title and (len(para.split()) < 8 or not re.search(r"[.!?][\"”’)]?$", para)):
            continue
        tokens = para.split()
        kept.extend(tokens[: max(0, words - count)])
        count = len(kept)
        if count >= words:
            break
    return " ".join(kept)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences (and lines) of a text, without surrounding white space."""
    spans = []
    start = 0
    for m in _SENT.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        seg = text[a:b]
        lstrip = len(seg) - len(seg.lstrip())
        rstrip = len(seg) - len(seg.rstrip())
        if b - rstrip > a + lstrip:
            out.append((a + lstrip, b - rstrip))
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class TextInputMixin:
    """Tells scikit-learn's checks that an estimator takes a 1-d sequence of texts."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


class StanceClassifier(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Article stance from text: TF-IDF words and characters over the whole text and its lead.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    lead_words : int
        How many words of the headline and opening form the lead block (0 switches it off).
    lead_weight : float
        Scale of the lead block's features relative to the whole text's.
    char_ngrams : bool
        Whether to add character 2-5-grams (robust to spelling and inflection).
    max_features : int or None
        Vocabulary cap per block.
    calibration_folds : int
        Folds for the out-of-fold scores that fit the temperature (0 or 1: no calibration).
    class_weight : "balanced" or None
        Passed to the logistic regression.
    random_state : int or None
        Seed for the calibration folds.

    Attributes
    ----------
    classes_ : ndarray
        The labels seen in ``fit``.
    temperature_ : float
        The fitted calibration temperature (1.0 when calibration is off).

    Examples
    --------
    >>> texts = ["Province bans bitcoin mining and cuts power to mines."] * 6 + \\
    ...         ["Region welcomes miners with cheap power and tax breaks."] * 6
    >>> labels = ["restrictive"] * 6 + ["supportive"] * 6
    >>> clf = StanceClassifier(calibration_folds=3).fit(texts, labels)
    >>> clf.predict(["The province bans mining."])[0]
    'restrictive'
    """

    def __init__(self, C: float = 8.0, lead_words: int = 90, lead_weight: float = 1.0,
                 char_ngrams: bool = True, max_features: int | None = 60000,
                 calibration_folds: int = 10, class_weight: str | None = None,
                 random_state: int | None = 0) -> None:
        self.C = C
        self.lead_words = lead_words
        self.lead_weight = lead_weight
        self.char_ngrams = char_ngrams
        self.max_features = max_features
        self.calibration_folds = calibration_folds
        self.class_weight = class_weight
        self.random_state = random_state

    # -- features -----------------------------------------------------------------------------

    def _vectorizers(self) -> list[tuple[str, TfidfVectorizer]]:
        word = dict(sublinear_tf=True, min_df=2, max_df=0.9, ngram_range=(1, 2), max_features=self.max_features,
                    token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z'-]+\b", lowercase=True)
        char = dict(sublinear_tf=True, min_df=2, analyzer="char_wb", ngram_range=(2, 5), max_features=self.max_features)
        vecs = [("text_word", TfidfVectorizer(**word))]
        if self.char_ngrams:
            vecs.append(("text_char", TfidfVectorizer(**char)))
        if self.lead_words:
            vecs.append(("lead_word", TfidfVectorizer(**word)))
        return vecs

    def _blocks(self, texts: Sequence[str]) -> dict[str, list[str]]:
        leads = [lead_of(t, words=self.lead_words) for t in texts] if self.lead_words else None
        return {"text_word": list(texts), "text_char": list(texts), "lead_word": leads}

    def _fit_features(self, texts: Sequence[str]):
        blocks = self._blocks(texts)
        self.vectorizers_ = []
        mats = []
        for name, vec in self._vectorizers():
            # A tiny or uniform corpus leaves no term within min_df/max_df: relax rather than fail.
            try:
                m = vec.fit_transform(blocks[name])
            except ValueError:
                vec.set_params(min_df=1, max_df=1.0)
                m = vec.fit_transform(blocks[name])
            self.vectorizers_.append((name, vec))
            mats.append(m * (self.lead_weight if name.startswith("lead") else 1.0))
        return hstack(mats).tocsr()

    def _features(self, texts: Sequence[str]):
        blocks = self._blocks(texts)
        mats = [vec.transform(blocks[name]) * (self.lead_weight if name.startswith("lead") else 1.0)
                for name, vec in self.vectorizers_]
        return hstack(mats).tocsr()

    # -- estimator API ------------------------------------------------------------------------

    def _check_texts(self, X: Iterable[Any]) -> list[str]:
        if isinstance(X, str):
            raise ValueError("X must be a sequence of texts, not a single string")
        texts = list(X)
        if hasattr(X, "shape") and len(getattr(X, "shape", ())) > 1:
            raise ValueError("X must be a 1-d sequence of texts")
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"X[{i}] is {type(t).__name__}, not a text")
        return texts

    def _new_lr(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)

    def fit(self, X: Iterable[str], y: Iterable[Any]) -> "StanceClassifier":
        """Fit on texts ``X`` and labels ``y``; returns self."""
        texts = self._check_texts(X)
        y = np.asarray(list(y))
        if len(texts) != len(y):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
        self.classes_ = unique_labels(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y has only one class ({self.classes_[0]!r}); stance needs at least two")
        features = self._fit_features(texts)
        self.model_ = self._new_lr().fit(features, y)
        self.temperature_ = 1.0
        folds = min(self.calibration_folds, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()))
        if folds >= 2:
            self.temperature_ = self._fit_temperature(features, y, folds)
        self.n_features_in_ = 1
        return self

    def _fit_temperature(self, features, y: np.ndarray, folds: int) -> float:
        logits = np.zeros((len(y), len(self.classes_)))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        for tr, te in cv.split(np.zeros(len(y)), y):
            # Vocabulary stays the full one: it is unsupervised, and refitting it per fold changes
            # little while costing most of the time.
            lr = self._new_lr().fit(features[tr], y[tr])
            logits[te] = self._logits(lr, features[te], classes=lr.classes_)
        idx = np.searchsorted(self.classes_, y)

        def nll(t: float) -> float:
            p = _softmax(logits / t)
            return -float(np.mean(np.log(p[np.arange(len(y)), idx] + 1e-12)))

        return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)

    def _logits(self, lr: LogisticRegression, features, *, classes=None) -> np.ndarray:
        d = lr.decision_function(features)
        if d.ndim == 1:
            d = np.column_stack([np.zeros_like(d), d])
        if classes is not None and list(classes) != list(self.classes_):
            full = np.full((d.shape[0], len(self.classes_)), -30.0)
            for j, c in enumerate(classes):
                full[:, list(self.classes_).index(c)] = d[:, j]
            d = full
        return d

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self._logits(self.model_, self._features(self._check_texts(X)))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probabilities, one column per ``classes_``."""
        return _softmax(self.decision_function(X) / self.temperature_)

    def predict(self, X: Iterable[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def sentence_contributions(self, sentences: Sequence[str], in_lead: Sequence[bool] | None = None) -> np.ndarray:
        """What the words of each sentence say for each class (no intercept), for many sentences at once.

        A sentence in the article's lead also counts through the lead block, as it does in the
        whole-text decision.
        """
        check_is_fitted(self, "model_")
        if not len(sentences):
            return np.zeros((0, len(self.classes_)))
        mats = []
        for name, vec in self.vectorizers_:
            if name.startswith("lead"):
                flags = in_lead if in_lead is not None else [False] * len(sentences)
                mats.append(vec.transform([s if f else "" for s, f in zip(sentences, flags)]) * self.lead_weight)
            else:
                mats.append(vec.transform(sentences))
        contrib = np.asarray(hstack(mats).tocsr() @ self.model_.coef_.T)
        if contrib.shape[1] == 1:
            contrib = np.column_stack([-contrib[:, 0] / 2, contrib[:, 0] / 2])
        return contrib

    def _toward(self, contrib: np.ndarray, label: Any) -> np.ndarray:
        k = list(self.classes_).index(label)
        others = np.delete(contrib, k, axis=1).mean(axis=1) if contrib.shape[1] > 1 else 0.0
        return contrib[:, k] - others

    def sentence_weights(self, text: str, label: Any) -> list[tuple[int, int, float]]:
        """How much each sentence pushes the decision toward ``label`` (against the other labels).

        Returns ``(start, end, weight)`` for every sentence, in text order.
        """
        return evidence_weights(self, [text], [label])[0]


def evidence_weights(clf: StanceClassifier, texts: Sequence[str], labels: Sequence[Any]) -> list[list[tuple[int, int, float]]]:
    """Sentence weights toward each text's label, for a batch of texts in one pass over the vectorizers."""
    spans = [split_sentences(t) for t in texts]
    sentences, in_lead, owner = [], [], []
    for i, (text, sp) in enumerate(zip(texts, spans)):
        lead = lead_of(text, words=clf.lead_words) if clf.lead_words else ""
        for a, b in sp:
            sent = text[a:b]
            sentences.append(sent)
            words = sent.split()[:3]
            in_lead.append(bool(words) and " ".join(words) in lead)
            owner.append(i)
    contrib = clf.sentence_contributions(sentences, in_lead)
    out: list[list[tuple[int, int, float]]] = [[] for _ in texts]
    row = 0
    for i, sp in enumerate(spans):
        if sp:
            w = clf._toward(contrib[row:row + len(sp)], labels[i])
            out[i] = [(a, b, float(x)) for (a, b), x in zip(sp, w)]
            row += len(sp)
    return out


def pick_evidence(text: str, weights: list[tuple[int, int, float]], *, top: int = 3) -> list[Evidence]:
    """The 1 to ``top`` sentences with the largest positive weights, in text order."""
    chosen = sorted((w for w in weights if w[2] > 0), key=lambda w: -w[2])[:top]
    return [Evidence(text=text[a:b], start=a, end=b, weight=round(w, 4)) for a, b, w in sorted(chosen)]


def evidence_for(clf: StanceClassifier, text: str, label: Any, *, top: int = 3) -> list[Evidence]:
    """The 1 to ``top`` sentences that pushed the decision toward ``label`` most."""
    return pick_evidence(text, clf.sentence_weights(text, label), top=top)


if not Doc.has_extension("stance"):
    Doc.set_extension("stance", default=None)
if not Doc.has_extension("evidence"):
    Doc.set_extension("evidence", default=None)


class StanceComponent(ModelFolderComponent):
    """Applies a stance model folder to docs: sets ``doc.cats``, ``doc._.stance``, ``doc._.evidence``.

    Parameters
    ----------
    nlp : Language
        The pipeline.
    name : str
        Component name.
    model_dir : str
        A model folder (``models/stance-v2``); empty for the shipped default. ``from_disk``
        replaces it with the copy saved inside a pipeline folder.
    evidence : int
        How many evidence sentences to give (at most).
    """

    default_name = DEFAULT_STANCE

    def __init__(self, nlp: Language, name: str, *, model_dir: str = "", evidence: int = 3) -> None:
        super().__init__(name, model_dir)
        self.evidence = evidence

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.bundle.model.classes_) if self.bundle else ()

    def _apply(self, docs: list[Doc]) -> list[Doc]:
        clf = self.bundle.model
        texts = [d.text for d in docs]
        probs = clf.predict_proba(texts)
        labels = [clf.classes_[int(np.argmax(p))] for p in probs]
        weights = evidence_weights(clf, texts, labels) if self.evidence else [[] for _ in docs]
        for doc, p, label, w in zip(docs, probs, labels, weights):
            doc.cats = {str(c): float(v) for c, v in zip(clf.classes_, p)}
            doc._.stance = str(label)
            # Plain dicts: docs travel between processes as msgpack, which knows no dataclasses.
            doc._.evidence = [e.to_dict() for e in pick_evidence(doc.text, w, top=self.evidence)]
        return docs

    def predict_text(self, text: str) -> dict[str, Any]:
        """Stance fields for a text too long to become a doc."""
        clf = self.bundle.model
        p = clf.predict_proba([text])[0]
        label = clf.classes_[int(np.argmax(p))]
        return {"stance": str(label), "stance_scores": {str(c): round(float(v), 4) for c, v in zip(clf.classes_, p)},
                "evidence": [e.to_dict() for e in evidence_for(clf, text, label, top=self.evidence)] if self.evidence else []}


@Language.factory(
    "minenlp_stance",
    default_config={"model_dir": "", "evidence": 3},
    assigns=["doc.cats", "doc._.stance", "doc._.evidence"],
)
def make_stance(nlp: Language, name: str, model_dir: str, evidence: int) -> StanceComponent:
    """Create the stance component (registered as ``minenlp_stance``)."""
    return StanceComponent(nlp, name, model_dir=model_dir, evidence=evidence)
