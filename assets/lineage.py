"""Column-level lineage of the marts (and of intermediate.ledger_flows, which two marts read), declared
once: for each column of each table, the columns of the tables it reads that feed it, one step up.

Followed step by step, a mart figure leads back to the staging columns, and from there (each staging row
carries its `source_file` and `line_number`) to the lender's files:
marts.aging.balance ← marts.account_month.balance ← staging.ledger.amount, entry_type, posted_on.

Shown in Dagster as each asset's `dagster/column_lineage`; written out in docs/checks-and-lineage.md
(generated from this declaration, `python -m assets.lineage`; a test checks the page matches), and
`column_lineage()` gives it to whoever exports it (the evidence pack). `tests/assets/test_lineage.py`
checks that every column of every such table has an entry, that every upstream table is one the builder
reads (assets/registry.py), and that every upstream column exists in the built upstream table.

The reporting months (`staging.reporting_months`, written with staging.ledger from the ledger files'
months) are not an asset of their own: where a figure depends on them, the lineage names the columns
they come from (staging.ledger.source_file for marts.account_month, marts.account_month.month_end for
the marts built on it).
"""

from __future__ import annotations

import sys

import dagster as dg

from assets.marts.converted import CONVERTED

AM, LEDGER, ACCOUNTS, COMPLAINTS, FLOWS = ("marts.account_month", "staging.ledger", "staging.accounts",
                                          "staging.complaints", "intermediate.ledger_flows")
DQ, CO = "marts.delinquency_rates", "marts.charge_offs"


def _cols(table: str, *columns: str) -> list[tuple[str, str]]:
    return [(table, c) for c in columns]


# ledger columns that make up a balance / the ageing of an account at a month end
_BALANCE = _cols(LEDGER, "amount", "entry_type", "posted_on")
_AGEING = _cols(LEDGER, "amount", "entry_type", "posted_on", "due_on", "entry_id")
_MONTHS = _cols(LEDGER, "source_file")  # the reporting months: the ledger files' months
_AM_MONTH = _cols(AM, "month_end")
_AM_PORTFOLIO = _cols(AM, "portfolio")
_AM_CURRENCY = _cols(AM, "currency")

