"""Are the corpus labels learnable? A plain TF-IDF + logistic regression, trained on
data/corpus/train.jsonl and scored on data/corpus/dev.jsonl (macro-F1; the floor is 0.80).

    python benchmarks/corpus_floor.py
"""
from __future__ import annotations

import json
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, f1_score
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in (ROOT / "data" / "corpus" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [f"{r['title']}\n\n{r['text']}" for r in rows], [r["stance"] for r in rows]


def main() -> None:
    x_train, y_train = load("train.jsonl")
    x_dev, y_dev = load("dev.jsonl")
    model = make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2), LogisticRegression(max_iter=2000))
    model.fit(x_train, y_train)
    pred = model.predict(x_dev)
    print(f"train {len(x_train)} articles, dev {len(x_dev)} articles")
    print(classification_report(y_dev, pred, digits=3))
    score = f1_score(y_dev, pred, average="macro")
    print(f"plain TF-IDF + logistic regression, dev macro-F1: {score:.3f} (floor 0.80: {'met' if score >= 0.80 else 'NOT met'})")


if __name__ == "__main__":
    main()
