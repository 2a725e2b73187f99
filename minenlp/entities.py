"""The ``minenlp_entities`` component: REGION / AGENCY / PERSON from the base NER and the gazetteer.

It maps the base labels to ours (ORG becomes AGENCY only for public authorities), cleans spans
(a leading "the", a possessive "'s", a byline glued to the next word), normalises regions and
agencies to canonical records, and gives each person a kind and the role the text states.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .gazetteer import ORG, Gazetteer, GazetteerEntry, GazetteerRuler
from .types import AGENCY, PERSON, REGION, Entity

SPAN_ATTRS = ("canonical", "country", "level", "code", "kind", "role")
for _attr in SPAN_ATTRS:
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=None)

# Words that make an organisation name a public authority.
AUTHORITY_WORDS = frozenset("""
Ministry Ministries Department Commission Bureau Agency Administration Authority Court Courts Police
Parliament Senate Congress Assembly Duma Legislature Government Regulator Tribunal Prosecutor
Procuratorate Treasury Directorate Inspectorate Secretariat Cabinet Kremlin Customs Committee
Council Office Service Prosecutors Judiciary Municipality Governorate Reserve Majlis Rada Storting
Riksdag Althing Mazhilis Ombudsman Gendarmerie Militia Guard Sheriff PUD
""".split())
# Words that make it something else, whatever authority word it also has.
NON_AUTHORITY_WORDS = frozenset("""
Inc Inc. Corp Corp. Corporation Ltd Ltd. LLC Group Holdings Association University Institute
Foundation Society Fund Exchange Platforms Mining Miners Blockchain Bitcoin Crypto Chamber
Industry Business Institution Times Post News Journal Capital Ventures Technologies Partners Labs
College School Academy Coalition Alliance Club Union Party Network Networks Media Center Centre
Think Watch
""".split())
CENTRAL_BANK = re.compile(r"^(?:(?:People's|National|Central|Reserve|State) Bank|Bank of [A-Z]|Central Bank|Federal Reserve|Reserve Bank)")

_PERSON_TRAILING_NOISE = frozenset(
    "Source Sources Published Photo Photos Updated Posted Reporter Reporters Staff Editor File Via "
    "Correspondent Writer Contributor Reuters AP AFP Xinhua Twitter Email".split()
)
_PERSON_LEADING_TITLES = frozenset(
    "Mr Mr. Ms Ms. Mrs Mrs. Dr Dr. Gov Gov. Sen Sen. Rep Rep. President Governor Minister Senator "
    "Premier Mayor Judge Justice Chairman Chairwoman Director Professor Prof Prof. Sir Madam Lord "
    "Sheikh Vice Deputy Prime Chief Secretary Commissioner Representative Congressman Congresswoman "
    "Councilor Councillor Councilman Councilwoman Assemblymember Assemblyman Assemblywoman Supervisor "
    "Administrator Trustee Alderman Analyst Economist Reporter Correspondent CEO Founder".split()
)

# Kinds from the words of a role.
_JOURNALIST = re.compile(r"\b(reporter|correspondent|journalist|editor|columnist|staff writer|contributing writer|contributor|news desk|byline)\b", re.I)
_OFFICIAL_STRONG = re.compile(
    r"\b(governor|minister|premier|senator|sen\.|rep\.|gov\.|congress(?:man|woman|member)|lawmaker|legislator|"
    r"deputy|mp|member of (?:parliament|the)|mayor|judge|justice|prosecutor|attorney general|police|"
    r"commissioner|regulator|official|ambassador|councill?or|council member|sheriff|inspector|"
    r"vice premier|prime minister|secretary of|secretary|state secretary|president of (?:the )?(?:republic|country)|"
    r"head of state|king|emir|speaker|chancellor|assemblyman|assemblywoman|assembly member|"
    r"presidential|spokes(?:man|woman|person) for the (?:ministry|government|department|commission|bureau|police|interior)|"
    r"county judge|magistrate|delegate|member of the|assemblymember|councilwoman|councilman|supervisor|"
    r"administrator|trustee|alderman|selectman|czar|envoy|cabinet|state senator|state representative|"
    r"head of the (?:ministry|department|commission|agency|bureau|central bank|national bank|tax))\b"
    r"|(?<![\w.])(?:sen|rep|gov|del|gen|cllr)\.",
    re.I,
)
_EXPERT = re.compile(
    r"\b(analyst|analysts|professor|prof\.|researcher|research fellow|fellow|economist|scholar|academic|"
    r"lecturer|scientist|consultant|strategist|expert|university|institute|think[- ]tank|"
    r"school of|research|academy|policy center|policy centre|center for|centre for|phd)\b",
    re.I,
)
_EXECUTIVE = re.compile(
    r"\b(ceo|chief executive|founder|co-founder|cofounder|executive|managing director|vice president|"
    r"coo|cfo|cto|chief [a-z]+ officer|partner|owner|spokes(?:man|woman|person)|manager|head of|"
    r"chairman|chairwoman|chair|president|director|board member|operator|trader|broker|investor|"
    r"company|firm|inc\.?|corp\.?|ltd\.?|platforms|holdings|digital|mining|miner|exchange|association|council)\b",
    re.I,
)
# Title words that can stand before a name ("Texas Governor Greg Abbott").
_TITLE_WORDS = frozenset("""
governor minister premier senator sen. rep. gov. president vice mayor judge justice chairman chairwoman
chair director ceo cfo coo cto founder co-founder professor prof. analyst economist researcher
secretary commissioner deputy lawmaker legislator spokesman spokeswoman spokesperson head chief
executive reporter correspondent editor official representative congressman congresswoman
prosecutor ambassador speaker chancellor king emir sheikh strategist fellow partner manager
attorney inspector officer lieutenant general colonel captain sheriff councilor councillor
councilman councilwoman assemblymember assemblyman assemblywoman supervisor administrator trustee
alderman czar judge magistrate delegate mp
""".split())
_ROLE_STOP = re.compile(r"^\s*(?:who|which|said|says|told|tells|on|in an|according|and|but|added|wrote|\d)", re.I)


class EntityMapper:
    """Maps base NER spans and gazetteer spans to REGION, AGENCY and PERSON with normalisation.

    Parameters
    ----------
    nlp : Language
        The pipeline; its ``minenlp_gazetteer`` component (when present) provides the records.
    name : str
        Component name.
    gazetteer_component : str
        Name of the gazetteer ruler to share records with.
    """

    def __init__(self, nlp: Language, name: str, *, gazetteer_component: str = "minenlp_gazetteer") -> None:
        self.name = name
        self.gazetteer_component = gazetteer_component
        if gazetteer_component in nlp.pipe_names:
            self._ruler: GazetteerRuler | None = nlp.get_pipe(gazetteer_component)
            self._own: Gazetteer | None = None
        else:
            self._ruler = None
            self._own = Gazetteer.from_dir()

    @property
    def gazetteer(self) -> Gazetteer:
        return self._ruler.gazetteer if self._ruler is not None else self._own

    def __call__(self, doc: Doc) -> Doc:
        gaz = self.gazetteer
        spans: list[Span] = []
        companies: list[Span] = []
        for ent in doc.ents:
            mapped = self._map(doc, ent, gaz)
            if mapped is not None:
                spans.append(mapped)
            elif ent.label_ in ("ORG", ORG, "PRODUCT", "WORK_OF_ART"):
                companies.append(ent)
        spans = _add_rule_agencies(doc, spans)
        spans = _add_datelines(doc, spans)
        spans = [_with_designator(doc, s) if s.label_ == REGION else s for s in spans]
        spans = [s for s in spans if not (s.label_ == REGION and s.text in _NOT_PLACES)]
        spans = filter_spans(spans)
        spans = _propagate_mentions(doc, spans)
        doc.ents = spans
        context = _context_countries(spans, gaz)
        for span in spans:
            if span.label_ in (REGION, AGENCY):
                _normalise(span, gaz, context)
        _people(doc, [s for s in spans if s.label_ == PERSON], companies, gaz)
        return doc

    def _map(self, doc: Doc, ent: Span, gaz: Gazetteer) -> Span | None:
        label = ent.label_
        if label in (REGION, AGENCY):
            return _clean(doc, ent, label)
        if label in ("GPE", "LOC"):
            span = _clean(doc, ent, REGION)
            if span is None or not span.text[:1].isupper():
                return None
            known = gaz.candidates(span.text, REGION)
            # Bill numbers ("SB 178", "HB 230") come out of the base NER as places.
            if not known and any(ch.isdigit() for ch in span.text):
                return None
            if not known and _reads_as_person(doc, span):
                return _clean_person(doc, span)
            if gaz.candidates(span.text, AGENCY):
                return Span(doc, span.start, span.end, label=AGENCY)
            return span
        if label == "ORG" or label == "FAC":
            span = _clean(doc, ent, AGENCY)
            if span is None:
                return None
            if gaz.candidates(span.text, AGENCY):
                return span
            if gaz.candidates(span.text, REGION):
                return Span(doc, span.start, span.end, label=REGION)
            return span if label == "ORG" and is_authority_name(span.text) else None
        if label == PERSON:
            person = _clean_person(doc, ent)
            if person is None or (ent.label_ == PERSON and not gaz.candidates(person.text, PERSON) and not _plausible_person(doc, person)):
                return None
            return person
        return None

    # The component keeps no learned state; the gazetteer saves itself.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "EntityMapper":
        return self


_HEADS = (
    "Ministry|Department|Bureau|Commission|Agency|Administration|Committee|Council|Authority|Court|"
    "Service|Directorate|Inspectorate|Procuratorate|Secretariat|Tribunal|Police|Parliament|Senate|"
    "Assembly|Legislature|Duma|Government|Regulator|Prosecutor's Office|Office"
)
_NAME_WORD = r"(?:People's|[A-Z][\w\-&'’]*(?<!'s)(?<!’s))"
_AUTHORITY_RE = re.compile(
    rf"(?:{_NAME_WORD}[ \t]+){{0,6}}(?:{_HEADS})\b"
    rf"(?:[ \t]+(?:of|for|on)[ \t]+(?:the[ \t]+)?{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|and|of|for|the|&)){{0,12}})?"
)
_LEADING_NOISE = frozenset("The A An On In At For By From As When While After Before But And Its Their This That Under With Local".split())
_TRAILING_NOISE = ("and", "of", "for", "the", "&", "on")


# Things the small NER tags as places that never are.
_NOT_PLACES = frozenset({"AI", "Bitcoin", "Ethereum", "Cambridge"})
_DESIGNATORS = frozenset(
    "Oblast Province Region County District Prefecture Krai Governorate State Municipality City "
    "Autonomous Okrug Republic Territory Canton Parish Borough Township Village Raion Emirate".split()
)
_DATELINE = re.compile(r"(?m)^[ \t]*((?:[A-Z][A-Z.'’\-]+)(?:[ \t]+[A-Z][A-Z.'’\-]+){0,3})(?=,|[ \t]+[—–-]|[ \t]*\()")


_PARTICLES = frozenset("de van von der da di du al el bin ibn le la".split())


def _propagate_mentions(doc: Doc, spans: list[Span]) -> list[Span]:
    """Every mention counts: repeats of a found name, and a person's surname on its own."""
    forms: dict[tuple[str, ...], str] = {}
    for s in spans:
        words = tuple(t.text for t in s)
        forms.setdefault(words, s.label_)
        if s.label_ == PERSON and len(s) >= 2:
            last = [s[-1].text]
            if len(s) >= 3 and s[-2].text.lower() in _PARTICLES:
                last = [s[-2].text, s[-1].text]
            if len(last[-1]) >= 2 and last[-1][:1].isupper():
                forms.setdefault(tuple(last), PERSON)
    taken = np.zeros(len(doc), dtype=bool)
    for s in spans:
        taken[s.start:s.end] = True
    added = []
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in forms:
        by_first.setdefault(words[0], []).append(words)
    for i, tok in enumerate(doc):
        if taken[i] or tok.text not in by_first:
            continue
        for words in sorted(by_first[tok.text], key=len, reverse=True):
            j = i + len(words)
            if j > len(doc) or taken[i:j].any() or tuple(t.text for t in doc[i:j]) != words:
                continue
            # Part of a longer capitalised name ("Abbott Laboratories") is another name.
            if j < len(doc) and doc[j].text[:1].isupper() and doc[j].is_alpha and not doc[j].is_sent_start:
                continue
            added.append(Span(doc, i, j, label=forms[words]))
            taken[i:j] = True
            break
    return sorted(spans + added, key=lambda s: s.start)


