import json

import pandas as pd
import pytest

from minenlp.cli import main
from tests.test_stance import PLACES

BANS = ["{} bans mining outright.", "{} outlaws crypto mining farms.", "A ban on mining takes effect in {}.",
        "{} prohibits new mining rigs.", "Mining is now banned across {}."]
ALLOWS = ["{} allows mining under a new licence.", "{} permits miners to connect to the grid.",
          "Mining is allowed again in {}.", "{} grants mining permits to firms.", "{} lets miners operate legally."]


def user_file(tmp_path, fmt="csv"):
    rows = [{"body": t.format(p), "verdict": lab} for lab, ts in (("ban", BANS), ("allow", ALLOWS)) for t in ts for p in PLACES]
    df = pd.DataFrame(rows)
    path = tmp_path / f"labels.{fmt}"
    {"csv": lambda: df.to_csv(path, index=False), "parquet": lambda: df.to_parquet(path),
     "jsonl": lambda: df.to_json(path, orient="records", lines=True)}[fmt]()
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_retrain_with_a_new_label_set_then_tag(tmp_path, fmt, capsys):
    path = user_file(tmp_path, fmt)
    out = tmp_path / "mine-v1"
    assert main(["train", str(path), "--text-col", "body", "--label-col", "verdict", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cross-validated macro-F1" in printed and "labels: allow, ban" in printed
    meta = json.loads((out / "meta.json").read_text())
    assert meta["labels"] == ["allow", "ban"] and (out / "README.md").is_file()
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "Omega bans mining outright."}) + "\n")
    tagged = tmp_path / "tagged.jsonl"
    assert main(["tag", str(src), "-o", str(tagged), "--model", str(out), "--base", "none", "-q"]) == 0
    row = json.loads(tagged.read_text())
    assert row["stance"] == "ban" and set(row["stance_scores"]) == {"allow", "ban"}
    assert main(["evaluate", str(path), "--model", str(out), "--text-col", "body", "--label-col", "verdict"]) == 0
    assert "macro-F1" in capsys.readouterr().out
    assert main(["suggest", str(path), "-n", "3", "--model", str(out), "--text-col", "body"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


@pytest.mark.parametrize("rows,message", [
    ([{"body": "x y z", "verdict": "ban"}] * 12, "every row has the label 'ban'"),
    ([{"body": "x y z", "verdict": "ban"}] * 12 + [{"body": "a b c", "verdict": "allow"}] * 2, "too few examples for 'allow' (2)"),
    ([{"body": "", "verdict": "ban"}] + [{"body": "x y", "verdict": "ban"}] * 6 + [{"body": "a b", "verdict": "allow"}] * 6, "row 1: empty or missing 'body'"),
])
def test_train_refuses_what_it_cannot_use(tmp_path, rows, message, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert main(["train", str(path), "--text-col", "body", "--label-col", "verdict", "-o", str(tmp_path / "m")]) == 2
    assert message in capsys.readouterr().err


def test_train_names_a_missing_column(tmp_path, capsys):
    path = user_file(tmp_path)
    assert main(["train", str(path), "-o", str(tmp_path / "m")]) == 2
    assert "has no column 'text'" in capsys.readouterr().err
