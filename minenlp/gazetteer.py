"""Gazetteer of regions and public authorities, and the spaCy ruler that marks them.

The gazetteer is read from TSV files (``data/gazetteer/*.tsv``): one row per entity with its
canonical name, every alias and acronym, its country and, for regions, level and ISO 3166-2 code.
An alias and its full name resolve to the same canonical record.
"""
from __future__ import annotations

import csv
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .errors import MinenlpError
from .resources import gazetteer_dir
from .types import AGENCY, PERSON, REGION

logger = logging.getLogger("minenlp")

_REGION_FILES = ("countries.tsv", "divisions_cn.tsv", "divisions_us_ca.tsv", "divisions_world.tsv")
_AGENCY_FILES = ("agencies.tsv",)
_ORG_FILES = ("organisations.tsv",)
_PEOPLE_FILES = ("people.tsv",)
# Organisations that are not entities under the guide; matched only so nothing else claims them.
ORG = "MINENLP_ORG"


@dataclass(frozen=True)
class GazetteerEntry:
    """One region or agency: its canonical name and what we know about it."""

    label: str
    canonical: str
    country: str | None
    level: str | None = None
    code: str | None = None
    parent: str | None = None
    jurisdiction: str | None = None
    region: str | None = None
    kind: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.label}:{self.canonical}"


