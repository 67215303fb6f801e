"""What every chart and table of the pages draws, for its CSV file (`dashboards.exports` writes them).

A chart (or table) draws rows of one or more marts tables, each named here with the condition that picks
the rows it draws (`Source`: table, `WHERE`). A chart is known by its fixed div id: `EXPORTS` maps each id
(or the prefix of a family of ids, such as the per-portfolio transition matrices) to its sources;
`data_links(div_id)` is the "Data (CSV)" link under the chart, naming the rows the file holds. A page that
adds a chart adds its entry here (tests/dashboards check that every chart has its link).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from dashboards.buckets import DELINQUENT_BUCKETS
from dashboards.files import DATA_DIR
from dashboards.page import check_table
from dashboards.reading import converted_table

AGING, ROLL, CURE = "marts.aging", "marts.roll_rates", "marts.cure_rates"
DQ, CO, RF = "marts.delinquency_rates", "marts.charge_offs", "marts.roll_forward"
CM, CB = "marts.complaint_metrics", "marts.complaints_by_bucket"
AGING_SEG, ROLL_SEG, CURE_SEG = "marts.aging_by_segment", "marts.roll_rates_by_segment", "marts.cure_rates_by_segment"
DQ_SEG, CO_SEG = "marts.delinquency_rates_by_segment", "marts.charge_offs_by_segment"
VC = "marts.vintage_curves"
QR = "marts.quarterly_rates"
AVERAGES, LIFETIME, RESERVE = "marts.roll_rate_averages", "marts.lifetime_loss_rates", "marts.roll_rate_reserve"
PROJECTION, BACKTEST = "marts.loss_projection", "marts.loss_backtest"


@dataclass(frozen=True)
class Source:
    """Rows of one marts table a chart draws: `where` (SQL over the table's columns) or all of them."""

    table: str
    where: str | None = None

    def __post_init__(self) -> None:
        check_table(self.table)

    @property
    def claim(self) -> str:
        return self.table + (f" WHERE {self.where}" if self.where else "")


@dataclass(frozen=True)
class Export:
    """The CSV files of one chart (div id) or family of charts (ids `chart-…`): one per source."""

    chart: str
    sources: tuple[Source, ...]

    def files(self) -> list[tuple[Source, str]]:
        """(source, path relative to the reports folder): data/<chart>.<mart>.csv."""
        return [(s, f"{DATA_DIR}/{self.chart}.{s.table.split('.', 1)[1]}.csv") for s in self.sources]


def _latest(table: str) -> str:
    return f"month_end = (SELECT max(month_end) FROM {table})"


# The latest month end of marts.delinquency_rates (the overview's month) and the three before it.
_LAST_FOUR = f"month_end >= (SELECT max(month_end) FROM {DQ}) - INTERVAL 3 MONTH"


_DELINQUENT = "bucket IN (" + ", ".join(f"'{b}'" for b in DELINQUENT_BUCKETS) + ")"
_ALL_ISSUES = "issue_group = 'all'"

EXPORTS: tuple[Export, ...] = (
    # the overview's month-over-month tables: the month, m−1 and the m−1…m−3 average
    Export("headline", (Source(DQ, _LAST_FOUR),)),
    Export("headline-rates", (Source(DQ, _LAST_FOUR), Source(CO, _LAST_FOUR))),
    Export("index-dq30-by-portfolio", (Source(DQ),)),
    Export("aging-balance", (Source(AGING),)),
    Export("aging-delinquent-balance", (Source(AGING, _DELINQUENT),)),
    Export("aging-accounts", (Source(AGING),)),
    Export("roll-matrix", (Source(ROLL),)),  # one matrix per portfolio, all from the same rows
    Export("roll-flow-rates", (Source(ROLL),)),
    Export("cure-cure-rate", (Source(CURE),)),
    Export("cure-balance-cure-rate", (Source(CURE),)),
    Export("cure-cured-within-3m-rate", (Source(CURE),)),
    Export("cure-redefault-6m-rate", (Source(CURE),)),
    Export("dq-balance-rates", (Source(DQ),)),
    Export("dq-account-rates", (Source(DQ),)),
    Export("dq-dq30-by-portfolio", (Source(DQ),)),
    Export("co-nco-rate", (Source(CO),)),
    Export("co-amounts", (Source(CO),)),
    Export("rf-bridge", (Source(RF),)),
    Export("vintage-curves", (Source(VC),)),  # every measure and book (the dropdowns pick one)
    Export("rf-latest", (Source(RF, _latest(RF)),)),
    Export("cmp-latest", (Source(CM, f"{_ALL_ISSUES} AND {_latest(CM)}"), Source(DQ, _latest(CM)))),
    Export("cmp-per-1000-by-issue", (Source(CM),)),
    Export("cmp-conduct", (Source(CM, _ALL_ISSUES), Source(DQ))),
    Export("cmp-by-bucket", (Source(CB),)),
    Export("cmp-timeliness", (Source(CM, _ALL_ISSUES),)),
    Export("cmp-backlog", (Source(CM, _ALL_ISSUES),)),
    Export("cmp-rolling", (Source(CM, _ALL_ISSUES),)),  # the 3 months to the latest, summed from these rows
    # the segment charts: every segment and book of their table (the selectors pick one)
    Export("aging-by-segment", (Source(AGING_SEG),)),
    Export("roll-by-segment", (Source(ROLL_SEG),)),
    Export("cure-by-segment", (Source(CURE_SEG),)),
    Export("dq-by-segment", (Source(DQ_SEG),)),
    Export("co-nco-by-segment", (Source(CO_SEG),)),
    Export("co-gross-by-segment", (Source(CO_SEG),)),
    # the quarterly view: the chart (one book at a time) and one table per book, all from the same rows
    Export("qtr-rates", (Source(QR),)),
    Export("qtr-table", (Source(QR),)),
    # the forecast page: every book, window and weighting of the latest month (the dropdowns pick one); the
    # lifetime rates with the averaged matrices they are computed from; one reserve table per book
    Export("fc-lifetime", (Source(LIFETIME, _latest(LIFETIME)), Source(AVERAGES, _latest(AVERAGES)))),
    Export("fc-reserve", (Source(RESERVE, _latest(RESERVE)),)),
    Export("fc-projection", (Source(PROJECTION, _latest(PROJECTION)),)),
    Export("fc-backtest", (Source(BACKTEST),)),
)


# A chart of a money mart also draws the whole book converted into the reporting currency, where the
# warehouse holds it (dashboards.reading.read_mart): the 'all' rows of marts.<mart>_converted, a file of its own.
_CONVERTIBLE = (AGING, ROLL, CURE, DQ, CO, RF)
EXPORTS = tuple(
    Export(e.chart, e.sources + tuple(
        Source(converted_table(s.table), f"portfolio = 'all'" + (f" AND {s.where}" if s.where else ""))
        for s in e.sources if s.table in _CONVERTIBLE))
    for e in EXPORTS)


def export_for(div_id: str) -> Export | None:
    """The export of the chart `div_id`: its own entry, else the longest family prefix (`chart-…`)."""
    matches = [e for e in EXPORTS if div_id == e.chart or div_id.startswith(e.chart + "-")]
    return max(matches, key=lambda e: len(e.chart)) if matches else None


def data_links(div_id: str) -> str:
    """The "Data (CSV)" link(s) under a chart or table, each naming the rows it holds; "" for an unknown id."""
    export = export_for(div_id)
    if export is None:
        return ""
    links = " · ".join(f'<a href="{path}" download>Data (CSV)</a> <code>{html.escape(s.claim)}</code>'
                       for s, path in export.files())
    return f'<p class="csv">{links}</p>\n'
