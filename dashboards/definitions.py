"""definitions.html: the definitions a finance user needs to read the pages (balance, days past due,
buckets, every rate, the small-cell rules, the colours), as a page of its own in the reports folder.

The text follows the binding metric definitions (docs/spec/metrics.md) and the page conventions
(docs/dashboards.md). It is kept here as HTML rather than rendered from those Markdown files at build time:
the docs folder is not part of the installed package, and their links point at other repository files
that do not exist in a reports folder. Every link on the page points at a page of the same folder, so it
works offline. It reads no table and holds no account-level data; every page's footer links it and a
chart's explanation may link one of its anchors (`definitions.html#roll-rates`).
"""

from __future__ import annotations

import html

from dashboards.buckets import BUCKET_COLOR, BUCKET_LABEL, BUCKET_NAMES
from dashboards.figures import ALL_COLOR, SERIES_COLORS
from dashboards.html_page import DEFINITIONS_FILE
from dashboards.page import Context, Page
from dashboards.small_cells import MIN_ACCOUNTS
from dashboards.suppression import MIN_COMPLAINTS

BUCKET_MEANING = {
    "current": "open, 0 days past due",
    "dpd_1_29": "open, 1 to 29 days past due",
    "dpd_30_59": "open, 30 to 59 days past due",
    "dpd_60_89": "open, 60 to 89 days past due",
    "dpd_90_119": "open, 90 to 119 days past due",
    "dpd_120_149": "open, 120 to 149 days past due",
    "dpd_150_179": "open, 150 to 179 days past due",
    "dpd_180_plus": "open, 180 or more days past due",
    "charged_off": "a charge-off was posted on or before the month end (terminal)",
    "closed": "closed with a balance of exactly 0.00 (terminal)",
}


def _swatch(color: str) -> str:
    return (f'<span class="swatch" style="display:inline-block;width:28px;height:14px;border:1px solid #757575;'
            f'background:{color}"></span>')


def _bucket_table() -> str:
    rows = "\n".join(
        f"<tr><td>{_swatch(BUCKET_COLOR[b])}</td><td>{html.escape(BUCKET_LABEL[b])}</td><td><code>{b}</code></td>"
        f"<td>{html.escape(BUCKET_MEANING[b])}</td></tr>"
        for b in BUCKET_NAMES
    )
    return ('<table class="headline definitions" id="bucket-table">\n<thead><tr><th>Colour</th><th>Bucket</th>'
            "<th>Name in the warehouse</th><th>Accounts in it at a month end</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody>\n</table>")


