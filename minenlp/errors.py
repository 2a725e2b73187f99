"""Exception types raised by minenlp.

Every error says what went wrong and what the user can do about it.
"""
from __future__ import annotations


class MinenlpError(Exception):
    """Base class for every error minenlp raises on purpose."""


class BaseModelNotFound(MinenlpError):
    """The spaCy base pipeline asked for is not installed."""


class InputError(MinenlpError):
    """An input file, record or argument cannot be used."""


class RecordError(InputError):
    """One input record is malformed; the batch goes on without it.

    Parameters
    ----------
    where : str
        The record's location, e.g. ``"line 12"`` or ``"row 7"``.
    problem : str
        What is wrong with it.
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class CorpusValidationError(InputError):
    """A labelled corpus file breaks the schema or the annotation guide."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the corpus:\n  {shown}{more}")


class ModelError(MinenlpError):
    """A model folder is missing, incomplete, tampered with or incompatible."""