_LINEAGE: dict[str, dict[str, list[tuple[str, str]]]] = {
    FLOWS: {
        "month_end": _cols(LEDGER, "posted_on"),
        "portfolio": _cols(ACCOUNTS, "portfolio"),
        "currency": _cols(ACCOUNTS, "currency"),
        "debits": _BALANCE,
        "credits": _BALANCE,
        "charge_offs": _BALANCE,
        "recoveries": _BALANCE,
        "entries": _cols(LEDGER, "entry_id", "entry_type", "posted_on"),
    },
    AM: {
        "account_id": _cols(ACCOUNTS, "account_id"),
        "month_end": _MONTHS + _cols(ACCOUNTS, "opened_on", "closed_on") + _BALANCE,
        "portfolio": _cols(ACCOUNTS, "portfolio"),
        "currency": _cols(ACCOUNTS, "currency"),
        "product_type": _cols(ACCOUNTS, "product_type"),
        "status": _BALANCE + _cols(ACCOUNTS, "closed_on"),
        "balance": _BALANCE,
        "past_due_amount": _AGEING,
        "dpd": _AGEING,
        "bucket": _AGEING + _cols(ACCOUNTS, "closed_on"),
        "qualifying_credits": _BALANCE,
        "past_dues_to_date": _cols(LEDGER, "amount", "entry_type", "posted_on", "due_on"),
        "oldest_unpaid_due_on": _AGEING,
        "account_key": _cols(ACCOUNTS, "account_key"),
    },
    "marts.aging": {
        "month_end": _AM_MONTH,
        "portfolio": _AM_PORTFOLIO,
        "currency": _AM_CURRENCY,
        "bucket": _cols(AM, "bucket"),
        "accounts": _cols(AM, "account_id", "bucket"),
        "balance": _cols(AM, "balance", "bucket"),
        "past_due_amount": _cols(AM, "past_due_amount", "bucket"),
    },
    "marts.roll_rates": {
        "month_end": _AM_MONTH,
        "portfolio": _AM_PORTFOLIO,
        "currency": _AM_CURRENCY,
        "from_bucket": _cols(AM, "bucket", "status"),
        "to_bucket": _cols(AM, "bucket"),
        "accounts": _cols(AM, "account_key", "month_end", "bucket"),
        "balance": _cols(AM, "balance", "bucket"),
        "account_rate": _cols(AM, "account_key", "month_end", "bucket"),
        "balance_rate": _cols(AM, "account_key", "month_end", "bucket", "balance"),
    },
    "marts.cure_rates": {
        "month_end": _AM_MONTH,
        "portfolio": _AM_PORTFOLIO,
        "currency": _AM_CURRENCY,
        "from_bucket": _cols(AM, "bucket", "status", "dpd"),
        "accounts": _cols(AM, "account_key", "bucket"),
        "balance": _cols(AM, "balance", "bucket"),
        "cured_accounts": _cols(AM, "account_key", "month_end", "status", "dpd"),
        "cure_rate": _cols(AM, "account_key", "month_end", "status", "dpd", "bucket"),
        "balance_cure_rate": _cols(AM, "account_key", "month_end", "status", "dpd", "balance"),
        "cured_within_3m_rate": _cols(AM, "account_key", "month_end", "status", "dpd"),
        "redefault_6m_rate": _cols(AM, "account_key", "month_end", "status", "dpd"),
    },
    "marts.delinquency_rates": {
        "month_end": _AM_MONTH,
        "portfolio": _AM_PORTFOLIO,
        "currency": _AM_CURRENCY,
        "open_accounts": _cols(AM, "account_id", "status"),
        "open_balance": _cols(AM, "balance", "status"),
        **{f"dq{n}_{kind}_rate": _cols(AM, "account_id" if kind == "account" else "balance", "status", "dpd")
           for n in (30, 60, 90) for kind in ("account", "balance")},
    },
    "marts.charge_offs": {
        "month_end": _AM_MONTH + _cols(FLOWS, "month_end"),
        "portfolio": _AM_PORTFOLIO + _cols(FLOWS, "portfolio"),
        "currency": _AM_CURRENCY + _cols(FLOWS, "currency"),
        "gross_charge_off": _cols(FLOWS, "charge_offs"),
        "recoveries": _cols(FLOWS, "recoveries"),
        "net_charge_off": _cols(FLOWS, "charge_offs", "recoveries"),
        "average_balance": _cols(AM, "balance", "status", "month_end"),
        "nco_rate_annualized": _cols(FLOWS, "charge_offs", "recoveries") + _cols(AM, "balance", "status", "month_end"),
    },
    "marts.roll_forward": {
        "month_end": _AM_MONTH + _cols(FLOWS, "month_end"),
        "portfolio": _AM_PORTFOLIO + _cols(FLOWS, "portfolio"),
        "currency": _AM_CURRENCY + _cols(FLOWS, "currency"),
        "opening_balance": _cols(AM, "balance", "status", "month_end"),
        "debits": _cols(FLOWS, "debits"),
        "credits": _cols(FLOWS, "credits"),
        "charge_offs": _cols(FLOWS, "charge_offs"),
        "closing_balance": _cols(AM, "balance", "month_end"),
        "difference": _cols(AM, "balance", "status", "month_end") + _cols(FLOWS, "debits", "credits", "charge_offs"),
    },
    # the quarter ending at month_end: the delinquency rates of its last month end, the charge-offs of its three
    "marts.quarterly_rates": {
        "month_end": _cols(DQ, "month_end") + _cols(CO, "month_end"),
        "portfolio": _cols(DQ, "portfolio") + _cols(CO, "portfolio"),
        "currency": _cols(DQ, "currency") + _cols(CO, "currency"),
        "quarter": _cols(DQ, "month_end") + _cols(CO, "month_end"),
        "open_accounts": _cols(DQ, "open_accounts"),
        "open_balance": _cols(DQ, "open_balance"),
        **{f"dq{n}_{kind}_rate": _cols(DQ, f"dq{n}_{kind}_rate") for n in (30, 90) for kind in ("account", "balance")},
        "gross_charge_off": _cols(CO, "gross_charge_off"),
        "recoveries": _cols(CO, "recoveries"),
        "net_charge_off": _cols(CO, "net_charge_off"),
        "average_balance": _cols(DQ, "open_balance", "month_end"),
        "nco_rate_annualized": _cols(CO, "net_charge_off") + _cols(DQ, "open_balance", "month_end"),
    },
    "marts.complaint_metrics": {
        "month_end": _cols(COMPLAINTS, "received_on"),
        "portfolio": _cols(COMPLAINTS, "account_id") + _cols(AM, "account_id", "month_end", "portfolio"),
        "issue_group": _cols(COMPLAINTS, "issue_group"),
        "complaints": _cols(COMPLAINTS, "complaint_id", "received_on"),
        "complaints_per_1000": _cols(COMPLAINTS, "complaint_id", "received_on") + _cols(AM, "account_id", "status"),
        "timely_response_rate": _cols(COMPLAINTS, "received_on", "responded_on", "company_response") + _AM_MONTH,
        "closed_within_60d_rate": _cols(COMPLAINTS, "received_on", "closed_on", "company_response") + _AM_MONTH,
        "median_days_to_close": _cols(COMPLAINTS, "received_on", "closed_on") + _AM_MONTH,
        "open_backlog": _cols(COMPLAINTS, "complaint_id", "received_on", "closed_on", "company_response"),
        "repeat_rate": _cols(COMPLAINTS, "complaint_id", "account_id", "received_on"),
        "conduct_complaints": _cols(COMPLAINTS, "complaint_id", "received_on", "issue_group"),
        "conduct_per_1000_delinquent": _cols(COMPLAINTS, "complaint_id", "received_on", "issue_group")
        + _cols(AM, "account_id", "status", "dpd"),
        "open_accounts": _cols(AM, "account_id", "status"),
        "delinquent_accounts": _cols(AM, "account_id", "status", "dpd"),
        "dates_unknown": _cols(COMPLAINTS, "responded_on", "closed_on", "company_response"),
        "backlog_unknown": _cols(COMPLAINTS, "received_on", "closed_on", "company_response"),
        "timely_response_denominator": _cols(COMPLAINTS, "received_on", "responded_on", "company_response") + _AM_MONTH,
        "closed_within_60d_denominator": _cols(COMPLAINTS, "received_on", "closed_on", "company_response") + _AM_MONTH,
    },
    "marts.complaints_by_bucket": {
        "month_end": _cols(COMPLAINTS, "received_on") + _AM_MONTH,
        "bucket": _cols(AM, "bucket", "status"),
        "complaints": _cols(COMPLAINTS, "complaint_id", "account_id", "received_on") + _cols(AM, "account_id", "bucket"),
        "accounts": _cols(AM, "account_id", "bucket", "status"),
        "complaints_per_1000": _cols(COMPLAINTS, "complaint_id", "account_id", "received_on")
        + _cols(AM, "account_id", "bucket", "status"),
    },
}

