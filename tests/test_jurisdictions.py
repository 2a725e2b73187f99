import csv
import json
from pathlib import Path

import pytest

from minenlp.artifacts import DEFAULT_JURISDICTIONS
from minenlp.cli import main
from minenlp.errors import InputError
from minenlp.gazetteer import Gazetteer
from minenlp.jurisdictions import candidate_places, score_jurisdictions
from minenlp.timeline import period_of, timeline

ROOT = Path(__file__).resolve().parent.parent


def test_agencies_count_for_their_region():
    gaz = Gazetteer.from_dir()
    ents = [
        {"text": "Sichuan", "label": "REGION", "start": 0, "end": 7, "canonical": "Sichuan Province", "country": "CN",
         "code": "CN-SC", "level": "first_level"},
        {"text": "NDRC", "label": "AGENCY", "start": 20, "end": 24, "canonical": "National Development and Reform Commission",
         "country": "CN", "code": "CN", "level": None},
        {"text": "ERCOT", "label": "AGENCY", "start": 30, "end": 35, "canonical": "Electric Reliability Council of Texas",
         "country": "US", "code": "US-TX", "level": None},
    ]
    places = candidate_places(ents, gaz)
    assert set(places) == {"Sichuan Province", "People's Republic of China", "Texas"}
    assert places["Texas"].agency_mentions == [(30, 35)] and places["Sichuan Province"].mentions == [(0, 7)]


def test_scores_count_places_stances_and_measures():
    gold = [{"jurisdiction_stances": {"A": "restrictive", "B": "supportive"},
             "jurisdiction_measures": {"A": ["ban"], "B": []}, "measures": ["ban", "incentive"]}]
    pred = [{"jurisdictions": [{"canonical": "A", "stance": "restrictive", "measures": ["ban"]},
                               {"canonical": "C", "stance": "neutral", "measures": []}], "measures": ["ban"]}]
    s = score_jurisdictions(gold, pred)
    assert s["places"]["precision"] == 0.5 and s["places"]["recall"] == 0.5
    assert s["stance_accuracy"] == 1.0 and s["stance_accuracy_strict"] == 0.5
    assert s["measures_micro_f1_per_article"] == pytest.approx(2 / 3)


def tagged_file(tmp_path):
    rows = [
        {"id": 1, "published": "2021-05-03", "error": None, "jurisdictions": [
            {"canonical": "Sichuan Province", "country": "CN", "code": "CN-SC", "stance": "restrictive", "score": 0.9,
             "measures": ["power_cutoff"]}]},
        {"id": 2, "published": "2021-05-20", "error": None, "jurisdictions": [
            {"canonical": "Sichuan Province", "country": "CN", "code": "CN-SC", "stance": "supportive", "score": 0.5,
             "measures": ["incentive"]},
            {"canonical": "=cmd|' /C calc'!A0", "country": "XX", "code": "", "stance": "neutral", "score": 0.7, "measures": []}]},
        {"id": 3, "published": None, "error": None, "jurisdictions": []},
        {"id": 4, "published": "2021-07-01", "error": "input line 4: empty", "jurisdictions": []},
    ]
    path = tmp_path / "tagged.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_timeline_per_jurisdiction_and_month(tmp_path):
    out = tmp_path / "timeline.csv"
    summary = timeline(tagged_file(tmp_path), out)
    rows = list(csv.DictReader(out.open()))
    sichuan = [r for r in rows if r["jurisdiction"] == "Sichuan Province"][0]
    assert sichuan["period"] == "2021-05" and sichuan["articles"] == "2"
    assert (sichuan["restrictive"], sichuan["supportive"], sichuan["neutral"]) == ("1", "1", "0")
    assert float(sichuan["net_stance"]) == pytest.approx((-0.9 + 0.5) / 2)
    assert sichuan["measures"] == "power_cutoff 1; incentive 1"
    # A place name a spreadsheet would run as a formula is escaped.
    assert any(r["jurisdiction"].startswith("'=cmd") for r in rows)
    assert summary.used == 2 and summary.undated == 1


def test_timeline_by_country_and_quarter(tmp_path):
    out = tmp_path / "t.csv"
    timeline(tagged_file(tmp_path), out, by="country", freq="quarter")
    rows = list(csv.DictReader(out.open()))
    assert {(r["period"], r["jurisdiction"], r["articles"]) for r in rows} >= {("2021-Q2", "CN", "2")}
    assert period_of("2021-11-30", "year") == "2021" and period_of("n/a", "month") is None


def test_timeline_needs_jurisdictions(tmp_path):
    path = tmp_path / "plain.jsonl"
    path.write_text(json.dumps({"id": 1, "published": "2021-01-01", "error": None, "entities": []}) + "\n")
    with pytest.raises(InputError, match="no 'jurisdictions' field"):
        timeline(path, tmp_path / "t.csv")
    assert main(["timeline", str(path), "-o", str(tmp_path / "t.csv")]) == 2


@pytest.mark.slow
def test_tag_gives_jurisdictions_and_the_model_card_figures_reproduce(tmp_path):
    meta = json.loads((ROOT / "models" / DEFAULT_JURISDICTIONS / "meta.json").read_text())
    out = tmp_path / "tagged.jsonl"
    assert main(["tag", str(ROOT / "data" / "samples" / "articles.jsonl"), "-o", str(out), "-q"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    with_places = [r for r in rows if r["jurisdictions"]]
    assert len(with_places) >= len(rows) // 2
    for r in with_places:
        for j in r["jurisdictions"]:
            assert j["stance"] in ("restrictive", "supportive", "neutral") and 0 <= j["score"] <= 1
            for ev in j["evidence"]:
                assert r["text"][ev["start"]:ev["end"]] == ev["text"]
    from minenlp import load
    from minenlp.artifacts import load_model_dir
    from minenlp.corpus import read_jsonl
    from minenlp.jurisdictions import evaluate_jurisdictions

    dev = read_jsonl(ROOT / "data" / "corpus" / "dev.jsonl")
    scores = evaluate_jurisdictions(load_model_dir(ROOT / "models" / DEFAULT_JURISDICTIONS).model, dev, load())
    assert scores["places"]["precision"] == pytest.approx(meta["metrics"]["dev"]["places"]["precision"], abs=0.01)
    assert scores["stance_accuracy"] >= 0.85 and scores["measures_micro_f1_per_article"] >= 0.75


def test_forest_positive_matches_scikit_learn():
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    from minenlp.jurisdictions import forest_positive

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    y = (X[:, 0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=50, min_samples_leaf=3, random_state=0).fit(X, y)
    new = rng.normal(size=(17, 6))
    assert np.array_equal(forest_positive(forest, new), forest.predict_proba(new)[:, 1])
