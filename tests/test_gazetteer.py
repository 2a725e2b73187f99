import pickle

import spacy

from minenlp.gazetteer import Gazetteer


def test_acronym_and_full_name_resolve_to_one_record():
    gaz = Gazetteer.from_dir()
    for a, b in [("NDRC", "National Development and Reform Commission"), ("PBoC", "People's Bank of China"),
                 ("ERCOT", "Electric Reliability Council of Texas"), ("Ande", "Administración Nacional de Electricidad"),
                 ("KOSTT", "Kosovo Transmission System and Market Operator"), ("NYDEC", "Department of Environmental Conservation")]:
        assert gaz.lookup(a, "AGENCY") == gaz.lookup(b, "AGENCY"), (a, b)
        assert gaz.lookup(a, "AGENCY") is not None


def test_gazetteer_coverage_meets_the_foundation_floor():
    gaz = Gazetteer.from_dir()
    agencies = [e for e in gaz.entries if e.label == "AGENCY"]
    assert len(agencies) >= 300
    assert len({e.country for e in agencies}) >= 40
    regions = [e for e in gaz.entries if e.label == "REGION"]
    countries = [e for e in regions if e.level == "country"]
    assert len(countries) >= 245
    # ISO 3166-2:CN also lists CN-TW; Taiwan is its own ISO 3166-1 entry (TW) here.
    for cc, n in {"CN": 33, "US": 50, "CA": 13, "KZ": 17, "RU": 83, "IR": 31, "PK": 7, "NO": 11, "SE": 21}.items():
        firsts = [e for e in regions if e.country == cc and e.level == "first_level" and e.code]
        assert len(firsts) >= n, cc


def test_short_forms_and_divisions_normalise():
    gaz = Gazetteer.from_dir()
    assert gaz.lookup("U.S.", "REGION").code == "US"
    assert gaz.lookup("UAE", "REGION").code == "AE"
    sichuan = gaz.lookup("Sichuan province", "REGION")
    assert (sichuan.canonical, sichuan.country, sichuan.code) == ("Sichuan Province", "CN", "CN-SC")
    assert gaz.lookup("Kangding", "REGION").country == "CN"
    assert gaz.lookup("Ganzi", "REGION") == gaz.lookup("Garze Tibetan Autonomous Prefecture", "REGION")


def test_ambiguous_alias_follows_context():
    gaz = Gazetteer.from_dir()
    assert gaz.lookup("Georgia", "REGION", context={"US"}).code == "US-GA"
    assert gaz.lookup("Georgia", "REGION", context={"RU"}).code == "GE"


def test_ruler_marks_longest_names(blank_nlp):
    doc = blank_nlp("The Department of Industry and Information Technology of Inner Mongolia Autonomous Region met.")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Department of Industry and Information Technology of Inner Mongolia Autonomous Region", "AGENCY")]


def test_place_inside_a_company_name_is_not_a_region(blank_nlp):
    doc = blank_nlp("The Texas Blockchain Council sued; Renmin University of China studied it. Texas agreed.")
    assert [(e.text, e.label_) for e in doc.ents] == [("Texas", "REGION")]


def test_ruler_round_trip_and_pickle(tmp_path, blank_nlp):
    text = "Hydro-Quebec and BC Hydro paused new mining connections in Quebec."
    expected = [(e.text, e.label_, e._.canonical) for e in blank_nlp(text).ents]
    blank_nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "minenlp_gazetteer" / "gazetteer.json").is_file()
    reloaded = spacy.load(tmp_path / "pipe")
    assert [(e.text, e.label_, e._.canonical) for e in reloaded(text).ents] == expected
    clone = pickle.loads(pickle.dumps(blank_nlp))
    assert [(e.text, e.label_, e._.canonical) for e in clone(text).ents] == expected