# The vintage curves: each account's vintage and book from staging.accounts (its exposure from the account's
# first version, staging.account_versions, a side table of staging.accounts), its months from marts.account_month,
# its losses from its charge-off and recovery entries.
_VINTAGE = _cols(ACCOUNTS, "account_id", "opened_on")
_LOSSES = _cols(LEDGER, "account_key", "amount", "entry_type", "posted_on") + _VINTAGE
_EVER = _cols(AM, "account_key", "month_end", "status", "dpd") + _VINTAGE
_LINEAGE["marts.vintage_curves"] = {
    "month_end": _AM_MONTH + _cols(ACCOUNTS, "opened_on"),
    "portfolio": _cols(ACCOUNTS, "portfolio"),
    "currency": _cols(ACCOUNTS, "currency"),
    "vintage": _cols(ACCOUNTS, "opened_on"),
    "months_on_book": _AM_MONTH + _cols(ACCOUNTS, "opened_on"),
    "accounts": _VINTAGE,
    "origination_exposure": _VINTAGE + _cols(ACCOUNTS, "product_type", "credit_limit", "original_principal"),
    **{f"ever_{n}_accounts": _EVER for n in (30, 60, 90)},
    **{f"ever_{n}_rate": _EVER for n in (30, 60, 90)},
    "cum_gross_charge_off": _LOSSES,
    "cum_recoveries": _LOSSES,
    "cum_net_loss": _LOSSES,
    "cum_net_loss_rate": _LOSSES + _cols(ACCOUNTS, "product_type", "credit_limit", "original_principal"),
    "open_accounts": _cols(AM, "account_key", "month_end", "status") + _VINTAGE,
    "open_balance": _cols(AM, "account_key", "month_end", "status", "balance") + _VINTAGE,
}

