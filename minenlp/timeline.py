"""Timelines: stance and measures per jurisdiction (or country) and period, from tagged output."""
from __future__ import annotations

import csv
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .streams import atomic_write_text, detect_format, escape_formula, read_items

logger = logging.getLogger("minenlp")

FIELDS = ("period", "jurisdiction", "country", "code", "articles", "restrictive", "supportive", "neutral",
          "net_stance", "measures")


def period_of(published: Any, freq: str) -> str | None:
    """The period label of a date string: 2021-05, 2021-Q2 or 2021; None when it is not a date."""
    if not isinstance(published, str) or len(published) < 7 or not published[:4].isdigit() or published[4] != "-":
        return None
    year, month = published[:4], published[5:7]
    if not month.isdigit() or not 1 <= int(month) <= 12:
        return None
    if freq == "month":
        return f"{year}-{month}"
    if freq == "quarter":
        return f"{year}-Q{(int(month) - 1) // 3 + 1}"
    return year


@dataclass
class TimelineSummary:
    rows: int = 0
    records: int = 0
    used: int = 0
    undated: int = 0
    without_jurisdictions: int = 0

    def __str__(self) -> str:
        return (f"{self.rows} rows from {self.used} of {self.records} records "
                f"({self.undated} undated, {self.without_jurisdictions} with no jurisdiction)")


def timeline(tagged: str | Path, output: str | Path, *, by: str = "jurisdiction", freq: str = "month",
             date_col: str = "published") -> TimelineSummary:
    """Write a CSV of counts by stance, the net stance score and the measures per place and period.

    The net stance score of a place in a period is the mean over its articles of +score for a
    supportive stance, -score for a restrictive one and 0 for neutral (scores are probabilities),
    so it runs from -1 (every article firmly restrictive) to +1.

    Parameters
    ----------
    tagged : path
        Output of ``minenlp tag`` with a jurisdictions model (records carry ``jurisdictions``).
    by : "jurisdiction" or "country"
        Group per place, or per country (ISO code) of the places.
    freq : "month", "quarter" or "year"

    Examples
    --------
    >>> timeline("tagged.jsonl", "timeline.csv", by="jurisdiction", freq="month")  # doctest: +SKIP
    """
    if by not in ("jurisdiction", "country"):
        raise InputError(f"--by must be jurisdiction or country, not {by!r}")
    if freq not in ("month", "quarter", "year"):
        raise InputError(f"--freq must be month, quarter or year, not {freq!r}")
    fmt = detect_format(tagged)
    if str(tagged) != "-" and not Path(tagged).is_file():
        raise InputError(f"{tagged} does not exist")
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    net: dict[tuple[str, str], float] = defaultdict(float)
    measures: dict[tuple[str, str], Counter] = defaultdict(Counter)
    info: dict[str, tuple[str, str]] = {}
    summary = TimelineSummary()
    saw_field = False
    for item in read_items(tagged, fmt):
        summary.records += 1
        rec = item.record
        if item.error or rec.get("error"):
            continue
        places = rec.get("jurisdictions")
        if isinstance(places, str):  # CSV keeps nested fields as JSON
            import json

            places = json.loads(places or "[]")
        if places is None:
            continue
        saw_field = True
        period = period_of(rec.get(date_col), freq)
        if period is None:
            summary.undated += 1
            continue
        if not places:
            summary.without_jurisdictions += 1
            continue
        summary.used += 1
        for j in places:
            name = j.get("canonical") if by == "jurisdiction" else (j.get("country") or j.get("canonical"))
            key = (period, name)
            info.setdefault(name, (j.get("country") or "", j.get("code") or "" if by == "jurisdiction" else j.get("country") or ""))
            counts[key][j["stance"]] += 1
            counts[key]["articles"] += 1
            sign = {"supportive": 1.0, "restrictive": -1.0}.get(j["stance"], 0.0)
            net[key] += sign * float(j.get("score") or 0.0)
            measures[key].update(j.get("measures") or [])
    if summary.records and not saw_field:
        raise InputError(f"{tagged} has no 'jurisdictions' field: tag it with the jurisdictions model "
                         f"(the default pipeline adds it when the shipped jurisdictions model is installed)")
    rows = []
    for (period, name), c in sorted(counts.items()):
        country, code = info[name]
        rows.append([period, name, country, code, c["articles"], c["restrictive"], c["supportive"], c["neutral"],
                     round(net[(period, name)] / c["articles"], 4),
                     "; ".join(f"{m} {n}" for m, n in measures[(period, name)].most_common())])
    from io import StringIO

    buf = StringIO()
    writer = csv.writer(buf)
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([escape_formula(v) for v in row])
    atomic_write_text(output, buf.getvalue())
    summary.rows = len(rows)
    return summary
