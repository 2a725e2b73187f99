import json

import pytest

from minenlp.batch import tag_file
from minenlp.errors import InputError


def test_every_line_comes_back_in_order_with_errors_named(tmp_path, fixtures, blank_nlp):
    out = tmp_path / "out.jsonl"
    summary = tag_file(fixtures / "tag_input.jsonl", out, nlp=blank_nlp)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    # 7 non-blank input lines -> 7 records, same order; the blank line is skipped.
    assert len(rows) == summary.records == 7
    assert [r.get("id") for r in rows] == ["a1", "a2", None, "a4", "a5", None, "a8"]
    assert rows[0]["error"] is None and rows[6]["error"] is None
    assert {e["text"] for e in rows[0]["entities"]} >= {"People's Bank of China", "Sichuan Province"}
    assert "line 2" in rows[1]["error"] and "empty" in rows[1]["error"]
    assert "line 3" in rows[2]["error"] and "not valid JSON" in rows[2]["error"] and rows[2]["raw"] == "this is not json"
    assert "no 'text' field" in rows[3]["error"] and rows[3]["body"] == "no text field here"
    assert "int, not a string" in rows[4]["error"]
    assert "line 7" in rows[5]["error"] and "expected a JSON object" in rows[5]["error"]
    assert summary.errors == 5
    for r in rows:
        assert set(r) >= {"stance", "stance_scores", "entities", "error"}
        for e in r["entities"]:
            assert r["text"][e["start"]:e["end"]] == e["text"]


def test_output_may_not_overwrite_input(tmp_path, blank_nlp):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n')
    with pytest.raises(InputError, match="is the input"):
        tag_file(src, src, nlp=blank_nlp)


def test_title_is_joined_before_the_text(tmp_path, blank_nlp):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "headline": "Kosovo bans mining", "text": "The ban starts now."}) + "\n")
    out = tmp_path / "out.jsonl"
    tag_file(src, out, nlp=blank_nlp, title_col="headline")
    row = json.loads(out.read_text())
    # Entities in the title keep offsets into the title; the rest index the text field.
    assert [(e["text"], e["field"]) for e in row["entities"]] == [("Kosovo", "title")]
    assert row["headline"][row["entities"][0]["start"]:row["entities"][0]["end"]] == "Kosovo"
    src.write_text(json.dumps({"id": 2, "headline": "A ban", "text": "Kosovo banned mining."}) + "\n")
    tag_file(src, out, nlp=blank_nlp, title_col="headline")
    row = json.loads(out.read_text())
    (e,) = row["entities"]
    assert e["field"] == "text" and row["text"][e["start"]:e["end"]] == "Kosovo"