# The segments: the account-months' segment values, and each by-segment mart fed as its base mart is, its
# rows cut by the segment values (as of m, or m−1 for roll and cure rates and charge-offs' m−1 balance).
SEGMENTS = "intermediate.account_segments"
_LINEAGE[SEGMENTS] = {
    "month_end": _AM_MONTH + _cols(LEDGER, "entry_type", "posted_on"),
    "account_key": _cols(AM, "account_key") + _cols(LEDGER, "account_key"),
    "product_type": _cols(ACCOUNTS, "product_type"),
    "region": _cols(ACCOUNTS, "region", "source_file"),
    "vintage_year": _cols(ACCOUNTS, "opened_on"),
    "hardship_flag": _cols(ACCOUNTS, "hardship_flag", "source_file"),
    "limit_band": _cols(ACCOUNTS, "product_type", "credit_limit", "original_principal", "source_file"),
}
_SEGMENT_COLUMNS = ("product_type", "region", "vintage_year", "hardship_flag", "limit_band")
_CUT = _cols(SEGMENTS, "account_key", "month_end", *_SEGMENT_COLUMNS)  # which account-months a row holds
for _mart in ("aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs"):
    _base = _LINEAGE[f"marts.{_mart}"]
    _columns = list(_base)
    _LINEAGE[f"marts.{_mart}_by_segment"] = {
        **{c: _base[c] for c in _columns[:3]},
        "segment": _cols(SEGMENTS, *_SEGMENT_COLUMNS),
        "segment_value": _cols(SEGMENTS, *_SEGMENT_COLUMNS),
        **{c: _base[c] + _CUT for c in _columns[3:]},
    }
# charge_offs_by_segment sums the charge-off and recovery entries per account itself (the flows are per portfolio)
_ENTRIES = _cols(LEDGER, "amount", "entry_type", "posted_on")
_LINEAGE["marts.charge_offs_by_segment"].update({
    "month_end": _AM_MONTH + _cols(LEDGER, "posted_on"),
    "portfolio": _AM_PORTFOLIO + _cols(ACCOUNTS, "portfolio"),
    "currency": _AM_CURRENCY + _cols(ACCOUNTS, "currency"),
    "gross_charge_off": _ENTRIES + _CUT,
    "recoveries": _ENTRIES + _CUT,
    "net_charge_off": _ENTRIES + _CUT,
    "nco_rate_annualized": _ENTRIES + _cols(AM, "balance", "status", "month_end") + _CUT,
})


# The roll-rate loss forecast (docs/spec/metrics.md, "Roll-rate loss forecast"): the averaged matrices from the
# monthly ones, the absorption probabilities from a whole averaged matrix, the money from marts.aging's balances.
RR, AVG, LIFE, PROJ, CO, AGING = ("marts.roll_rates", "marts.roll_rate_averages", "marts.lifetime_loss_rates",
                                  "marts.loss_projection", "marts.charge_offs", "marts.aging")
_MATRIX = _cols(AVG, "from_bucket", "to_bucket", "rate")
_BOOK = {"month_end": _cols(AVG, "month_end"), "portfolio": _cols(AVG, "portfolio"),
         "currency": _cols(AVG, "currency"), "window_months": _cols(AVG, "window_months"),
         "weighting": _cols(AVG, "weighting")}
_RECOVERY = _cols(CO, "month_end", "gross_charge_off", "recoveries")
_LINEAGE.update({
    AVG: {
        "month_end": _cols(RR, "month_end"),
        "portfolio": _cols(RR, "portfolio"),
        "currency": _cols(RR, "currency"),
        "window_months": _cols(RR, "month_end"),
        "weighting": _cols(RR, "accounts", "balance"),
        "from_bucket": _cols(RR, "from_bucket"),
        "to_bucket": _cols(RR, "to_bucket"),
        "accounts": _cols(RR, "month_end", "accounts"),
        "from_accounts": _cols(RR, "month_end", "from_bucket", "accounts"),
        "balance": _cols(RR, "month_end", "balance"),
        "from_balance": _cols(RR, "month_end", "from_bucket", "balance"),
        "rate": _cols(RR, "month_end", "from_bucket", "accounts", "balance"),
    },
    LIFE: {
        **_BOOK,
        "bucket": _cols(AVG, "from_bucket"),
        "balance": _cols(AGING, "bucket", "balance"),
        "charge_off_probability": _MATRIX,
        "closed_probability": _MATRIX,
        "open_probability": _MATRIX,
        "horizon_months": _MATRIX,
        "horizon_limited": _MATRIX,
        "recovery_rate": _RECOVERY,
        "expected_loss": _cols(AGING, "bucket", "balance") + _MATRIX + _RECOVERY,
    },
    "marts.roll_rate_reserve": {
        **{c: _cols(LIFE, c) for c in _BOOK},
        "open_balance": _cols(LIFE, "balance"),
        "expected_charge_off": _cols(LIFE, "balance", "charge_off_probability"),
        "recovery_rate": _cols(LIFE, "recovery_rate"),
        "reserve": _cols(LIFE, "balance", "charge_off_probability", "recovery_rate"),
        "reserve_rate": _cols(LIFE, "balance", "charge_off_probability", "recovery_rate"),
        "horizon_limited_buckets": _cols(LIFE, "horizon_limited", "balance"),
    },
    PROJ: {
        **_BOOK,
        "months_ahead": _cols(AVG, "month_end"),
        "projected_month_end": _cols(AVG, "month_end"),
        **{f"{b}_balance": _cols(AGING, "bucket", "balance") + _MATRIX
           for b in ("current", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_149", "dpd_150_179",
                     "dpd_180_plus")},
        "open_balance": _cols(AGING, "bucket", "balance") + _MATRIX,
        "charge_off": _cols(AGING, "bucket", "balance") + _MATRIX,
        "closed": _cols(AGING, "bucket", "balance") + _MATRIX,
        "cumulative_charge_off": _cols(AGING, "bucket", "balance") + _MATRIX,
    },
    "marts.loss_backtest": {
        "month_end": _cols(PROJ, "projected_month_end") + _cols(CO, "month_end"),
        **{c: _cols(PROJ, c) for c in ("portfolio", "currency", "window_months", "weighting", "months_ahead")},
        "forecast_month_end": _cols(PROJ, "month_end"),
        "projected_charge_off": _cols(PROJ, "charge_off"),
        "actual_charge_off": _cols(CO, "gross_charge_off"),
        "error": _cols(PROJ, "charge_off") + _cols(CO, "gross_charge_off"),
        "error_rate": _cols(PROJ, "charge_off") + _cols(CO, "gross_charge_off"),
    },
})

