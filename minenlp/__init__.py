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
from pathlib import Path
from typing import Any

from spacy.language import Language

from .about import __version__
from .errors import MinenlpError
from .pipeline import load

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
    from .batch import doc_result

    global _DEFAULT_NLP
    if not isinstance(text, str):
        raise MinenlpError(f"analyze() takes a string, not {type(text).__name__}")
    if nlp is None:
        if _DEFAULT_NLP is None:
            _DEFAULT_NLP = load()
        nlp = _DEFAULT_NLP
    result = doc_result(nlp(text))
    result.pop("error", None)
    return result


__all__ = ["load", "analyze", "__version__", "MinenlpError"]
