from pathlib import Path

import pytest
import spacy

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def blank_nlp():
    """The gazetteer-only pipeline on spacy.blank("en"): fast, no statistical model."""
    import minenlp

    return minenlp.load(base=None)


@pytest.fixture(scope="session")
def full_nlp():
    import minenlp

    return minenlp.load()