def _with_designator(doc: Doc, span: Span) -> Span:
    """Extend "Cherkasy" to "Cherkasy Oblast" when the text writes the designator."""
    end = span.end
    while end < len(doc) and doc[end].text in _DESIGNATORS:
        end += 1
    if end == span.end:
        return span
    return Span(doc, span.start, end, label=span.label_)


def _add_datelines(doc: Doc, spans: list[Span]) -> list[Span]:
    """Capitalised place names that open a line before a comma or dash: "TEHRAN, May 26 -"."""
    out = list(spans)
    for m in _DATELINE.finditer(doc.text):
        name = m.group(1)
        if len(name) < 3 or name in ("UPDATE", "BREAKING", "EXCLUSIVE", "ANALYSIS", "OPINION", "COMMENT", "NEWS"):
            continue
        cand = doc.char_span(m.start(1), m.end(1), label=REGION, alignment_mode="contract")
        if cand is None or any(s.start < cand.end and cand.start < s.end for s in out):
            continue
        out.append(cand)
    return out


def _add_rule_agencies(doc: Doc, spans: list[Span]) -> list[Span]:
    """Authorities the statistical NER missed, found by their shape: "Ministry of Energy"."""
    out = list(spans)
    for m in _AUTHORITY_RE.finditer(doc.text):
        words = m.group(0).split()
        start = m.start()
        while words and (words[0] in _LEADING_NOISE or words[0].endswith("'s") and words[0] != "People's"):
            start = doc.text.index(words[0], start) + len(words[0])
            words = words[1:]
        while words and words[-1] in _TRAILING_NOISE:
            words = words[:-1]
        if len(words) < 2 or not is_authority_name(" ".join(words)):
            continue
        start = doc.text.index(words[0], start)
        end = start + len(" ".join(words))
        if doc.text[start:end] != " ".join(words):
            continue
        cand = doc.char_span(start, end, label=AGENCY, alignment_mode="contract")
        if cand is None or len(cand) == 0:
            continue
        clash = [s for s in out if s.start < cand.end and cand.start < s.end]
        if any(s.label_ != REGION and not (s.start >= cand.start and s.end <= cand.end) for s in clash):
            continue
        if any(s.label_ == REGION and not (s.start >= cand.start and s.end <= cand.end) for s in clash):
            continue
        out = [s for s in out if s not in clash]
        out.append(cand)
    return out


