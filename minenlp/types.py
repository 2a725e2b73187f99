"""Types shared across minenlp: labels and the plain, JSON-ready records it produces."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REGION = "REGION"
AGENCY = "AGENCY"
PERSON = "PERSON"
ENTITY_LABELS: tuple[str, ...] = (REGION, AGENCY, PERSON)

STANCE_LABELS: tuple[str, ...] = ("restrictive", "supportive", "neutral")
PERSON_KINDS: tuple[str, ...] = ("official", "expert", "executive", "journalist", "other")
REGION_LEVELS: tuple[str, ...] = ("country", "first_level", "second_level", "city", "county", "area")
MEASURES: tuple[str, ...] = (
    "ban", "shutdown_order", "inspection", "power_cutoff", "tariff_or_tax", "licensing",
    "moratorium", "seizure_or_fine", "incentive", "state_mining", "legalisation",
)
GENRES: tuple[str, ...] = (
    "wire", "regional", "state_media", "trade_press", "press_release", "op_ed", "explainer",
    "market_news", "court_police", "blog",
)


@dataclass
class Entity:
    """One entity mention, as it appears in tag output.

    ``start`` and ``end`` are character offsets into the text, so ``text[start:end] == self.text``.
    """

    text: str
    label: str
    start: int
    end: int
    canonical: str | None = None
    country: str | None = None
    level: str | None = None
    code: str | None = None
    kind: str | None = None
    role: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Evidence:
    """A sentence that moved the stance decision, with its offsets and signed weight."""

    text: str
    start: int
    end: int
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Analysis:
    """Everything minenlp says about one article (JSON-ready through :meth:`to_dict`)."""

    entities: list[Entity] = field(default_factory=list)
    stance: str | None = None
    stance_scores: dict[str, float] | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stance": self.stance,
            "stance_scores": self.stance_scores,
            "evidence": [e.to_dict() for e in self.evidence],
            "entities": [e.to_dict() for e in self.entities],
        }
