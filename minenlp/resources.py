"""Where the shipped data lives: inside an installed package, or at the top of a source checkout.

setup.cfg maps ``data/gazetteer`` and ``models`` into the package as ``minenlp/_shipped/...`` so a
plain install carries them; a source checkout reads them where they are.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE.parent


def _resolve(shipped: str, repo_relative: str) -> Path:
    installed = _PACKAGE / "_shipped" / shipped
    return installed if installed.is_dir() else _REPO_ROOT / repo_relative


def gazetteer_dir() -> Path:
    """The folder of gazetteer TSV files (``data/gazetteer`` in a checkout)."""
    return _resolve("gazetteer", "data/gazetteer")


def models_dir() -> Path:
    """The folder of shipped models (``models`` in a checkout)."""
    return _resolve("models", "models")