def is_authority_name(text: str) -> bool:
    """Whether an organisation name reads as a public authority.

    Examples
    --------
    >>> is_authority_name("Ministry of Energy of Kazakhstan"), is_authority_name("Texas Blockchain Council")
    (True, False)
    """
    words = text.replace(",", " ").split()
    if not words or any(w in NON_AUTHORITY_WORDS for w in words):
        return False
    if CENTRAL_BANK.search(text):
        return True
    return any(w in AUTHORITY_WORDS for w in words)


_SAYS = frozenset("said says told tells added argued noted wrote explained warned".split())


def _reads_as_person(doc: Doc, span: Span) -> bool:
    """A two- or three-word "place" the NER found next to a speech verb or an appositive is a name."""
    if not 2 <= len(span) <= 3 or not all(t.text[:1].isupper() and t.is_alpha for t in span):
        return False
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    after2 = doc[span.end + 1] if span.end + 1 < len(doc) else None
    return before in _SAYS or after in _SAYS or (after == "," and after2 is not None and after2.lower_ in ("a", "an", "the", "who", "head", "chief", "director", "deputy"))


_MEDIA_WORDS = frozenset(
    "Report Ledger Monthly Weekly Daily Newswire Wire Times Post News Journal Herald Gazette Review Digest "
    "Bulletin Tribune Observer Chronicle Courier Dispatch Insider Today Magazine Press Radio TV Media "
    "Network Hollow Valley Creek Lake River Mountain Ridge".split()
)


