from pathlib import Path

import pytest

from minenlp.corpus import draft_to_record, parse_markup, read_drafts, read_jsonl, validate_records
from minenlp.errors import InputError
from minenlp.gazetteer import Gazetteer

DATA = Path(__file__).resolve().parent.parent / "data" / "corpus"


def test_parse_markup_offsets():
    text, spans = parse_markup("[[China|REGION]]'s [[NDRC|AGENCY]] met [[Li Wei|PERSON]].")
    assert text == "China's NDRC met Li Wei."
    assert [(text[s["start"]:s["end"]], s["label"]) for s in spans] == [("China", "REGION"), ("NDRC", "AGENCY"), ("Li Wei", "PERSON")]


def test_parse_markup_rejects_unknown_labels():
    with pytest.raises(InputError, match="unbalanced or unknown"):
        parse_markup("[[Bitmain|ORG]] shipped rigs.")


def test_draft_conversion_marks_every_mention_and_links_surnames(fixtures):
    (draft,) = read_drafts(fixtures / "drafts.txt")
    rec = draft_to_record(draft, gazetteer=Gazetteer.from_dir())
    assert validate_records([rec]) == []
    surfaces = [(e["text"], e["label"]) for e in rec["entities"]]
    # "Sichuan" is marked once in the draft and repeated unmarked; both mentions count.
    assert surfaces.count(("Sichuan", "REGION")) == 2
    li = [e for e in rec["entities"] if e["text"] == "Li"][0]
    assert (li["kind"], li["role"]) == ("official", "spokesman for the Sichuan Energy Bureau")
    assert rec["jurisdiction_stances"] == {"Sichuan Province": "restrictive"}
    assert rec["jurisdiction_measures"] == {"Sichuan Province": ["power_cutoff"]}


def test_validator_names_record_and_problem():
    bad = {"id": "x1", "title": "t", "text": "The NDRC met.", "published": "2021-13", "genre": "tweet",
           "stance": "hostile", "jurisdiction_stances": {}, "entities": [
               {"start": 0, "end": 8, "label": "AGENCY", "text": "The NDRC"},
               {"start": 4, "end": 8, "label": "ORG"}]}
    problems = validate_records([bad], name="t.jsonl")
    joined = "\n".join(problems)
    for needle in ["stance 'hostile'", "genre 'tweet'", "not YYYY-MM-DD", "leading 'the'", "label 'ORG'", "overlaps"]:
        assert needle in joined
    assert all(p.startswith("t.jsonl record 1 (id x1)") for p in problems)


@pytest.mark.parametrize("name", ["dev.jsonl", "train.jsonl"])
def test_shipped_corpora_validate(name):
    records = read_jsonl(DATA / name)
    assert validate_records(records, name=name) == []


def test_dev_and_train_do_not_overlap():
    dev = read_jsonl(DATA / "dev.jsonl")
    train = read_jsonl(DATA / "train.jsonl")
    assert not {r["id"] for r in dev} & {r["id"] for r in train}
    assert not {r["text"] for r in dev} & {r["text"] for r in train}