def _entry(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>\n'


def render(ctx: Context) -> str:
    series = " ".join(_swatch(c) for c in (ALL_COLOR, *SERIES_COLORS))
    entries = [
        _entry("reading", "Reading the pages", """
<p class="note">Every figure is an aggregate of the warehouse's marts tables, per calendar month end and
portfolio; <strong>All portfolios</strong> is the whole book. The <strong>as-of date</strong> at the top of a
page and in every chart title is the latest month end in the warehouse. An entry (payment, charge, due …)
counts at a month end when it was posted on or before that day. Charts with a “Portfolio:” dropdown show one
portfolio at a time.</p>"""),
        _entry("balance", "Balance", """
<p class="note">Balance at a month end = disbursements + purchases + interest + fees + payment reversals −
payments − credit adjustments − waivers − charge-offs, over the entries posted on or before the month end.
Dues and recoveries do not move it. <strong>Open balance</strong> = the balance of the open accounts
(charged-off and closed accounts excluded).</p>"""),
        _entry("dpd", "Days past due (DPD)", """
<p class="note">Days past due count from the <strong>oldest unpaid due</strong>: payments (less reversals)
pay the dues in the order of their due dates (first in, first out), and a shortfall up to the configured
tolerance (5.00 by default) is ignored. DPD = month end − due date of the oldest due still unpaid; a due
falling on the month end itself is not yet past due. Past-due amount = dues fallen due − payments, 0 when
DPD is 0.</p>"""),
        _entry("buckets", "Buckets", f"""
<p class="note">Each account is in exactly one bucket at a month end, by its status and days past due. The
pages label the buckets by their DPD range (never by payment-cycle labels) and always list them in this order,
each in its colour on every page.</p>
{_bucket_table()}"""),
        _entry("aging", "Delinquency aging", """
<p class="note">The accounts and the sum of their month-end balances in each bucket. Charged-off and closed
accounts appear only in the month they reach that state (their balance is then 0.00 or near it). Every
legend lists all ten buckets, a bucket without accounts drawn as zero; the 1+ DPD chart lists the seven
delinquent buckets. <a href="aging.html">Aging page</a>.</p>"""),
        _entry("roll-rates", "Roll rates (transition matrix)", """
<p class="note">For two consecutive month ends: the accounts open in a bucket at the previous month end
(the row) and the state they are in at this month end (the column, any of the ten). <strong>Account rate</strong>
= accounts moving from the row bucket to the column bucket / accounts in the row bucket (n); each row sums to
100%. <strong>Balance rate</strong> = the previous-month-end balance of the accounts moving / the balance
of the whole row bucket. An empty cell: no account moved that way. <a href="roll_rates.html">Roll-rate
page</a>.</p>"""),
        _entry("flow-rates", "Flow rates", """
<p class="note">The balance rate of each step down the delinquent chain: Current → 1–29 DPD, 1–29 → 30–59,
…, 150–179 → 180+ DPD, and 180+ DPD → Charged off. A bucket with accounts but none rolling on gives 0; a gap
means the bucket was empty (or had no balance) at the previous month end.</p>"""),
        _entry("cure-rates", "Cure rates", """
<p class="note">Over the accounts open and delinquent (1+ DPD) in a bucket at the previous month end. An
account is <strong>cured</strong> when it is open at 0 DPD at this month end; charge-offs, closures and payoffs
are not cures. <strong>Cure rate</strong> = cured accounts / accounts in the bucket; <strong>balance cure
rate</strong> = previous-month-end balance of the cured / that of the bucket; <strong>cured within 3
months</strong> = share at 0 DPD at any of this and the next two month ends (blank until observed);
<strong>re-default within 6 months</strong> = of the accounts cured this month, the share at 30+ DPD at any of
the next six month ends (blank until observed). <a href="cure_rates.html">Cure-rate page</a>.</p>"""),
        _entry("delinquency-rates", "Delinquency rates", """
<p class="note">Over the open accounts at the month end: <strong>30+ / 60+ / 90+ DPD account rate</strong> =
open accounts at that many days past due or more / open accounts; the <strong>balance rate</strong> divides
their <em>full</em> balances (not only the past-due amount) by the open balance. Charged-off and closed
accounts are in neither numerator nor denominator. <a href="delinquency.html">Delinquency page</a>.</p>"""),
        _entry("charge-offs", "Charge-offs and recoveries", """
<p class="note">Gross charge-offs, recoveries and net charge-off (gross − recoveries) posted in the month.
<strong>Annualized net charge-off (NCO) rate</strong> = net charge-off × 12 / average of the open balances at
the previous and this month end (blank in the first reporting month; negative when recoveries exceed
charge-offs). Charge-off policy (FFIEC): revolving accounts at 180 DPD, installment loans at 120 DPD.</p>"""),
        _entry("vintages", "Vintage curves", """
<p class="note">A <strong>vintage</strong> is the pool of accounts opened in one month (the month of the
opening date), followed as a fixed pool as it ages; <strong>months on book</strong> counts the month ends since
the opening month (0 = the opening month). <strong>Ever 30+ / 60+ / 90+ DPD rate</strong> = the vintage's
accounts that were at that many days past due or more, or charged off, at any month end so far / the
vintage's accounts. <strong>Cumulative net loss rate</strong> = charge-offs less recoveries posted so far on the
vintage's accounts / its origination exposure (original principal of its loans plus credit limits of its card
accounts, as first delivered). <strong>Open balance</strong> = the balance of its accounts still open. Only
vintages opened in a reporting month are drawn: accounts opened before the first reporting month are left
out, since their first months were never observed. Once a month is closed its points never change; each
later month adds one point to every curve.</p>"""),
        _entry("quarterly", "Quarterly view (Federal Reserve style)", """
<p class="note">Per calendar quarter and book, for the quarters whose three months are all reporting months (a
partial first or last quarter is left out). <strong>30+ / 90+ DPD rates</strong>: the delinquency rates of the
quarter's last month end (the full balances, or the accounts, at that many days past due or more over the open
balance or open accounts). <strong>Net charge-off</strong>: gross charge-offs less recoveries posted in the
quarter's three months. <strong>Average balance</strong>: the mean of the open balances at the quarter's three
month ends, rounded to the cent. <strong>Annualised NCO rate</strong> = net charge-off × 4 / average balance.
These are the figures the Federal Reserve publishes for all US commercial banks (delinquencies as a share of
balances at the quarter end, quarterly net charge-offs annualised over average balances); unlike the Fed's
series they are <strong>not seasonally adjusted</strong> and cover this book only, so compare a quarter with
the same quarter a year earlier.</p>"""),
        _entry("forecast", "Loss forecast (roll-rate method)", """
<p class="note"><strong>Averaged matrix</strong>: the monthly transition matrices (see Roll rates above) of the
last 3, 6 or 12 months (the <strong>window</strong>; a window exists once all its months have roll
rates) pooled into one: the accounts (or the balances) moving from a bucket to another over the window, over
all those in the bucket. <strong>Account-weighted</strong> counts accounts, <strong>balance-weighted</strong> weighs
them by their balance at the earlier month end. The pages show 12 months balance-weighted first, else the
longest window there is.</p>
<p class="note"><strong>Lifetime charge-off probability</strong> of an open bucket: the share of it the averaged
matrix takes, month after month, into charged off rather than closed (an absorbing Markov chain). When some
accounts of a bucket, or of a bucket it rolls into, never leave the open buckets in the averaged matrix, there is
no lifetime figure: the bucket is <strong>horizon-limited</strong> and its figure is the probability of charge-off
within 60 months, the rest being still open then (hatched on the page). A bucket where no account was observed
in the window has no movement to go by: it is taken to stay where it is (charge-off 0, horizon-limited).</p>
<p class="note"><strong>Recovery rate</strong> = recoveries / gross charge-offs of the last 12 months (0 without a
charge-off; at most 100%). <strong>Expected charge-off</strong> = Σ bucket balance × charge-off probability;
<strong>reserve</strong> = the same × (1 − recovery rate), in the book's currency; <strong>reserve rate</strong>
= reserve / open balance.</p>
<p class="note"><strong>Projection</strong>: the open balances by bucket at the month end multiplied by the averaged
matrix once per month, 12 months ahead, with no new business (no account opens, no new drawing): each month's
balance rolling into charged off is the projected charge-off. <strong>Backtest</strong>: the charge-off a
projection made some months before expected for a month, against the gross charge-off actually posted then;
error = projected − actual. They differ even for a perfect matrix: interest and fees accrue before the
write-off, payments and partial write-offs reduce balances, and accounts roll on other paths than the
average.</p>
<p class="note"><strong>Limits</strong>: a roll-rate method, as the OCC and FDIC list among allowance methods, not a
full CECL or IFRS 9 model: no forward-looking economic adjustment, no lifetime of undrawn limits, no new
business; averaged flow rates understate losses when new delinquency surges. Every book (portfolio and currency)
is forecast on its own; no converted figures are built.</p>"""),
        _entry("complaints", "Complaints", f"""
<p class="note">Complaints count in the month they were received, per portfolio (All portfolios also holds
complaints without an account) and CFPB debt-collection issue group. <strong>Per 1,000 open accounts</strong> =
complaints / open accounts at the month end × 1,000 (per mille, not a percentage). <strong>Conduct
complaints</strong> (communication tactics, electronic communications, false statements, threatened
negative or legal action, improper contact or sharing of information) are shown per 1,000 delinquent
accounts. <strong>Timely response</strong> = answered within 15 calendar days of receipt; <strong>closure</strong> =
closed within 60 days. <strong>Open backlog</strong> = complaints received by the month end and not closed by
then. Any figure built from fewer than {MIN_COMPLAINTS} complaints is suppressed (not shown at all).</p>"""),
        _entry("small-cells", "Small cells", f"""
<p class="note">A rate computed over fewer than <strong>{MIN_ACCOUNTS} accounts</strong> (the from-bucket of a
roll or cure rate, the accounts cured for a re-default rate, the open accounts of a delinquency rate) is
shown with its count n, the accounts it is computed over, so that “100.0%” of two accounts does not read
as a trend: a matrix cell reads “100.0%* n=2”, a point on a line is hollow with “n=2” written beside it.
The count is in the chart itself, no hovering needed. Complaint figures follow their own, stricter rule
(fewer than {MIN_COMPLAINTS} complaints: suppressed).</p>"""),
        _entry("colours", "Colours", f"""
<p class="note">Buckets are coloured by severity on one scale from ColorBrewer's YlOrRd (light yellow for
Current to dark red for 180+ DPD, colour-blind safe), with dark grey for charged off and light grey for
closed (see <a href="#buckets">Buckets</a>). Other series (portfolios, 30+/60+/90+ DPD, issue groups) use
the Okabe–Ito colour-blind-safe palette {series}; lines also differ by dash and marker, so no chart relies
on colour alone.</p>"""),
    ]
    return "".join(entries)


PAGE = Page(
    slug=DEFINITIONS_FILE.removesuffix(".html"),
    title="Definitions",
    summary="What every figure means: balance, days past due, buckets, each rate, small cells, colours.",
    intro="The definitions behind the figures of these pages, as the warehouse computes them. Each chart's "
    "explanation links its entry here.",
    tables=(),
    render=render,
)