def _plausible_person(doc: Doc, span: Span) -> bool:
    """Filters the NER's usual confusions: product names, headline words, all-caps datelines."""
    text = span.text
    if any(ch.isdigit() for ch in text):
        return False
    if len(span) > 1 and text.isupper():
        return False
    if any(t.text in _MEDIA_WORDS for t in span):
        return False
    if len(span) == 1:
        low = text.lower()
        if span[0].is_stop:
            return False
        # A lone capitalised word opening a sentence ("Hashrate", "Subscribe") that no full name in
        # the article explains is a headline word, not a person.
        if span[0].is_sent_start or (span.start > 0 and "\n" in doc[span.start - 1].text + doc[span.start - 1].whitespace_):
            if not any(e.label_ == PERSON and len(e) > 1 and e[-1].text == text for e in doc.ents):
                return False
        # A word the article also writes in lower case ("Bitcoin" / "bitcoin") is no name.
        if low != text and re.search(rf"(?<![\w-]){re.escape(low)}(?![\w-])", doc.text):
            return False
    return True


def _clean(doc: Doc, span: Span, label: str) -> Span | None:
    start, end = span.start, span.end
    while start < end and (doc[start].lower_ in ("the", "a", "an") or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].lower_ in ("'s", "’s", "'", "’") or doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if start >= end:
        return None
    return Span(doc, start, end, label=label)


