"""complaints.html (built only when marts.complaint_metrics and marts.complaints_by_bucket exist).

One page over the two complaint marts: the sections drawn from marts.complaint_metrics live in
`dashboards.complaint_metrics`, the one from marts.complaints_by_bucket in `dashboards.complaints_by_bucket`;
this module puts them in order with their explanations. Complaints per 1,000 open accounts by issue group,
conduct complaints per 1,000 delinquent accounts beside the 30+ DPD account rate (marts.delinquency_rates),
complaints per 1,000 accounts by delinquency bucket, timely-response and 60-day closure rates against their
100 % target, and the open backlog. Small numbers are suppressed (`dashboards.suppression`); the page says
so in a note at the top. Where a month's cells are too small, the same figures over the 3 months ending at
each month (`dashboards.rolling_view`) rest on more complaints: every chart but the backlog has a
"Monthly / Rolling 3 months" switch, opening on the rolling view when the monthly one is mostly
suppressed, and a 3-month table follows the latest-month table.
"""

from __future__ import annotations

import polars as pl

from dashboards import complaint_metrics, complaints_by_bucket, delinquency_rates
from dashboards.changes import PER_MILLE, Headline
from dashboards.dimensions import months
from dashboards.figures import figure_html
from dashboards.html_page import section
from dashboards.page import Context, Page
from dashboards.reading import missing_notice
from dashboards.suppression import SUPPRESSED, SUPPRESSED_NOTE, suppressed

ROLLING_NOTE = (
    "Where a month's cells are too small, the \u201cRolling 3 months\u201d button above a chart shows the same "
    "figures over the 3 months ending at each month (complaints summed, rates per 1,000 account-months), "
    "suppressed by the same rule applied to the 3-month sums; a chart whose monthly figures are mostly "
    "suppressed opens on it, and \u201cMonthly\u201d goes back."
)


def render(ctx: Context) -> str:
    df = complaint_metrics.read(ctx)
    buckets = complaints_by_bucket.read(ctx)
    empty = missing_notice(complaint_metrics.TABLE, df)
    note = f'<p class="notice" id="small-cells">{SUPPRESSED_NOTE} {ROLLING_NOTE}</p>\n'
    if empty:
        return note + empty
    as_of = max(months(df))
    dq30 = delinquency_rates.dq30_account_rates(ctx)
    everything = df.filter(pl.col("issue_group") == complaint_metrics.ALL_ISSUES)
    rolled = complaint_metrics.rolling(df)
    rolled_everything = rolled.filter(pl.col("issue_group") == complaint_metrics.ALL_ISSUES)
    parts = [
        note,
        section(
            f"Latest month: {as_of}",
            "All issues, per portfolio. Complaints are counted in the month they were received. Rates per "
            "1,000 are per mille, not percentages, and can exceed 1,000: the numerator counts every "
            "complaint (also from charged-off or closed accounts and, under all portfolios, complaints "
            "without an account), the denominator open (or delinquent) accounts only.",
            complaint_metrics.latest_table(everything, dq30, as_of),
        ),
        section(
            f"Last 3 months: to {as_of}",
            "The same figures over the 3 months ending at the latest month end, for slices too small in one "
            "month: complaints summed over the 3 months; rates per 1,000 of the open (delinquent) accounts of "
            "the 3 month ends, i.e. per 1,000 account-months, so they read as monthly rates comparable with "
            "the latest month's; timely response and closure over the 3 months' complaints. Suppression "
            "applies to the 3-month sums.",
            complaint_metrics.rolling_table(rolled, as_of),
        ),
        section(
            "Complaints per 1,000 open accounts by issue group",
            "Issue groups follow the CFPB debt-collection taxonomy (pre-2017 wording mapped onto the "
            "current issues; everything else is Other issues). No value outside the reporting months: "
            "there are no account figures there.",
            figure_html(complaint_metrics.per_1000_by_issue(df, as_of, rolled), "cmp-per-1000-by-issue"),
        ),
        section(
            "Conduct complaints per 1,000 delinquent accounts",
            "Conduct complaints (Communication tactics, Electronic communications, False statements or "
            "representation, Took or threatened to take negative or legal action, Threatened to contact "
            "someone or share information improperly) per 1,000 delinquent accounts — the early warning "
            "that collection conduct has gone wrong — beside the 30+ DPD account rate (right axis) from "
            "the delinquency rates: a rise in conduct complaints without a rise in delinquency points to "
            "how accounts are worked, not to how many there are.",
            figure_html(complaint_metrics.conduct(everything, dq30, as_of, rolled_everything), "cmp-conduct"),
        ),
        section(
            "Complaints per 1,000 accounts by delinquency bucket",
            "Complaints from accounts that were open in each bucket at the previous month end, per 1,000 "
            "accounts of that bucket. Complaints without an account, from accounts opened in the month or "
            "from accounts charged off or closed at the previous month end are not in this chart. No point: "
            "no complaint from the bucket that month (rolling view: in one of the 3 months, whose accounts the "
            "mart then does not hold).",
            complaints_by_bucket.chart(buckets),
        ),
        section(
            "Timely response and closure within 60 days",
            "Share of the month's complaints answered within 15 calendar days of receipt, and closed within "
            "60 days, against the 100 % target. Complaints still inside their window at the latest month "
            "end are left out until the window has run out (so the latest months rest on fewer "
            "complaints), and so are complaints answered or closed at an unknown date (e.g. imported from "
            "the CFPB database, which publishes no such dates).",
            figure_html(complaint_metrics.timeliness(everything, as_of, rolled_everything), "cmp-timeliness"),
        ),
        section(
            "Open complaints at month end",
            "Complaints received on or before the month end and not closed by then, whatever month they "
            "were received in. Complaints whose response says closed but whose closing date is unknown are "
            "not counted as open; where there are any, they are shown as a second line (they may have been "
            "open or closed at that month end).",
            figure_html(complaint_metrics.backlog(everything, as_of), "cmp-backlog"),
        ),
    ]
    return "".join(parts)


def _per_1000(rows: list[dict]) -> float | None:
    """Complaints per 1,000 open accounts, all issues; None when suppressed (fewer than 5 complaints)."""
    r = next((r for r in rows if r["issue_group"] == complaint_metrics.ALL_ISSUES), None)
    return None if r is None or suppressed(r["complaints"]) else r["complaints_per_1000"]


# The sentence at the top: the month's complaints per 1,000 open accounts of the whole book.
HEADLINE = Headline(complaint_metrics.TABLE, "complaints per 1,000 open accounts", PER_MILLE,
                    "issue_group, complaints::BIGINT AS complaints, complaints_per_1000",
                    "month_end, portfolio, issue_group", _per_1000, missing=SUPPRESSED)


PAGE = Page(
    slug="complaints",
    title="Complaints",
    summary="Complaints per 1,000 accounts by issue and delinquency bucket, conduct complaints beside "
    "delinquency, timely response and closure against target, open backlog; small numbers suppressed.",
    intro="Complaints counted by the month they were received, per portfolio ('all' also holds complaints "
    "without an account) and CFPB debt-collection issue group. Rates per 1,000 use the open (or "
    "delinquent) accounts at the month end; timely response = answered within 15 calendar days of "
    "receipt; closure = closed within 60 days. Figures built from fewer than 5 complaints are suppressed.",
    tables=(complaint_metrics.TABLE, complaints_by_bucket.TABLE),
    render=render,
    optional=True,
    also_reads=(delinquency_rates.TABLE,),  # the 30+ DPD account rate beside the conduct complaints
    headline=HEADLINE,
)
