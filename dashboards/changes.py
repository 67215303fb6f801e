"""Month-over-month: a figure's change against the previous month and against the 3-month average, as
table cells (the index's headline table) and as the sentence at the top of each page (`Headline`).

Definitions (docs/dashboards.md, "Month-over-month"): for the latest month m,
- the previous month is the calendar month end before m (m−1);
- the 3-month average is the plain mean of the figure at m−1, m−2 and m−3, the three month ends before m
  (m itself is not in it); it exists only when all three months have a value;
- counts, money and rates per 1,000 change as an absolute difference and a percentage of the base (no
  percentage on a base of 0); rates (shares) change in percentage points.
A missing base (the first reporting month, fewer than three earlier months, a NULL figure) is "—", never
a made-up value.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from dashboards.dimensions import ALL, is_all, previous_month_end
from dashboards.formatting import fmt_int, fmt_money, fmt_per_mille, fmt_rate
from dashboards.page import Context
from dashboards.reading import column_names, mart_exists, read_mart

COUNT, MONEY, RATE, PER_MILLE = "count", "money", "rate", "per_mille"
KINDS = (COUNT, MONEY, RATE, PER_MILLE)
AVERAGE_MONTHS = 3
MISSING = "—"


def earlier_months(month: str, n: int = AVERAGE_MONTHS) -> list[str]:
    """The n month ends before `month` (ISO), latest first: m−1, m−2, …"""
    out = []
    for _ in range(n):
        month = previous_month_end(month)
        out.append(month)
    return out


def previous_value(values: dict[str, float | None], month: str) -> float | None:
    """The figure at m−1 (None when that month has no row or a NULL figure)."""
    return values.get(previous_month_end(month))


def average_value(values: dict[str, float | None], month: str) -> float | None:
    """The mean of the figure at m−1, m−2 and m−3; None unless all three have a value."""
    base = [values.get(m) for m in earlier_months(month)]
    if any(v is None for v in base):
        return None
    return sum(base) / len(base)


def _rounded(x: float, places: int) -> float:
    return round(x, places) + 0.0  # + 0.0: no "-0.00"


def fmt_value(kind: str, value) -> str:
    return {COUNT: fmt_int, MONEY: fmt_money, RATE: fmt_rate, PER_MILLE: fmt_per_mille}[kind](value)


def change_parts(kind: str, latest, base) -> tuple[str, str | None] | None:
    """The change from `base` to `latest` as (absolute, percentage or None): ("+0.42 pp", None) for a rate;
    ("+12", "+3.45%"), ("-1,234.56", "-2.10%") for a count, an amount or a rate per 1,000 (no percentage
    when the base is 0); None when either is missing."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if latest is None or base is None:
        return None
    diff = float(latest) - float(base)
    if kind == RATE:
        return f"{_rounded(diff * 100, 2):+.2f} pp", None
    absolute = f"{round(diff):+,d}" if kind == COUNT else f"{_rounded(diff, 2):+,.2f}"
    if float(base) == 0:
        return absolute, None
    return absolute, f"{_rounded(diff / abs(float(base)) * 100, 2):+.2f}%"


def fmt_change(kind: str, latest, base) -> str:
    """The change as a table cell: "+0.42 pp", "+12 (+3.45%)", "-1,234.56 (-2.10%)"; "—" when missing."""
    parts = change_parts(kind, latest, base)
    if parts is None:
        return MISSING
    absolute, percent = parts
    return absolute if percent is None else f"{absolute} ({percent})"


def _change_words(kind: str, latest, base) -> str:
    absolute, percent = change_parts(kind, latest, base)
    return absolute if percent is None else f"{absolute}, {percent}"


def change_cells(kind: str, values: dict[str, float | None], month: str,
                 currency: str | None = None) -> tuple[str, str, str]:
    """The figure at `month`, its change against m−1 and against the m−1…m−3 average, as table text; an
    amount names its `currency` ("1,234.56 USD", "+12.00 USD (+1.20%)")."""
    latest = values.get(month)
    cells = (fmt_value(kind, latest), fmt_change(kind, latest, previous_value(values, month)),
             fmt_change(kind, latest, average_value(values, month)))
    if kind != MONEY or currency is None:
        return cells
    return tuple(c if c == MISSING else _with_currency(c, currency) for c in cells)