def _clean_person(doc: Doc, span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and (doc[start].text in _PERSON_LEADING_TITLES or not doc[start].text[:1].isalpha()):
        start += 1
    # A byline glued to the next field: "Xie Jun Source:Global Times".
    for i in range(start, end):
        if doc[i].text in _PERSON_TRAILING_NOISE or doc[i].is_space or "\n" in doc[i].whitespace_:
            end = i if doc[i].text in _PERSON_TRAILING_NOISE or doc[i].is_space else i + 1
            break
    while end > start and (doc[end - 1].lower_ in ("'s", "’s") or doc[end - 1].is_punct):
        end -= 1
    if start >= end or not doc[start].text[:1].isupper():
        return None
    return Span(doc, start, end, label=PERSON)


def _context_countries(spans: list[Span], gaz: Gazetteer) -> set[str]:
    seen: set[str] = set()
    for span in spans:
        if span.label_ not in (REGION, AGENCY):
            continue
        found = gaz.candidates(span.text, span.label_)
        if len(found) == 1 and found[0].country:
            seen.add(found[0].country)
    return seen


def _normalise(span: Span, gaz: Gazetteer, context: set[str]) -> None:
    entry = gaz.lookup(span.text, span.label_, context=context)
    owner = _possessor(span)
    if owner is not None and span.label_ == AGENCY:
        # "Kazakhstan's Ministry of Energy": the place names whose ministry it is.
        entry = gaz.lookup(f"{owner.text}'s {span.text}", AGENCY, context=context) or entry
        if entry is None:
            place = gaz.lookup(owner.text, REGION, context=context)
            if place is not None:
                span._.canonical = span.text
                span._.country = place.country
                span._.code = place.code
                return
    if entry is not None:
        _apply(span, entry, gaz)
        return
    span._.canonical = span.text
    if span.label_ == AGENCY:
        # An authority named after its place: "Department of X of Inner Mongolia Autonomous Region".
        inner = _region_inside(span, gaz, context)
        if inner is not None:
            span._.country = inner.country
            span._.code = inner.code if inner.code else None


def _possessor(span: Span) -> Span | None:
    doc = span.doc
    if span.start >= 2 and doc[span.start - 1].lower_ in ("'s", "’s"):
        for ent in doc.ents:
            if ent.end == span.start - 1 and ent.label_ == REGION:
                return ent
    return None


def _apply(span: Span, entry: GazetteerEntry, gaz: Gazetteer) -> None:
    span._.canonical = entry.canonical
    span._.country = entry.country
    if entry.label == REGION:
        span._.level = entry.level
        span._.code = entry.code
    else:
        span._.code = entry.jurisdiction


def _region_inside(span: Span, gaz: Gazetteer, context: set[str]) -> GazetteerEntry | None:
    words = span.text.split()
    best = None
    for i in range(len(words)):
        for j in range(len(words), i, -1):
            entry = gaz.lookup(" ".join(words[i:j]), REGION, context=context)
            if entry is not None and (best is None or j - i > best[0]):
                best = (j - i, entry)
                break
    return best[1] if best else None


def _people(doc: Doc, people: list[Span], companies: list[Span], gaz: Gazetteer) -> None:
    by_name: dict[str, tuple[str | None, str | None]] = {}
    full_names = [p for p in people if len(p) > 1]
    taglines = _taglines(doc)
    for span in people:
        role = _role_of(doc, span)
        kind = _kind_of(doc, span, role, companies)
        tagline = taglines.get(span.text)
        if tagline is not None and role is None:
            # An op-ed author's role is their tagline ("X is an energy economist"); the byline
            # still makes them a journalist under the guide.
            role = tagline
            if kind != "journalist":
                kind = _kind_of(doc, span, role, companies, byline=False)
        if kind == "other" and role is None:
            known = gaz.lookup(span.text, PERSON)
            if known is not None and known.kind:
                kind = known.kind
        span._.role = role
        span._.kind = kind
        key = span.text
        prev = by_name.get(key)
        if prev is None or (prev[0] is None and role is not None) or prev[1] == "other":
            by_name[key] = (role, kind)
    for span in people:
        key = span.text
        if len(span) == 1:
            # "Abbott said": the person named in full elsewhere in the article.
            for full in full_names:
                if full[-1].text == span.text:
                    key = full.text
                    break
        role, kind = by_name.get(key, (span._.role, span._.kind))
        if span._.role is None:
            span._.role = role
        if span._.kind == "other" and kind is not None:
            span._.kind = kind


def _role_of(doc: Doc, span: Span) -> str | None:
    after = _appositive_after(doc, span)
    if after:
        return after
    return _title_before(doc, span)


def _appositive_after(doc: Doc, span: Span) -> str | None:
    if span.end >= len(doc) or doc[span.end].text != ",":
        return None
    text = doc.text
    start = doc[span.end].idx + 1
    m = re.match(r"\s*([^,.;:()\"“”\n]+(?:,\s*(?:Inc|Ltd|Jr)\.?)?)", text[start:])
    if not m:
        return None
    role = m.group(1).strip()
    if not role or _ROLE_STOP.match(role) or len(role.split()) > 25:
        return None
    if not (_OFFICIAL_STRONG.search(role) or _EXPERT.search(role) or _EXECUTIVE.search(role) or _JOURNALIST.search(role)):
        return None
    # A list of names ("Li, Wang and Zhou") is not an appositive.
    if role[:1].isupper() and not any(w.lower().strip(".") in _TITLE_WORDS for w in role.split()[:3]):
        if not re.match(r"^(?:[A-Z][\w.&'-]*\s+){0,4}(?:CEO|President|Chairman|Director|Governor|Minister|Senator|analyst|spokes)", role):
            return None
    return role


def _title_before(doc: Doc, span: Span) -> str | None:
    i = span.start - 1
    first = None
    has_title = False
    while i >= 0 and span.start - i <= 10:
        tok = doc[i]
        low = tok.lower_
        if "\n" in tok.whitespace_ or tok.is_space:
            break
        if low in _TITLE_WORDS:
            has_title = True
        elif tok.ent_type_ in (REGION, AGENCY) or (tok.text[:1].isupper() and not tok.is_sent_start and low not in ("said", "says", "by")):
            pass
        elif low in ("of", "for", "'s", "’s", "-", "&") and first is not None:
            pass
        elif tok.is_sent_start and tok.text[:1].isupper() and low not in ("the", "a", "an", "said", "by"):
            first = i
            if low in _TITLE_WORDS:
                has_title = True
            break
        else:
            break
        first = i
        i -= 1
    if first is None or not has_title:
        return None
    # Trim dangling connectors at the front ("of", "for").
    while first < span.start and doc[first].lower_ in ("of", "for", "'s", "’s", "-", "&"):
        first += 1
    role = doc[first:span.start].text.strip()
    return role or None


def _taglines(doc: Doc) -> dict[str, str]:
    out = {}
    for m in re.finditer(r"(?m)^\s*([A-Z][\w.'-]+(?: [A-Z][\w.'-]+){1,3}) is (an? [^.\n]{3,160}|the [^.\n]{3,160})\.", doc.text):
        out[m.group(1)] = m.group(2).strip()
    return out


def _kind_of(doc: Doc, span: Span, role: str | None, companies: list[Span], *, byline: bool = True) -> str:
    if byline and _is_byline(doc, span):
        return "journalist"
    if not role:
        return "other"
    if _JOURNALIST.search(role):
        return "journalist"
    role_has_agency = any(
        e.label_ == AGENCY and e.start_char >= span.end_char and e.start_char < span.end_char + len(role) + 3
        or e.label_ == AGENCY and e.end_char <= span.start_char and e.start_char >= span.start_char - len(role) - 2
        for e in doc.ents
    )
    if _OFFICIAL_STRONG.search(role) and not re.search(r"\b(vice president|president)\b", role, re.I):
        if not _EXPERT.search(role) or role_has_agency:
            return "official"
    if _EXPERT.search(role) and not role_has_agency:
        return "expert"
    if role_has_agency:
        return "official"
    if re.search(r"\bpresident\b", role, re.I) and not _company_near(role, companies):
        if not re.search(r"\b(company|firm|inc|corp|ltd|platforms|holdings|digital|mining|association|council|group|exchange)\b", role, re.I):
            return "official"
    if _EXECUTIVE.search(role) or _company_near(role, companies):
        return "executive"
    if _OFFICIAL_STRONG.search(role):
        return "official"
    return "other"


def _company_near(role: str, companies: list[Span]) -> bool:
    return any(c.text in role for c in companies)


_BYLINE = re.compile(r"(?:^|\n)[ \t]*(?:By|BY|by|Written by|Reporting by|Words by)[ \t:]+(?:[^\n]{0,80})$")


def _is_byline(doc: Doc, span: Span) -> bool:
    line_start = doc.text.rfind("\n", 0, span.start_char) + 1
    before = doc.text[line_start:span.start_char]
    if re.match(r"^\s*(?:By|BY|by|Written by|Reporting by|Words by|Reported by)[\s:]+(?:[A-Z][\w.'-]*\s+){0,4}(?:and\s+|,\s*)?$", before):
        return True
    if re.search(r"\b(?:reporter|correspondent|writes|reports|reporting by|editing by|writing by)\s*$", before, re.I):
        return True
    after = doc.text[span.end_char:span.end_char + 40]
    return bool(re.match(r"\s*(?:\||,)?\s*(?:Staff (?:Writer|Reporter)|Reporter|Correspondent|Senior (?:Reporter|Editor|Writer)|Editor)\b", after))


def span_to_entity(span: Span) -> Entity:
    """The plain record for one entity span."""
    return Entity(
        text=span.text, label=span.label_, start=span.start_char, end=span.end_char,
        canonical=span._.canonical, country=span._.country, level=span._.level, code=span._.code,
        kind=span._.kind, role=span._.role,
    )


@Language.factory(
    "minenlp_entities",
    default_config={"gazetteer_component": "minenlp_gazetteer"},
    assigns=["doc.ents", "span._.canonical", "span._.country", "span._.level", "span._.code", "span._.kind", "span._.role"],
)
def make_entities(nlp: Language, name: str, gazetteer_component: str) -> EntityMapper:
    """Create the entity mapper (registered as ``minenlp_entities``)."""
    return EntityMapper(nlp, name, gazetteer_component=gazetteer_component)
