import pytest

from minenlp.entities import is_authority_name


@pytest.mark.parametrize("name,expected", [
    ("Ministry of Energy of Kazakhstan", True), ("Tianjin Public Security Bureau", True),
    ("Bank of Russia", True), ("Texas Blockchain Council", False), ("Riot Platforms", False),
    ("Renmin University", False), ("Bitcoin Mining Council", False),
])
def test_authority_names(name, expected):
    assert is_authority_name(name) is expected


def test_possessive_place_is_split_from_the_authority(blank_nlp):
    doc = blank_nlp("Kazakhstan's Ministry of Energy raised tariffs.")
    got = [(e.text, e.label_, e._.country) for e in doc.ents]
    assert got == [("Kazakhstan", "REGION", "KZ"), ("Ministry of Energy", "AGENCY", "KZ")]
    assert doc.ents[1]._.canonical == "Ministry of Energy of the Republic of Kazakhstan"


def test_spans_drop_the_and_possessive(blank_nlp):
    doc = blank_nlp("the State Council's order reached China's miners.")
    assert [e.text for e in doc.ents] == ["State Council", "China"]


def test_person_role_and_kind_from_title_and_surname(blank_nlp):
    doc = blank_nlp("Texas Governor Greg Abbott welcomed miners. Abbott said the grid would cope.")
    people = [(e.text, e._.kind, e._.role) for e in doc.ents if e.label_ == "PERSON"]
    assert people == [("Greg Abbott", "official", "Texas Governor"), ("Abbott", "official", "Texas Governor")]


def test_appositive_role_makes_an_expert(blank_nlp):
    doc = blank_nlp("Alex de Vries, a researcher at the Vrije Universiteit Amsterdam, disagreed.")
    (person,) = [e for e in doc.ents if e.label_ == "PERSON"]
    assert person._.kind == "expert"
    assert person._.role == "a researcher at the Vrije Universiteit Amsterdam"


def test_region_normalisation_fields(blank_nlp):
    doc = blank_nlp("Miners left Inner Mongolia for Ekibastuz.")
    got = {e.text: (e._.canonical, e._.country, e._.level, e._.code) for e in doc.ents}
    assert got["Inner Mongolia"] == ("Inner Mongolia Autonomous Region", "CN", "first_level", "CN-NM")
    assert got["Ekibastuz"][1] == "KZ"


@pytest.mark.slow
def test_statistical_pipeline_on_the_hard_constructs(full_nlp, fixtures):
    text = (fixtures / "inspection.txt").read_text()
    doc = full_nlp(text)
    ents = {(e.text, e.label_) for e in doc.ents}
    for expected in [
        ("Garze Tibetan Autonomous Prefecture", "REGION"), ("Kangding", "REGION"), ("Southwest China", "REGION"),
        ("Sichuan Province", "REGION"), ("North China", "REGION"), ("Inner Mongolia Autonomous Region", "REGION"),
        ("Department of Industry and Information Technology of Inner Mongolia Autonomous Region", "AGENCY"),
        ("NDRC", "AGENCY"), ("National Development and Reform Commission", "AGENCY"),
        ("Xie Jun", "PERSON"), ("Li Ming", "PERSON"), ("Greg Abbott", "PERSON"), ("Kazakhstan", "REGION"),
    ]:
        assert expected in ents, expected
    people = {e.text: (e._.kind, e._.role) for e in doc.ents if e.label_ == "PERSON"}
    assert people["Xie Jun"] == ("journalist", None)
    assert people["Li Ming"] == ("expert", "an analyst at a Shanghai consultancy")
    assert people["Greg Abbott"] == ("official", "Texas Governor")
    regions = {e.text: e._.country for e in doc.ents if e.label_ == "REGION"}
    assert regions["Kangding"] == regions["Inner Mongolia Autonomous Region"] == regions["Sichuan Province"] == "CN"
    for e in doc.ents:
        assert text[e.start_char:e.end_char] == e.text


@pytest.mark.slow
def test_bill_numbers_and_law_titles_are_not_places(full_nlp):
    doc = full_nlp("Montana's SB 178 protects home miners, and Kentucky's HB 230 cut their taxes. "
                   "Governor Sarah Huckabee Sanders signed the Arkansas Data Centers Act of 2023 in Little Rock.")
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("Montana", "REGION") in ents and ("Little Rock", "REGION") in ents
    assert not {text for text, _ in ents} & {"SB 178", "HB 230", "Arkansas", "Arkansas Data Centers Act"}