# The converted marts (assets/marts/converted.py): each column from the same column of the native mart; the
# converted figures and the record of the conversion also from the rates (staging.fx_rates).
FX = "staging.fx_rates"
_FX_RATE = _cols(FX, "month_end", "currency", "rate")


def _converted_lineage(native: str) -> dict[str, list[tuple[str, str]]]:
    keys = ("month_end", "portfolio", "currency", "bucket", "from_bucket", "to_bucket")
    out = {c: _cols(native, c) + ([] if c in keys else _FX_RATE) for c in _LINEAGE[native]}
    out["currency"] = _cols(native, "currency") + _cols(FX, "currency")
    out["converted_from"] = _cols(native, "currency") + _cols(FX, "month_end", "currency")
    out["fx_rates"] = _cols(native, "currency") + _cols(FX, "month_end", "currency", "rate", "source_file")
    out["not_converted"] = _cols(native, "month_end", "portfolio", "currency") + _cols(FX, "month_end", "currency")
    return out


_LINEAGE.update({name: _converted_lineage(c.native) for name, c in CONVERTED.items()})


def column_lineage() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{table: {column: [(upstream table, upstream column), …]}} for every mart and
    intermediate.ledger_flows (a copy: callers may change it)."""
    return {t: {c: list(deps) for c, deps in cols.items()} for t, cols in _LINEAGE.items()}


def lineage_metadata(table: str) -> dict:
    """`dagster/column_lineage` of a table with declared lineage, else nothing."""
    if table not in _LINEAGE:
        return {}
    return {"dagster/column_lineage": dg.TableColumnLineage(deps_by_column={
        column: [dg.TableColumnDep(asset_key=dg.AssetKey(t.split(".")), column_name=c) for t, c in deps]
        for column, deps in _LINEAGE[table].items()})}


DOC_BEGIN = "<!-- column lineage: generated by `python -m assets.lineage` from assets/lineage.py -->"
DOC_END = "<!-- end of generated column lineage -->"


def lineage_markdown() -> str:
    """The lineage as the Markdown section docs/checks-and-lineage.md holds (between DOC_BEGIN and DOC_END)."""
    lines = [DOC_BEGIN, ""]
    for table, cols in _LINEAGE.items():
        lines += [f"### `{table}`", "", "| column | fed by |", "|---|---|"]
        for column, deps in cols.items():
            by_table: dict[str, list[str]] = {}
            for t, c in deps:
                by_table.setdefault(t, []).append(c)
            fed = "; ".join(f"`{t}`: {', '.join(cs)}" for t, cs in by_table.items())
            lines.append(f"| `{column}` | {fed} |")
        lines.append("")
    lines.append(DOC_END)
    return "\n".join(lines)


def write_doc(path: str) -> None:
    """Replace the generated section of `path` with the current declaration."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    head, _, rest = text.partition(DOC_BEGIN)
    _, _, tail = rest.partition(DOC_END)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head + lineage_markdown() + tail)


if __name__ == "__main__":  # python -m assets.lineage [docs/checks-and-lineage.md]
    write_doc(sys.argv[1] if len(sys.argv) > 1 else "docs/checks-and-lineage.md")