def _read_tsv(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        lines = (ln for ln in fh if ln.strip() and not ln.startswith("#"))
        yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


class Gazetteer:
    """Canonical records and an alias index over them.

    Parameters
    ----------
    entries : iterable of GazetteerEntry
        The records. Aliases are matched case-sensitively, as written.

    Examples
    --------
    >>> gaz = Gazetteer.from_dir()
    >>> gaz.lookup("NDRC", "AGENCY").canonical
    'National Development and Reform Commission'
    """

    def __init__(self, entries: Iterable[GazetteerEntry]) -> None:
        self.entries: list[GazetteerEntry] = list(entries)
        self._by_alias: dict[tuple[str, str], list[GazetteerEntry]] = {}
        for entry in self.entries:
            for alias in {entry.canonical, *entry.aliases}:
                self._by_alias.setdefault((entry.label, alias), []).append(entry)
        self._by_code = {e.code: e for e in self.entries if e.code and e.label == REGION}

    @classmethod
    def from_dir(cls, path: str | Path | None = None) -> "Gazetteer":
        """Read every gazetteer TSV in ``path`` (default: the shipped gazetteer)."""
        folder = Path(path) if path is not None else gazetteer_dir()
        if not folder.is_dir():
            raise MinenlpError(f"Gazetteer folder {folder} does not exist; reinstall minenlp.")
        entries: list[GazetteerEntry] = []
        for name in _REGION_FILES:
            for row in _read_tsv(folder / name):
                entries.append(GazetteerEntry(
                    label=REGION, canonical=row["canonical"], country=row["country"] or None,
                    level=row["level"] or None, code=row["code"] or None,
                    parent=row["parent"] or None, aliases=_split(row["aliases"]),
                ))
        for name in _AGENCY_FILES:
            for row in _read_tsv(folder / name):
                entries.append(GazetteerEntry(
                    label=AGENCY, canonical=row["canonical"], country=row["country"] or None,
                    jurisdiction=row["jurisdiction"] or None, region=row.get("region") or None, kind=row["kind"] or None,
                    aliases=_split(row["aliases"]),
                ))
        for name in _ORG_FILES:
            for row in _read_tsv(folder / name):
                entries.append(GazetteerEntry(label=ORG, canonical=row["canonical"], country=None,
                                              kind=row["kind"] or None, aliases=_split(row["aliases"])))
        for name in _PEOPLE_FILES:
            for row in _read_tsv(folder / name):
                entries.append(GazetteerEntry(label=PERSON, canonical=row["name"], country=None,
                                              kind=row["kind"] or None, aliases=_split(row["aliases"])))
        return cls(entries)

    def aliases(self) -> Iterable[tuple[str, str]]:
        """Every (label, alias) pair the ruler should match.

        Possessive aliases ("Kazakhstan's Ministry of Energy") are left to look-ups: in text the
        guide marks the place and the authority apart.
        """
        return [k for k in self._by_alias if not self._possessive_of_place(k[1])]

    def _possessive_of_place(self, alias: str) -> bool:
        for mark in ("'s ", "’s "):
            if mark in alias and (REGION, alias.split(mark, 1)[0]) in self._by_alias:
                return True
        return False

    def candidates(self, text: str, label: str) -> list[GazetteerEntry]:
        """All records an alias can stand for (more than one when it is ambiguous)."""
        found = self._by_alias.get((label, text))
        if found is None and text.isupper() and label == REGION:
            found = self._by_upper().get(text)
        if found is None:
            # Surface forms in running text vary in ways aliases do not list.
            for variant in _variants(text):
                found = self._by_alias.get((label, variant))
                if found:
                    break
        return list(found or ())

    def lookup(self, text: str, label: str, *, context: Iterable[str] = ()) -> GazetteerEntry | None:
        """The record ``text`` names, using the countries in ``context`` to break ties.

        Parameters
        ----------
        text : str
            The surface form, e.g. ``"PBoC"`` or ``"Sichuan province"``.
        label : str
            ``"REGION"`` or ``"AGENCY"``.
        context : iterable of str
            Country codes already seen in the document; an ambiguous alias ("Georgia") goes to
            the candidate whose country is among them.
        """
        found = self.candidates(text, label)
        if not found:
            return None
        if len(found) > 1:
            seen = set(context)
            for entry in found:
                if entry.country in seen:
                    return entry
            # With no context, the country reading of an alias wins over a sub-national one.
            found.sort(key=lambda e: (e.level != "country", e.canonical))
        return found[0]

    def _by_upper(self) -> dict[str, list[GazetteerEntry]]:
        if not hasattr(self, "_upper"):
            self._upper: dict[str, list[GazetteerEntry]] = {}
            for (label, alias), entries in self._by_alias.items():
                if label == REGION:
                    self._upper.setdefault(alias.upper(), []).extend(entries)
        return self._upper

    def region_of_agency(self, canonical: str | None, code: str | None) -> GazetteerEntry | None:
        """The region an authority acts for: its named local region, else the region of its code."""
        agency = self.lookup(canonical, AGENCY) if canonical else None
        if agency is not None and agency.region:
            found = self.lookup(agency.region, REGION)
            if found is not None:
                return found
        return self.region_by_code(code)

    def region_by_code(self, code: str | None) -> GazetteerEntry | None:
        """The region record for an ISO 3166 code ("CN-SC", "US")."""
        return self._by_code.get(code) if code else None

    def to_records(self) -> list[dict]:
        return [asdict(e) for e in self.entries]

    @classmethod
    def from_records(cls, records: Iterable[dict]) -> "Gazetteer":
        return cls(GazetteerEntry(**{**r, "aliases": tuple(r["aliases"])}) for r in records)


def _split(value: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in value.split("|") if a.strip())


def _variants(text: str) -> list[str]:
    out = []
    stripped = text.strip()
    if stripped.lower().startswith("the "):
        stripped = stripped[4:]
        out.append(stripped)
    for suffix in ("'s", "’s"):
        if stripped.endswith(suffix):
            out.append(stripped[: -len(suffix)])
    out.append(stripped.replace("’", "'"))
    return out


class GazetteerRuler:
    """Marks every gazetteer alias in a doc as a REGION or AGENCY entity, before the NER runs.

    Longest matches win; entities already on the doc are kept where they do not overlap.
    The canonical key of each match is stored in ``span.kb_id_`` only when unambiguous; the
    ``minenlp_entities`` component resolves the rest with the document's context.
    """

    def __init__(self, nlp: Language, name: str, gazetteer: Gazetteer | None = None) -> None:
        self.name = name
        self.vocab = nlp.vocab
        # The tokenizer, not nlp.make_doc: a bound method would drag the whole pipeline into pickles.
        self.tokenizer = nlp.tokenizer
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.from_dir()
        self._build_matcher()

    def _build_matcher(self) -> None:
        self.matcher = PhraseMatcher(self.vocab, attr="ORTH")
        by_label: dict[str, list[str]] = {}
        for label, alias in self.gazetteer.aliases():
            by_label.setdefault(label, []).append(alias)
        for label, aliases in by_label.items():
            if label == REGION:
                # Datelines write places in capitals ("TEHRAN, May 26").
                aliases = aliases + [a.upper() for a in aliases if len(a) >= 4 and a.upper() != a]
            self.matcher.add(label, [self.tokenizer(a) for a in sorted(set(aliases))])

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc, as_spans=True)
        if not matches:
            return doc
        # Agencies first on ties: "Hydro-Quebec" is one authority, not a place with a suffix.
        order = {AGENCY: 0, ORG: 1, PERSON: 2, REGION: 3}
        spans = filter_spans(sorted(matches, key=lambda s: order.get(s.label_, 4)))
        keep = [s for s in spans if not _inside_other_name(s)]
        existing = [e for e in doc.ents if not any(_overlaps(e, s) for s in keep)]
        doc.ents = filter_spans(list(existing) + keep)
        return doc

    # Components save themselves so that a saved pipeline is self-contained.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with (path / "gazetteer.json").open("w", encoding="utf-8") as fh:
            json.dump(self.gazetteer.to_records(), fh, ensure_ascii=False)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "GazetteerRuler":
        with (Path(path) / "gazetteer.json").open(encoding="utf-8") as fh:
            self.gazetteer = Gazetteer.from_records(json.load(fh))
        self._build_matcher()
        return self


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


