"""The shipped models load, match their manifests, and meet the figures their cards state."""
import json
from pathlib import Path

import pytest

from minenlp.artifacts import DEFAULT_STANCE, load_model_dir, sha256_of
from minenlp.corpus import iter_texts, read_jsonl
from minenlp.training import evaluate_stance, train_stance

ROOT = Path(__file__).resolve().parent.parent
STANCE = ROOT / "models" / DEFAULT_STANCE


def test_stance_v1_describes_itself():
    meta = json.loads((STANCE / "meta.json").read_text())
    assert meta["labels"] == ["neutral", "restrictive", "supportive"]
    assert meta["model_sha256"] == sha256_of(STANCE / "model.joblib")
    assert (STANCE / "README.md").is_file() and (STANCE / "reliability.png").is_file()
    train = read_jsonl(ROOT / "data" / "corpus" / "train.jsonl")
    from minenlp.training import data_hash

    assert meta["training_data"]["sha256"] == data_hash(list(iter_texts(train)), [r["stance"] for r in train])


@pytest.mark.slow
def test_stance_v1_meets_its_targets_on_dev():
    model = load_model_dir(STANCE).model
    dev = read_jsonl(ROOT / "data" / "corpus" / "dev.jsonl")
    scores = evaluate_stance(model, list(iter_texts(dev)), [r["stance"] for r in dev])
    assert scores["macro_f1"] >= 0.90
    assert all(s["f1"] >= 0.85 for s in scores["per_label"].values())
    assert scores["ece"] <= 0.05


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_dev_score():
    meta = json.loads((STANCE / "meta.json").read_text())
    train = read_jsonl(ROOT / "data" / "corpus" / "train.jsonl")
    dev = read_jsonl(ROOT / "data" / "corpus" / "dev.jsonl")
    model = train_stance(list(iter_texts(train)), [r["stance"] for r in train], folds=2).model
    scores = evaluate_stance(model, list(iter_texts(dev)), [r["stance"] for r in dev])
    assert abs(scores["macro_f1"] - meta["metrics"]["dev"]["macro_f1"]) <= 0.01
