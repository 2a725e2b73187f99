import json
import pickle

import numpy as np
import pytest
import spacy
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as ec

from minenlp.artifacts import load_model_dir, save_model_dir
from minenlp.errors import ModelError
from minenlp.stance import StanceClassifier, evidence_for, lead_of, split_sentences
from minenlp.training import KeywordStance

RESTRICT = ["Province {} orders miners to shut down and cuts their power.", "Police in {} seize mining rigs and fine operators.",
            "{} bans cryptocurrency mining from next month.", "Regulators in {} halt new mining connections."]
SUPPORT = ["{} passes a law that legalises crypto mining and offers tax breaks.", "Officials in {} welcome miners with cheap power deals.",
           "{} lifts its moratorium and invites mining firms back.", "The {} government allocates surplus power to mining farms."]
NEUTRAL = ["Bitcoin hashrate in {} rose as prices climbed this week.", "A study in {} measures the energy use of mining.",
           "Shares of a miner listed in {} fell after earnings.", "Difficulty adjusted upward while miners in {} upgraded rigs."]
PLACES = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]


def toy_corpus():
    texts, labels = [], []
    for label, templates in (("restrictive", RESTRICT), ("supportive", SUPPORT), ("neutral", NEUTRAL)):
        for t in templates:
            for p in PLACES:
                texts.append(t.format(p))
                labels.append(label)
    return texts, labels


# sklearn's parametrize_with_checks skips text estimators wholesale (they need 2-d numeric X), so
# the rules that do not depend on X's type are run one by one, plus the ones that need texts.
@pytest.mark.parametrize("estimator", [StanceClassifier(calibration_folds=2), KeywordStance()], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", [ec.check_no_attributes_set_in_init, ec.check_parameters_default_constructible,
                                   ec.check_get_params_invariance, ec.check_set_params])
def test_sklearn_estimator_rules(estimator, check):
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", [StanceClassifier(calibration_folds=2), KeywordStance()], ids=lambda e: type(e).__name__)
def test_fit_returns_self_and_learns_only_underscored_attributes(estimator):
    texts, labels = toy_corpus()
    est = clone(estimator)
    with pytest.raises((NotFittedError, AttributeError)):
        est.predict(texts[:2])
    before = set(vars(est))
    assert est.fit(texts, labels) is est
    learned = set(vars(est)) - before
    assert learned and all(a.endswith("_") for a in learned)
    assert list(est.classes_) == ["neutral", "restrictive", "supportive"]
    assert est.get_params() == clone(est).get_params()


def test_fit_predict_and_calibrated_probabilities():
    texts, labels = toy_corpus()
    clf = StanceClassifier(random_state=0).fit(texts, labels)
    assert list(clf.classes_) == ["neutral", "restrictive", "supportive"]
    proba = clf.predict_proba(["Zeta bans crypto mining and cuts power to miners."])
    assert proba.shape == (1, 3) and np.isclose(proba.sum(), 1.0)
    assert clf.predict(["Zeta bans crypto mining and cuts power to miners."])[0] == "restrictive"
    assert clf.temperature_ > 0


def test_fit_refuses_one_class_and_non_texts():
    with pytest.raises(ValueError, match="only one class"):
        StanceClassifier().fit(["a b c", "d e f"], ["x", "x"])
    with pytest.raises(ValueError, match="not a text"):
        StanceClassifier().fit(["a b c", 3], ["x", "y"])


def test_evidence_sentences_have_true_offsets():
    texts, labels = toy_corpus()
    clf = StanceClassifier(random_state=0).fit(texts, labels)
    text = "Miners met on Monday.\n\nZeta bans crypto mining and cuts power to miners. Prices were flat."
    ev = evidence_for(clf, text, "restrictive")
    assert 1 <= len(ev) <= 3
    assert all(text[e.start:e.end] == e.text for e in ev)
    assert any("bans" in e.text for e in ev)


def test_lead_skips_page_furniture_and_sentences_split():
    text = "Kosovo bans mining\n\nBy A. Writer\n\nPhoto: file\n\nKosovo banned crypto mining on Tuesday. Police seized rigs."
    assert lead_of(text, words=8) == "Kosovo bans mining Kosovo banned crypto mining on"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans][-2:] == ["Kosovo banned crypto mining on Tuesday.", "Police seized rigs."]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    texts, labels = toy_corpus()
    clf = StanceClassifier(random_state=0).fit(texts, labels)
    return save_model_dir(clf, tmp_path_factory.mktemp("m") / "toy-v1", meta={"labels": list(clf.classes_)})


def test_model_folder_describes_itself(model_dir):
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["labels"] == ["neutral", "restrictive", "supportive"]
    assert len(meta["model_sha256"]) == 64 and "scikit-learn" in meta["versions"]
    assert load_model_dir(model_dir).model.predict(["Zeta bans mining."])[0] == "restrictive"


def test_tampered_model_is_refused(model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in model_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    with (bad / "model.joblib").open("ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ModelError, match="does not match the sha256"):
        load_model_dir(bad)


def test_other_sklearn_version_is_refused(model_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    for f in model_dir.iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    meta = json.loads((other / "meta.json").read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    (other / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="scikit-learn 0.0.1"):
        load_model_dir(other)


def test_stance_component_round_trip_and_pickle(model_dir, tmp_path):
    import minenlp

    nlp = minenlp.load(model_dir, base=None)
    text = "Zeta bans crypto mining and cuts power to miners."
    doc = nlp(text)
    assert doc._.stance == "restrictive" and set(doc.cats) == {"neutral", "restrictive", "supportive"}
    ev = doc._.evidence[0]
    assert text[ev["start"]:ev["end"]] == ev["text"]
    nlp.to_disk(tmp_path / "pipe")
    again = spacy.load(tmp_path / "pipe")
    assert again(text).cats == pytest.approx(doc.cats)
    clone = pickle.loads(pickle.dumps(nlp))
    assert clone(text)._.stance == "restrictive"
