"""minenlp: regions, agencies, people and the regulatory stance toward crypto mining in news.

Examples
--------
>>> import minenlp
>>> nlp = minenlp.load(base=None)            # gazetteer only: fast, no statistical NER
>>> [e.text for e in nlp("Sichuan Province cut power to miners.").ents]
['Sichuan Province']
"""
from __future__ import annotations

import logging
from typing import Any

from spacy.language import Language

from .about import __version__
from .errors import MinenlpError
from .pipeline import load
from .batch import tag_dataframe

logging.getLogger("minenlp").addHandler(logging.NullHandler())

_DEFAULT_NLP: Language | None = None


def analyze(text: str, *, nlp: Language | None = None) -> dict[str, Any]:
    """Everything minenlp finds in one article, as a plain JSON-ready dict.

    Parameters
    ----------
    text : str
        The article.
    nlp : Language, optional
        A pipeline from :func:`load`; the default pipeline is loaded once and reused.

    Returns
    -------
    dict
        ``stance``, ``stance_scores``, ``evidence`` and ``entities`` (each with text, label,
        start, end, canonical, country, level, code, kind, role).

    Examples
    --------
    >>> result = analyze("Kazakhstan's Ministry of Energy cut power to miners.")  # doctest: +SKIP
    >>> [e["label"] for e in result["entities"]]  # doctest: +SKIP
    ['AGENCY']
    """
    from .batch import tag_texts

    if not isinstance(text, str):
        raise MinenlpError(f"analyze() takes a string, not {type(text).__name__}")
    nlp = nlp if nlp is not None else _default_nlp()
    result = tag_texts(nlp, [text])[0]
    result.pop("error", None)
    return result


def _default_nlp() -> Language:
    """The default pipeline, loaded once per process."""
    global _DEFAULT_NLP
    if _DEFAULT_NLP is None:
        _DEFAULT_NLP = load()
    return _DEFAULT_NLP


__all__ = ["load", "analyze", "tag_dataframe", "__version__", "MinenlpError"]
