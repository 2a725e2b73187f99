"""Who does what where: which places' authorities act in an article, each one's stance, and the measures.

Three learned parts, trained on the labelled corpus and saved together in one model folder:

- an *acts* model scores every candidate place (each REGION the article names, and the region of
  each AGENCY it names) on features of how the article treats it: mentions, agencies, the lead,
  sentences with regulatory verbs; places above the threshold get a stance;
- a *stance* model reads the place's context (the sentences naming it or its agencies) together
  with the article's opening, since a place's stance is usually the article's stance unless its
  own sentences say otherwise;
- a *measures* model (one-vs-rest logistic regressions) reads the whole article for the article's
  measures and a place's context for that place's measures.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from spacy.language import Language
from spacy.tokens import Doc

from .artifacts import DEFAULT_JURISDICTIONS, ModelFolderComponent
from .stance import StanceClassifier, TextInputMixin, lead_of, split_sentences
from .types import AGENCY, MEASURES, REGION

logger = logging.getLogger("minenlp")

LEVELS = ("country", "first_level", "second_level", "city", "county", "area", None)
_ACTION = re.compile(
    r"\b(ban(?:s|ned|ning)?|order(?:s|ed)?|approv\w*|law|laws|decree\w*|bill|cut(?:s|ting)?|seiz\w*|raid\w*|"
    r"licen[cs]\w*|permit\w*|tax\w*|tariff\w*|levy|announc\w*|sign(?:s|ed)?|pass(?:es|ed)?|shut\w*|clos\w*|"
    r"inspect\w*|moratori\w*|halt\w*|suspend\w*|allow\w*|legali[sz]\w*|welcom\w*|offer\w*|allocat\w*|"
    r"fin(?:e|ed|es)|arrest\w*|rul(?:e|ed|ing)|vot\w*|regulat\w*|crack\w*|disconnect\w*|incentiv\w*)\b",
    re.I,
)


@dataclass
class Place:
    """A candidate jurisdiction in one article, with the mentions that point to it."""

    canonical: str
    country: str | None
    code: str | None
    level: str | None
    mentions: list[tuple[int, int]] = field(default_factory=list)
    agency_mentions: list[tuple[int, int]] = field(default_factory=list)


def candidate_places(entities: Sequence[dict[str, Any]], gazetteer) -> dict[str, Place]:
    """Places named in an article, each with its own mentions and those of its agencies.

    ``entities`` are tag-output dicts (text, label, start, end, canonical, country, level, code).
    """
    places: dict[str, Place] = {}
    for e in entities:
        if e["label"] == REGION:
            key = e.get("canonical") or e["text"]
            p = places.setdefault(key, Place(key, e.get("country"), e.get("code"), e.get("level")))
            p.mentions.append((e["start"], e["end"]))
        elif e["label"] == AGENCY and (e.get("code") or e.get("canonical")):
            region = gazetteer.region_of_agency(e.get("canonical"), e.get("code"))
            if region is None:
                continue
            p = places.setdefault(region.canonical, Place(region.canonical, region.country, region.code, region.level))
            p.agency_mentions.append((e["start"], e["end"]))
    return places


def _sentences_with(text: str, sents: list[tuple[int, int]], spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    hits = []
    spans = list(spans)
    for a, b in sents:
        if any(a <= s < b for s, _ in spans):
            hits.append((a, b))
    return hits


def place_features(text: str, title: str, place: Place, places: dict[str, Place], sents: list[tuple[int, int]]) -> list[float]:
    """Numbers describing how an article treats a place (the acts model's input)."""
    n = len(text) or 1
    all_m = place.mentions + place.agency_mentions
    total_mentions = sum(len(p.mentions) + len(p.agency_mentions) for p in places.values()) or 1
    first = min((s for s, _ in all_m), default=n) / n
    lead_end = len(" ".join(text.split()[:90]))
    in_lead = sum(1 for s, _ in all_m if s < lead_end)
    own = _sentences_with(text, sents, all_m)
    action = sum(1 for a, b in own if _ACTION.search(text[a:b]))
    agency_action = sum(1 for a, b in _sentences_with(text, sents, place.agency_mentions) if _ACTION.search(text[a:b]))
    in_title = float(any(name in title for name in {text[s:e] for s, e in all_m}) if title else 0.0)
    top_country = max(places.values(), key=lambda p: len(p.mentions) + len(p.agency_mentions))
    level = [float(place.level == lv) for lv in LEVELS]
    return [
        float(len(place.mentions)), float(len(place.agency_mentions)), float(bool(place.agency_mentions)),
        len(all_m) / total_mentions, first, float(in_lead), float(action), float(agency_action),
        float(action > 0), in_title, float(top_country.canonical == place.canonical), float(len(places)),
        *level,
    ]


def place_text(text: str, title: str, place: Place, sents: list[tuple[int, int]]) -> str:
    """The place's own sentences with its mentions masked (the acts text model's input): what is said
    about "PLACEHERE" or "AGENCYHERE", not which place it is."""
    marks = sorted([(s, e, "PLACEHERE") for s, e in place.mentions] + [(s, e, "AGENCYHERE") for s, e in place.agency_mentions],
                   key=lambda t: -t[0])
    pieces = []
    for a, b in _sentences_with(text, sents, place.mentions + place.agency_mentions):
        sent = text[a:b]
        for s, e, tok in marks:
            if a <= s < b:
                sent = sent[: s - a] + tok + sent[e - a:]
        pieces.append(sent)
    lead_end = len(" ".join(text.split()[:90]))
    all_m = place.mentions + place.agency_mentions
    flags = ("TITLEHIT " if title and any(text[s:e] in title for s, e in all_m) else "") + \
        ("LEADHIT " if any(s < lead_end for s, _ in all_m) else "")
    return flags + " ".join(pieces)


def place_context(text: str, title: str, place: Place, sents: list[tuple[int, int]]) -> str:
    """The sentences naming the place or its agencies, after the article's title and opening."""
    own = _sentences_with(text, sents, place.mentions + place.agency_mentions)
    body = " ".join(text[a:b] for a, b in own)
    return f"{title}\n\n{lead_of(text, words=60)}\n\n{body}"


class MeasuresClassifier(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Multi-label measures from text: TF-IDF word n-grams and one logistic regression per measure.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    threshold : float
        Probability above which a measure is predicted.
    """

    def __init__(self, C: float = 8.0, threshold: float = 0.35) -> None:
        self.C = C
        self.threshold = threshold

    def fit(self, X: Sequence[str], y: Sequence[Sequence[str]]) -> "MeasuresClassifier":
        self.binarizer_ = MultiLabelBinarizer(classes=list(MEASURES))
        Y = self.binarizer_.fit_transform(y)
        self.classes_ = np.asarray(self.binarizer_.classes_)
        self.vectorizer_ = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), max_features=60000)
        features = self.vectorizer_.fit_transform(list(X))
        keep = Y.sum(axis=0) > 0
        self.active_ = keep
        self.model_ = OneVsRestClassifier(LogisticRegression(C=self.C, max_iter=3000)).fit(features, Y[:, keep])
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        p = np.zeros((len(X), len(self.classes_)))
        p[:, self.active_] = self.model_.predict_proba(self.vectorizer_.transform(list(X)))
        return p

    def predict_labels(self, X: Sequence[str]) -> list[list[str]]:
        p = self.predict_proba(X)
        return [[str(c) for c, v in zip(self.classes_, row) if v >= self.threshold] for row in p]


@dataclass
class JurisdictionModel:
    """The parts that :func:`analyze_jurisdictions` applies."""

    article_acts: Any
    article_stance: StanceClassifier
    acts_text: Any
    acts: Any
    acts_threshold: float
    stance: StanceClassifier
    measures: MeasuresClassifier

    def article_features(self, full_text: str) -> np.ndarray:
        """Does any authority act in the article at all, and which way does it lean."""
        return np.concatenate([self.article_acts.predict_proba([full_text])[0, 1:],
                               self.article_stance.predict_proba([full_text])[0]])

    def acts_proba(self, feats: np.ndarray, texts: list[str], article: np.ndarray) -> np.ndarray:
        stacked = np.column_stack([feats, self.acts_text.predict_proba(texts)[:, 1], np.tile(article, (len(texts), 1))])
        return forest_positive(self.acts, stacked)


def forest_positive(forest, X: np.ndarray) -> np.ndarray:
    """The second class's probability from a fitted random forest, as ``predict_proba`` gives it.

    The trees are summed in the same order as scikit-learn does, without its per-tree dispatch
    through joblib, which costs more than the trees themselves on a batch of a few docs.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    total = np.zeros((X.shape[0], len(forest.classes_)))
    for tree in forest.estimators_:
        total += tree.predict_proba(X, check_input=False)
    return (total / len(forest.estimators_))[:, 1]


def analyze_jurisdictions(model: JurisdictionModel, text: str, entities: Sequence[dict[str, Any]], gazetteer, *,
                          title: str = "") -> dict[str, Any]:
    """Per-jurisdiction stances with scores and evidence, and measures per article and place.

    Returns ``{"jurisdictions": [{canonical, country, code, stance, score, evidence, measures}],
    "measures": [...]}``; ``score`` is the probability of the place's stance.

    Examples
    --------
    >>> analyze_jurisdictions(model, text, result["entities"], gazetteer)["jurisdictions"]  # doctest: +SKIP
    """
    return analyze_jurisdictions_batch(model, [(text, entities, title)], gazetteer)[0]


def analyze_jurisdictions_batch(model: JurisdictionModel, items: Sequence[tuple[str, Sequence[dict[str, Any]], str]],
                                gazetteer) -> list[dict[str, Any]]:
    """:func:`analyze_jurisdictions` for many articles, each model called once per batch.

    ``items`` holds (text, entities, title) per article. Batching matters: the per-call cost of
    the vectorizers and the forest is most of the time when articles are done one by one.
    """
    if not items:
        return []
    full = [f"{title}\n\n{text}" if title else text for text, _, title in items]
    article_measures = model.measures.predict_labels(full)
    article_feats = np.column_stack([model.article_acts.predict_proba(full)[:, 1:], model.article_stance.predict_proba(full)])
    rows, texts, owners, all_places, all_sents = [], [], [], [], []
    for i, (text, entities, title) in enumerate(items):
        places = candidate_places(entities, gazetteer)
        sents = split_sentences(text)
        all_sents.append(sents)
        for p in places.values():
            rows.append(place_features(text, title, p, places, sents))
            texts.append(place_text(text, title, p, sents))
            owners.append(i)
            all_places.append(p)
    out = [{"jurisdictions": [], "measures": article_measures[i]} for i in range(len(items))]
    if not rows:
        return out
    stacked = np.column_stack([np.asarray(rows), model.acts_text.predict_proba(texts)[:, 1], article_feats[owners]])
    acts = forest_positive(model.acts, stacked)
    chosen = [j for j, a in enumerate(acts) if a >= model.acts_threshold]
    if not chosen:
        return out
    contexts = [place_context(items[owners[j]][0], items[owners[j]][2], all_places[j], all_sents[owners[j]]) for j in chosen]
    probs = model.stance.predict_proba(contexts)
    measures = model.measures.predict_proba(contexts)
    labels = [str(model.stance.classes_[int(np.argmax(p))]) for p in probs]
    evidence = _places_evidence(model.stance, [(items[owners[j]][0], all_sents[owners[j]], all_places[j]) for j in chosen], labels)
    for j, p, ms, label, ev in zip(chosen, probs, measures, labels, evidence):
        i = owners[j]
        place = all_places[j]
        out[i]["jurisdictions"].append({
            "canonical": place.canonical, "country": place.country, "code": place.code, "stance": label,
            "score": round(float(np.max(p)), 4), "evidence": ev,
            # A place's measures are those its own sentences support among the article's.
            "measures": [str(c) for c, v in zip(model.measures.classes_, ms)
                         if v >= model.measures.threshold and str(c) in article_measures[i]],
        })
    return out


def _places_evidence(clf: StanceClassifier, places: list[tuple[str, list[tuple[int, int]], Place]], labels: list[str],
                     top: int = 2) -> list[list[dict[str, Any]]]:
    """Each place's own sentences that push its stance most (at least one when it has any)."""
    sentences, owner, spans = [], [], []
    for i, (text, sents, place) in enumerate(places):
        for a, b in _sentences_with(text, sents, place.mentions + place.agency_mentions):
            sentences.append(text[a:b])
            owner.append(i)
            spans.append((a, b))
    contrib = clf.sentence_contributions(sentences)
    scored: list[list[tuple[float, int, int]]] = [[] for _ in places]
    for row, i in enumerate(owner):
        w = float(clf._toward(contrib[row:row + 1], labels[i])[0])
        scored[i].append((w, *spans[row]))
    out = []
    for i, cand in enumerate(scored):
        cand.sort(key=lambda t: -t[0])
        chosen = [t for t in cand[:top] if t[0] > 0] or cand[:1]
        text = places[i][0]
        out.append([{"text": text[a:b], "start": a, "end": b, "weight": round(w, 4)} for w, a, b in sorted(chosen, key=lambda t: t[1])])
    return out


# ---------------------------------------------------------------------------------------------
# Training


def training_examples(records: Sequence[dict[str, Any]], predicted: Sequence[Sequence[dict[str, Any]]], gazetteer):
    """Acts features and labels, stance contexts and labels, measures contexts and labels."""
    acts_x, acts_t, acts_y = [], [], []
    ctx_x, ctx_y, ctx_m = [], [], []
    for rec, ents in zip(records, predicted):
        text, title = rec["text"], rec.get("title", "")
        gold = rec.get("jurisdiction_stances", {})
        gold_m = rec.get("jurisdiction_measures", {})
        places = candidate_places(ents, gazetteer)
        sents = split_sentences(text)
        for p in places.values():
            acts_x.append(place_features(text, title, p, places, sents))
            acts_t.append(place_text(text, title, p, sents))
            acts_y.append(int(p.canonical in gold))
            if p.canonical in gold:
                ctx = place_context(text, title, p, sents)
                ctx_x.append(ctx)
                ctx_y.append(gold[p.canonical])
                ctx_m.append(gold_m.get(p.canonical, []))
    return np.asarray(acts_x), acts_t, np.asarray(acts_y), ctx_x, ctx_y, ctx_m


def fit_jurisdiction_model(records: Sequence[dict[str, Any]], predicted: Sequence[Sequence[dict[str, Any]]], gazetteer, *,
                           random_state: int = 0) -> JurisdictionModel:
    """Fit the parts on labelled records and the entities the pipeline found in them.

    The acts model stacks a text model (out-of-fold probabilities while training) on the place
    features; its threshold maximises F1 in cross-validation on the training records.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    acts_x, acts_t, acts_y, ctx_x, ctx_y, ctx_m = training_examples(records, predicted, gazetteer)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=random_state)
    # Article-level signals, out of fold while training so the forest sees honest inputs.
    full = [f"{r.get('title', '')}\n\n{r['text']}" if r.get("title") else r["text"] for r in records]
    any_acts = np.asarray([int(bool(r.get("jurisdiction_stances"))) for r in records])
    article_acts = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                                 LogisticRegression(C=4.0, max_iter=3000))
    art_cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=random_state)
    oof_any = cross_val_predict(article_acts, full, any_acts, cv=art_cv, method="predict_proba")[:, 1:]
    article_acts.fit(full, any_acts)
    stances = np.asarray([r["stance"] for r in records])
    article_stance = StanceClassifier(calibration_folds=0, random_state=random_state)
    oof_stance = cross_val_predict(article_stance, full, stances, cv=art_cv, method="predict_proba")
    article_stance.fit(full, stances)
    per_article = np.column_stack([oof_any, oof_stance])
    counts = [len(candidate_places(ents, gazetteer)) for ents in predicted]
    art_rows = np.repeat(per_article, counts, axis=0)

    acts_text = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                              LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced"))
    oof = cross_val_predict(acts_text, acts_t, acts_y, cv=cv, method="predict_proba")[:, 1]
    acts_text.fit(acts_t, acts_y)
    stacked = np.column_stack([acts_x, oof, art_rows])
    forest = RandomForestClassifier(n_estimators=400, min_samples_leaf=3, random_state=random_state, n_jobs=1)
    oof_acts = cross_val_predict(forest, stacked, acts_y, cv=cv, method="predict_proba")[:, 1]
    threshold = _best_threshold(oof_acts, acts_y)
    forest.fit(stacked, acts_y)
    stance = StanceClassifier(lead_words=0, random_state=random_state).fit(ctx_x, ctx_y)
    texts = [f"{r.get('title', '')}\n\n{r['text']}" for r in records]
    labels = [r.get("measures", []) for r in records]
    measures = MeasuresClassifier(threshold=_measures_threshold(texts, labels, random_state)).fit(texts + ctx_x, labels + ctx_m)
    return JurisdictionModel(article_acts=article_acts, article_stance=article_stance, acts_text=acts_text, acts=forest,
                             acts_threshold=threshold, stance=stance, measures=measures)


def _measures_threshold(texts: list[str], labels: list[list[str]], random_state: int) -> float:
    """The probability threshold that maximises micro-F1 of article measures in 3-fold cross-validation."""
    from sklearn.model_selection import KFold

    probs = np.zeros((len(texts), len(MEASURES)))
    binarizer = MultiLabelBinarizer(classes=list(MEASURES))
    gold = binarizer.fit_transform(labels)
    for tr, te in KFold(n_splits=3, shuffle=True, random_state=random_state).split(texts):
        m = MeasuresClassifier().fit([texts[i] for i in tr], [labels[i] for i in tr])
        probs[te] = m.predict_proba([texts[i] for i in te])
    best, best_f = 0.35, -1.0
    for t in np.arange(0.1, 0.6, 0.025):
        pred = probs >= t
        tp = float((pred & (gold == 1)).sum())
        f = 2 * tp / max(1.0, pred.sum() + gold.sum())
        if f > best_f:
            best, best_f = float(round(t, 3)), f
    return best


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best, best_f = 0.5, -1.0
    for t in np.arange(0.2, 0.9, 0.02):
        pred = p >= t
        tp = float(np.sum(pred & (y == 1)))
        prec = tp / max(1, pred.sum())
        rec = tp / max(1, (y == 1).sum())
        f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f > best_f:
            best, best_f = float(round(t, 2)), f
    return best


def score_jurisdictions(records: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Which places get a stance (precision, recall), their stance accuracy, and measures micro-F1."""
    tp = fp = fn = 0
    right = total = 0
    m_tp = m_fp = m_fn = 0
    a_tp = a_fp = a_fn = 0
    for rec, res in zip(records, results):
        gold = rec.get("jurisdiction_stances", {})
        pred = {j["canonical"]: j for j in res["jurisdictions"]}
        tp += len(set(gold) & set(pred))
        fp += len(set(pred) - set(gold))
        fn += len(set(gold) - set(pred))
        for place, st in gold.items():
            if place in pred:
                total += 1
                right += int(pred[place]["stance"] == st)
                gm = set(rec.get("jurisdiction_measures", {}).get(place, []))
                pm = set(pred[place]["measures"])
                m_tp += len(gm & pm)
                m_fp += len(pm - gm)
                m_fn += len(gm - pm)
        ga, pa = set(rec.get("measures", [])), set(res["measures"])
        a_tp += len(ga & pa)
        a_fp += len(pa - ga)
        a_fn += len(ga - pa)

    def f1(t, p, n):
        prec = t / (t + p) if t + p else 0.0
        rec = t / (t + n) if t + n else 0.0
        return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)

    jp, jr, jf = f1(tp, fp, fn)
    _, _, mf = f1(m_tp, m_fp, m_fn)
    ap, ar, af = f1(a_tp, a_fp, a_fn)
    return {
        "places": {"precision": jp, "recall": jr, "f1": jf, "gold": tp + fn, "predicted": tp + fp},
        "stance_accuracy": right / total if total else 0.0,
        "stance_accuracy_strict": right / (tp + fn) if tp + fn else 0.0,
        "stance_n": total,
        "measures_micro_f1_per_jurisdiction": mf,
        "measures_micro_f1_per_article": af,
        "measures_precision_per_article": ap,
        "measures_recall_per_article": ar,
    }


def format_jurisdiction_scores(s: dict[str, Any]) -> str:
    p = s["places"]
    return "\n".join([
        f"places given a stance: precision {p['precision']:.3f}, recall {p['recall']:.3f}, F1 {p['f1']:.3f} "
        f"({p['gold']} annotated, {p['predicted']} predicted)",
        f"per-jurisdiction stance accuracy: {s['stance_accuracy']:.3f} over {s['stance_n']} annotated places found "
        f"({s['stance_accuracy_strict']:.3f} counting missed places as wrong)",
        f"measures micro-F1: per article {s['measures_micro_f1_per_article']:.3f} "
        f"(precision {s['measures_precision_per_article']:.3f}, recall {s['measures_recall_per_article']:.3f}); "
        f"per jurisdiction {s['measures_micro_f1_per_jurisdiction']:.3f}",
    ])


def _leading_title(text: str) -> str:
    """A short first paragraph without a full stop reads as the headline (tag joins titles that way)."""
    first = text.split("\n\n", 1)[0].strip()
    return first if first and len(first.split()) <= 25 and "\n" not in first and not first.endswith(".") else ""


def train_jurisdictions(records: Sequence[dict[str, Any]], nlp: Language, *, batch_size: int = 16,
                        random_state: int = 0) -> JurisdictionModel:
    """Run the entity pipeline over labelled records and fit a :class:`JurisdictionModel` on them.

    Examples
    --------
    >>> model = train_jurisdictions(read_jsonl("data/corpus/train.jsonl"), minenlp.load())  # doctest: +SKIP
    """
    gaz = _pipeline_gazetteer(nlp)
    predicted = entities_of(records, nlp, batch_size=batch_size)
    return fit_jurisdiction_model(records, predicted, gaz, random_state=random_state)


def evaluate_jurisdictions(model: JurisdictionModel, records: Sequence[dict[str, Any]], nlp: Language, *,
                           batch_size: int = 16) -> dict[str, Any]:
    """Score a jurisdictions model on labelled records (entities found by ``nlp``)."""
    gaz = _pipeline_gazetteer(nlp)
    predicted = entities_of(records, nlp, batch_size=batch_size)
    results = analyze_jurisdictions_batch(model, [(r["text"], ents, r.get("title", "")) for r, ents in zip(records, predicted)], gaz)
    return score_jurisdictions(records, results)


def entities_of(records: Sequence[dict[str, Any]], nlp: Language, *, batch_size: int = 16) -> list[list[dict[str, Any]]]:
    """Tag-output entity dicts for each record's text (stance and jurisdiction components skipped)."""
    from .entities import span_to_entity

    skip = [n for n in nlp.pipe_names if n in ("minenlp_stance", "minenlp_jurisdictions")]
    with nlp.select_pipes(disable=skip):
        return [[span_to_entity(s).to_dict() for s in doc.ents]
                for doc in nlp.pipe((r["text"] for r in records), batch_size=batch_size)]


def _pipeline_gazetteer(nlp: Language):
    from .gazetteer import Gazetteer

    return nlp.get_pipe("minenlp_gazetteer").gazetteer if "minenlp_gazetteer" in nlp.pipe_names else Gazetteer.from_dir()


def jurisdictions_card(name: str, meta: dict[str, Any]) -> str:
    """The model card of a jurisdictions model folder."""
    dev = meta.get("metrics", {}).get("dev")
    lines = [f"# {name}: who does what where", "",
             "For each place whose authorities act or announce something in an article (an agency's action counts "
             "for its region), a stance with a score and evidence sentences, and the regulatory measures per article "
             "and per place (ban, shutdown_order, inspection, power_cutoff, tariff_or_tax, licensing, moratorium, "
             "seizure_or_fine, incentive, state_mining, legalisation; defined in data/ANNOTATION.md).", "",
             "## Model", "",
             "- candidates: every REGION the article names and the region of every AGENCY it names (gazetteer codes);",
             "- acts: a random forest over place features (mentions, agencies, lead and title, sentences with regulatory "
             "verbs, level) stacked with a masked-context text model and two article-level signals (does any authority "
             "act; the article's stance), all out-of-fold while training; threshold chosen by cross-validated F1 "
             f"({meta.get('acts_threshold')});",
             "- stance: `StanceClassifier` over the place's own sentences after the article's title and opening;",
             f"- measures: one-vs-rest logistic regressions over TF-IDF, threshold {meta.get('measures_threshold')} "
             "chosen by cross-validated micro-F1; a place's measures are those its own sentences support among the "
             "article's.", "",
             "## Data", "",
             f"Trained on `{meta['training_data']['source']}` ({meta['training_data']['examples']} articles, "
             f"sha256 {meta['training_data']['sha256'][:16]}...), entities as the pipeline finds them.", ""]
    if dev:
        p = dev["places"]
        lines += ["## Metrics on dev", "", f"On `{meta.get('dev_source')}`:", "",
                  "| figure | value |", "| --- | --- |",
                  f"| places given a stance: precision | {p['precision']:.3f} |",
                  f"| places given a stance: recall | {p['recall']:.3f} |",
                  f"| per-jurisdiction stance accuracy (annotated places found) | {dev['stance_accuracy']:.3f} |",
                  f"| per-jurisdiction stance accuracy (missed places count as wrong) | {dev['stance_accuracy_strict']:.3f} |",
                  f"| measures micro-F1 per article | {dev['measures_micro_f1_per_article']:.3f} |",
                  f"| measures micro-F1 per jurisdiction | {dev['measures_micro_f1_per_jurisdiction']:.3f} |", ""]
    lines += ["## Limits", "",
              "- A place the entity pipeline does not find, or cannot normalise, cannot get a stance.",
              "- Background actions (\"China banned mining in 2021\" in a piece about Texas) are the commonest false "
              "positives; places that act only through an unnamed \"government\" are the commonest misses.", "",
              f"Rebuild: `minenlp train-jurisdictions data/corpus/train.jsonl --dev data/corpus/dev.jsonl -o models/{DEFAULT_JURISDICTIONS}`", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The spaCy component

if not Doc.has_extension("jurisdictions"):
    Doc.set_extension("jurisdictions", default=None)
if not Doc.has_extension("measures"):
    Doc.set_extension("measures", default=None)


class JurisdictionComponent(ModelFolderComponent):
    """Sets ``doc._.jurisdictions`` and ``doc._.measures`` from a jurisdictions model folder."""

    default_name = DEFAULT_JURISDICTIONS

    def __init__(self, nlp: Language, name: str, *, model_dir: str = "",
                 gazetteer_component: str = "minenlp_gazetteer") -> None:
        from .gazetteer import Gazetteer

        super().__init__(name, model_dir)
        self._ruler = nlp.get_pipe(gazetteer_component) if gazetteer_component in nlp.pipe_names else None
        self._own = None if self._ruler is not None else Gazetteer.from_dir()

    @property
    def gazetteer(self):
        return self._ruler.gazetteer if self._ruler is not None else self._own

    def _apply(self, docs: list[Doc]) -> list[Doc]:
        from .entities import span_to_entity

        items = [(d.text, [span_to_entity(s).to_dict() for s in d.ents], _leading_title(d.text)) for d in docs]
        for doc, res in zip(docs, analyze_jurisdictions_batch(self.bundle.model, items, self.gazetteer)):
            doc._.jurisdictions = res["jurisdictions"]
            doc._.measures = res["measures"]
        return docs


@Language.factory(
    "minenlp_jurisdictions",
    default_config={"model_dir": "", "gazetteer_component": "minenlp_gazetteer"},
    assigns=["doc._.jurisdictions", "doc._.measures"],
)
def make_jurisdictions(nlp: Language, name: str, model_dir: str, gazetteer_component: str) -> JurisdictionComponent:
    """Create the jurisdictions component (registered as ``minenlp_jurisdictions``)."""
    return JurisdictionComponent(nlp, name, model_dir=model_dir, gazetteer_component=gazetteer_component)


__all__ = ["analyze_jurisdictions", "analyze_jurisdictions_batch", "fit_jurisdiction_model", "score_jurisdictions", "JurisdictionModel",
           "MeasuresClassifier", "candidate_places"]