# Words that end the names of companies, media and schools: a place inside such a name is part of
# that name ("Texas Blockchain Council", "Renmin University of China"), not a REGION of its own.
ORG_NAME_WORDS = frozenset("""
Power Energy Blockchain Mining Miners Digital Bitcoin Crypto Holdings Inc Inc. Corp Corp.
Corporation Group Times Post Tribune Herald Daily News University Institute College Capital
Ventures Electric Light Resources Partners Association Chamber Technologies Technology Tech
Ltd Ltd. LLC Airlines Bank Telegraph Journal Review Gazette Broadcasting Observer Insider Labs
Fund Trust Exchange Academy Investments Solutions Networks Cooperative Co-op Co. Company
""".split())


_CALENDAR = frozenset(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)
_KEEP_NEXT = frozenset(
    "Governor Minister Premier President Senator Mayor Province Region County District Oblast Krai State "
    "City Prefecture Municipality Autonomous Republic Territory Governorate Government Police Court".split()
)


def _part_of_person_name(span: Span) -> bool:
    """"Austin Tylec", "Mike Holland": a one-word place next to another capitalised word of a name."""
    if len(span) != 1:
        return False
    doc = span.doc
    nxt = doc[span.end] if span.end < len(doc) else None
    prv = doc[span.start - 1] if span.start > 0 else None
    for tok in (nxt, prv):
        if tok is None or not tok.is_alpha or not tok.text[:1].isupper() or tok.text.isupper():
            continue
        if tok is prv and tok.is_sent_start:
            continue
        if tok.text in _CALENDAR or tok.text in _KEEP_NEXT or tok.text in ORG_NAME_WORDS or tok.is_stop:
            continue
        return True
    return False


def _inside_other_name(span: Span) -> bool:
    if span.label_ != REGION:
        return False
    if _part_of_person_name(span):
        return True
    doc = span.doc
    # Following capitalised words: "Texas Blockchain Council".
    i = span.end
    while i < len(doc) and doc[i].text[:1].isupper() and not doc[i].is_sent_start:
        if doc[i].text in ORG_NAME_WORDS:
            return True
        i += 1
    # "University of China", "Bank of China": an organisation word right before "of".
    if span.start >= 2 and doc[span.start - 1].lower_ == "of":
        prev = doc[span.start - 2]
        if prev.text in ORG_NAME_WORDS:
            return True
    return False


@Language.factory(
    "minenlp_gazetteer",
    default_config={},
    assigns=["doc.ents"],
)
def make_gazetteer(nlp: Language, name: str) -> GazetteerRuler:
    """Create the gazetteer ruler (registered as ``minenlp_gazetteer``)."""
    return GazetteerRuler(nlp, name)
