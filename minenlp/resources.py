"""Where the shipped data lives: inside an installed package, or at the top of a source checkout."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _resolve(package: str, repo_relative: str) -> Path:
    try:
        found = resources.files(package)
        path = Path(str(found))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return _REPO_ROOT / repo_relative


def gazetteer_dir() -> Path:
    """The folder of gazetteer TSV files (``data/gazetteer`` in a checkout)."""
    return _resolve("minenlp.resources.gazetteer", "data/gazetteer")


def models_dir() -> Path:
    """The folder of shipped models (``models`` in a checkout)."""
    return _resolve("minenlp.resources.models", "models")