def _with_currency(cell: str, currency: str) -> str:
    """ "1,234.56" -> "1,234.56 USD"; "+12.00 (+1.20%)" -> "+12.00 USD (+1.20%)"."""
    amount, sep, rest = cell.partition(" (")
    return f"{amount} {currency}{sep}{rest}"


def _is_unchanged(kind: str, latest, base) -> bool:
    places = {COUNT: 0, MONEY: 2, RATE: 4, PER_MILLE: 2}[kind]
    return _rounded(float(latest) - float(base), places) == 0


def change_sentence(label: str, kind: str, whose: str, values: dict[str, float | None], month: str,
                    missing: str = "not available") -> str:
    """The latest month's change in words, e.g. "In the month ending 2026-10-31 the 30+ DPD balance rate of
    all portfolios rose from 6.10% to 6.94% (+0.84 pp)." and, where the three months before exist, a second
    sentence against their average. `values` are the figure by month end (a month without a row is
    absent, a NULL figure is None: `missing` says why, e.g. suppressed)."""
    start = f"In the month ending {month} the {label} of {whose}"
    latest = values.get(month)
    if latest is None:
        return f"{start} is {missing}."
    prev_month = previous_month_end(month)
    previous = values.get(prev_month)
    if prev_month not in values:
        first = f"{start} was {fmt_value(kind, latest)}; there is no previous month to compare it with."
    elif previous is None:
        first = f"{start} was {fmt_value(kind, latest)}; the previous month's figure is {missing}."
    elif _is_unchanged(kind, latest, previous):
        first = f"{start} was unchanged at {fmt_value(kind, latest)}."
    else:
        verb = "rose" if float(latest) > float(previous) else "fell"
        first = (f"{start} {verb} from {fmt_value(kind, previous)} to {fmt_value(kind, latest)} "
                 f"({_change_words(kind, latest, previous)}).")
    average = average_value(values, month)
    if average is None:
        return first
    return (f"{first} Against the average of the three months before ({fmt_value(kind, average)}) "
            f"the change is {_change_words(kind, latest, average)}.")


def group_label(portfolio: str, currency: str | None) -> str:
    """Whose figure a sentence speaks of: "all portfolios" or the portfolio, with its currency if any."""
    name = "all portfolios" if portfolio == ALL else portfolio
    return name if currency is None else f"{name} ({currency})"


@dataclass(frozen=True)
class Headline:
    """The figure a page states the latest month's change of, for the whole book ('all'), read from the
    page's mart: `columns` (SQL, besides month_end and portfolio) ordered by `order_by` (total), and
    `value(rows)` the figure from the 'all' rows of one month (None when it is not shown: `missing` says
    why). Calling it with the page's context gives the HTML paragraph (empty when the mart is missing or
    empty). Where the mart has a `currency` column, one sentence per currency."""

    table: str
    label: str
    kind: str
    columns: str
    order_by: str
    value: Callable[[list[dict]], float | None]
    missing: str = "not available"

    def sentences(self, ctx: Context) -> list[str]:
        if not mart_exists(ctx.con, self.table):
            return []
        currency = "currency" in column_names(ctx.con, self.table)
        df = read_mart(ctx, self.table, "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, "
                       + ("currency, " if currency else "") + self.columns, self.order_by)
        groups: dict[str | None, dict[str, list[dict]]] = {}
        for r in df.iter_rows(named=True):
            if is_all(r["portfolio"]):
                groups.setdefault(r["currency"] if currency else None, {}).setdefault(r["month_end"], []).append(r)
        out = []
        for cur in sorted(groups, key=lambda c: c or ""):
            by_month = groups[cur]
            values = {m: self.value(rows) for m, rows in by_month.items()}
            out.append(change_sentence(self.label, self.kind, group_label(ALL, cur), values, max(by_month),
                                       self.missing))
        return out

    def __call__(self, ctx: Context) -> str:
        return " ".join(html.escape(s) for s in self.sentences(ctx))
