"""The columns of every table asset, declared once: name, DuckDB type and what the column means.

The descriptions are the spec's words (docs/spec/data-contract.md, metrics.md, outputs.md, and where the
spec leaves a choice open, docs/metrics-notes.md, docs/complaints.md, docs/ingestion.md). They are shown
in Dagster as the asset's `dagster/column_schema`: on the definition (before any run) and on every
materialization (then with the types the built table has). `tests/assets/test_columns.py` checks that the
names and types declared here are exactly those of the tables a run builds, so a new column without a
description fails the tests.

This module is metadata, not logic: no builder imports it, so editing a description changes no asset's
code version (assets/versioning.py).
"""

from __future__ import annotations

import dagster as dg

from assets.marts.converted import BALANCING, CONVERTED, COUNT, MONEY_RULE, RATIO, SHARE, WEIGHTED

Columns = tuple[tuple[str, str, str], ...]  # (name, DuckDB type, description)

_BUCKET_ENUM = ("ENUM('current', 'dpd_1_29', 'dpd_30_59', 'dpd_60_89', 'dpd_90_119', 'dpd_120_149', "
                "'dpd_150_179', 'dpd_180_plus', 'charged_off', 'closed')")

# ---- the contract's columns (data-contract.md), as the lender delivers them ------------------------------

_ACCOUNT = {
    "account_id": "The lender's account number (1–64 characters); unique within a file, the key of an account.",
    "portfolio": "Reporting segment, e.g. `cards-us` (`all` is reserved for the all-portfolios rows).",
    "product_type": "`revolving` or `installment`.",
    "opened_on": "Date the account was opened.",
    "closed_on": "Date the account was closed (≥ opened_on); empty while open.",
    "currency": "ISO 4217 code of the account's currency; all its amounts are in it.",
    "credit_limit": "Credit limit (≥ 0), required for revolving accounts.",
    "original_principal": "Original principal (> 0), required for installment accounts.",
    "region": "State or province, for reporting only (optional).",
    "hardship_flag": "`none`, `bankrupt`, `deceased` or `fraud` (default `none`).",
}
_LEDGER = {
    "entry_id": "The entry's id, unique across all ledger files; entries are immutable (a correction is a new entry).",
    "account_id": "The account the entry is posted to; must exist in the accounts.",
    "posted_on": "Date the entry was posted, inside its file's month. An entry counts at month end d when posted_on ≤ d.",
    "entry_type": "disbursement, purchase, interest, fee (+ balance); payment, credit_adjustment, waiver, "
                  "charge_off (− balance); payment_reversal (+, cancels the payment it names); recovery and "
                  "due (no effect on the balance).",
    "amount": "Amount in the account's currency, 2 decimals, always positive: the entry type gives the sign.",
    "due_on": "For a `due` entry, the date the contractual amount is due; null otherwise.",
    "reverses_entry_id": "For a `payment_reversal`, the `payment` of the same account it cancels.",
}
_COMPLAINT = {
    "complaint_id": "The complaint's id, the key of a complaint (a later month's row supersedes an earlier one).",
    "account_id": "The account the complaint is about, when known; must exist in the accounts.",
    "received_on": "Date the complaint was received; its month is the complaint's month.",
    "submitted_via": "`phone`, `email`, `web`, `letter`, `in_person` or `regulator`.",
    "product": "CFPB product, e.g. `Debt collection`, `Credit card`.",
    "issue": "CFPB issue wording (metrics.md lists the debt-collection taxonomy).",
    "sub_issue": "CFPB sub-issue wording (optional).",
    "responded_on": "Date the company responded (≥ received_on); empty when not yet answered.",
    "closed_on": "Date the complaint was closed (≥ received_on); empty while open.",
    "company_response": "`Closed with explanation`, `Closed with non-monetary relief`, `Closed with monetary "
                        "relief`, `In progress` or `Untimely response`.",
}
_SOURCE_FILE = "The landing file the row was read from (path inside the landing folder)."
_LINE = "Physical line of the file on which the row's record starts (the header is line 1)."
_FILE_MONTH = "The month of the file the row was read from (first day of the month in the file's name)."
_ACCOUNT_KEY = ("The warehouse's permanent integer number for the account_id (staging.account_keys): never "
                "changed or reused; meaningful only inside this warehouse.")


def _contract(columns: dict[str, str], types: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(name, types.get(name, "VARCHAR"), text) for name, text in columns.items()]


def _raw(contract: dict[str, str]) -> Columns:
    """raw.<entity>: the file, month and line of each row, then the contract's columns as text, as read."""
    return (("source_file", "VARCHAR", _SOURCE_FILE), ("file_month", "DATE", _FILE_MONTH),
            ("line_number", "BIGINT", _LINE),
            *((n, "VARCHAR", f"As read (text, trimmed, not yet judged). {t}") for n, t in contract.items()))


_MONEY = "DECIMAL(18,2)"
_ACCOUNT_TYPES = {"opened_on": "DATE", "closed_on": "DATE", "credit_limit": _MONEY, "original_principal": _MONEY}
_LEDGER_TYPES = {"posted_on": "DATE", "amount": _MONEY, "due_on": "DATE"}
_COMPLAINT_TYPES = {"received_on": "DATE", "responded_on": "DATE", "closed_on": "DATE"}

# ---- the marts' shared columns (outputs.md) --------------------------------------------------------------

_MONTH_END = "Calendar month end (the as-of date d); an entry counts when posted_on ≤ d."
_PORTFOLIO = "The portfolio, or `all` for the sum over the portfolios' rows of the same currency."
_CURRENCY = ("ISO 4217 code of the row's amounts: rows are kept per currency, amounts in different currencies are "
             "never added (`all` exists once per currency).")
_LATER = "The later month end m of the pair m−1 → m."

COLUMNS: dict[str, Columns] = {
    "raw.accounts": _raw(_ACCOUNT),
    "raw.ledger": _raw(_LEDGER),
    "raw.complaints": _raw(_COMPLAINT),
    "staging.accounts": (
        *_contract(_ACCOUNT, _ACCOUNT_TYPES),
        ("source_file", "VARCHAR", "The accounts file of the account's latest version (the latest file month, then line)."),
        ("line_number", "BIGINT", "The line of that latest version in its file."),
        ("account_key", "INTEGER", _ACCOUNT_KEY),
    ),
    "staging.ledger": (
        *_contract(_LEDGER, _LEDGER_TYPES),
        ("source_file", "VARCHAR", "The ledger file the entry was loaded from."),
        ("line_number", "BIGINT", _LINE),
        ("account_key", "INTEGER", _ACCOUNT_KEY),
    ),
    "staging.complaints": (
        *_contract(_COMPLAINT, _COMPLAINT_TYPES),
        ("issue_group", "VARCHAR", "The current CFPB debt-collection issue the issue belongs to (through the "
                                   "crosswalk of pre-2017 wordings), or `other`."),
        ("source_file", "VARCHAR", "The complaints file of the complaint's latest version."),
        ("line_number", "BIGINT", "The line of that latest version in its file."),
    ),
    "audit.rejected_rows": (
        ("source_file", "VARCHAR", "The landing file of the rejected row."),
        ("line_number", "BIGINT", _LINE),
        ("reason", "VARCHAR", "Why the row was not loaded: the rule it broke (wrong type, missing required field, "
                              "unknown enum, duplicate key, unknown account, …) and the offending value."),
        ("raw", "VARCHAR", "The row's contract columns as read (JSON); empty for a record that could not be split "
                           "into columns. Dropped personal-data columns are never kept."),
        ("entity", "VARCHAR", "accounts, ledger, complaints or fx."),
        ("length_bytes", "BIGINT", "For a record that could not be split into columns, its length in bytes."),
    ),
    "audit.source_files": (
        ("source_file", "VARCHAR", "A landing file read by the run."),
        ("sha256", "VARCHAR", "SHA-256 of the file's bytes."),
        ("rows_read", "BIGINT", "Data records read from the file (rows read = rows loaded + rows rejected, always)."),
        ("rows_loaded", "BIGINT", "Rows of the file loaded into staging."),
        ("rows_rejected", "BIGINT", "Rows of the file not loaded (each in audit.rejected_rows with its reason)."),
        ("loaded_at", "TIMESTAMP", "When the run built this row (UTC)."),
        ("entity", "VARCHAR", "accounts, ledger, complaints or fx."),
        ("file_month", "DATE", "The month in the file's name (first day of the month)."),
        ("format", "VARCHAR", "csv, csv.gz or parquet."),
        ("bytes", "BIGINT", "The file's size in bytes."),
        ("dropped_personal_columns", "VARCHAR[]", "Personal-data columns (name, address, phone, …) dropped on "
                                                  "read and never stored."),
        ("ignored_columns", "VARCHAR[]", "Columns outside the contract, ignored."),
        ("absent_optional_columns", "VARCHAR[]", "Optional contract columns the file does not have (read as null)."),
    ),
    "intermediate.ledger_flows": (
        ("month_end", "DATE", "The month end of the month the entries were posted in."),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("debits", "DECIMAL(38,2)", "disbursement + purchase + interest + fee + payment_reversal posted in the month."),
        ("credits", "DECIMAL(38,2)", "payment + credit_adjustment + waiver posted in the month."),
        ("charge_offs", "DECIMAL(38,2)", "charge_off entries posted in the month."),
        ("recoveries", "DECIMAL(38,2)", "recovery entries posted in the month (off-book)."),
        ("entries", "HUGEINT", "Entries posted in the month (dues left out)."),
    ),
    "marts.account_month": (
        ("account_id", "VARCHAR", "The account."),
        ("month_end", "DATE", f"{_MONTH_END} A row exists from the month the account opens (or the first "
                              "reporting month) through the first month end at which it is terminal."),
        ("portfolio", "VARCHAR", "The account's portfolio (latest version)."),
        ("currency", "VARCHAR", "The account's currency, ISO 4217 (latest version): the currency of its amounts."),
        ("product_type", "ENUM('revolving', 'installment')", "`revolving` or `installment`."),
        ("status", "ENUM('open', 'closed', 'charged_off')",
         "`charged_off` (a charge_off posted ≤ d), `closed` (closed_on ≤ d and balance exactly 0.00) or `open`."),
        ("balance", _MONEY, "Σ(disbursement, purchase, interest, fee, payment_reversal) − Σ(payment, "
                            "credit_adjustment, waiver, charge_off) over entries posted ≤ d."),
        ("past_due_amount", _MONEY, "max(0, Σ dues with due_on < d − qualifying credits), reported as 0 when dpd = 0; "
                                    "0.00 on terminal rows."),
        ("dpd", "INTEGER", "Days past due: d − due_on of the oldest unpaid due (FIFO, shortfalls up to the DPD "
                           "tolerance ignored); 0 when none; NULL on terminal rows."),
        ("bucket", _BUCKET_ENUM, "`current` (open, dpd 0), `dpd_1_29` … `dpd_180_plus` (open, by dpd), "
                                 "`charged_off` or `closed`."),
        ("qualifying_credits", _MONEY, "C(d) = Σ payment − Σ payment_reversal posted ≤ d."),
        ("past_dues_to_date", _MONEY, "Σ dues posted ≤ d with due_on < d."),
        ("oldest_unpaid_due_on", "DATE", "due_on of the oldest unpaid due when dpd > 0."),
        ("account_key", "INTEGER", _ACCOUNT_KEY),
    ),
    "marts.aging": (
        ("month_end", "DATE", _MONTH_END),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("bucket", "VARCHAR", "Delinquency bucket (or terminal state) at month end."),
        ("accounts", "BIGINT", "Accounts in the bucket."),
        ("balance", _MONEY, "Σ balance of those accounts."),
        ("past_due_amount", _MONEY, "Σ past_due_amount of those accounts."),
    ),
    "marts.roll_rates": (
        ("month_end", "DATE", _LATER),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("from_bucket", "VARCHAR", "Bucket at m−1 (accounts open then)."),
        ("to_bucket", "VARCHAR", "Bucket at m (any of the 10 states)."),
        ("accounts", "BIGINT", "N(from→to): accounts that moved from from_bucket to to_bucket."),
        ("balance", _MONEY, "Σ balance at m−1 of those accounts."),
        ("account_rate", "DOUBLE", "N(from→to) / N(from); each from row sums to 1."),
        ("balance_rate", "DOUBLE", "balance / Σ balance at m−1 of all of from_bucket (NULL when that is 0); "
                                   "for k → k+1 the flow rate."),
    ),
    "marts.cure_rates": (
        ("month_end", "DATE", _LATER),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("from_bucket", "VARCHAR", "Delinquent bucket (dpd ≥ 1, open) at m−1."),
        ("accounts", "BIGINT", "Accounts of from_bucket at m−1."),
        ("balance", _MONEY, "Their balance at m−1."),
        ("cured_accounts", "BIGINT", "Of those, accounts open with dpd 0 at m (charge-offs, closures and "
                                     "payoffs are not cures)."),
        ("cure_rate", "DOUBLE", "cured_accounts / accounts."),
        ("balance_cure_rate", "DOUBLE", "Balance at m−1 of the cured / balance (NULL when balance is 0)."),
        ("cured_within_3m_rate", "DOUBLE", "Share of accounts at dpd 0 at any of m, m+1, m+2 (NULL until m+2 is "
                                           "observed)."),
        ("redefault_6m_rate", "DOUBLE", "Of accounts cured at m, the share at dpd ≥ 30 at any month end "
                                        "m+1 … m+6 (NULL until observed, or when nobody cured)."),
    ),
    "marts.delinquency_rates": (
        ("month_end", "DATE", _MONTH_END),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("open_accounts", "BIGINT", "Open accounts at d (the denominator)."),
        ("open_balance", _MONEY, "Their balance."),
        *((f"dq{n}_{kind}_rate", "DOUBLE",
           f"{'Accounts' if kind == 'account' else 'Full balances (not the past-due amount)'} at dpd ≥ {n} / "
           f"{'open_accounts' if kind == 'account' else 'open_balance'}.")
          for n in (30, 60, 90) for kind in ("account", "balance")),
    ),
    "marts.charge_offs": (
        ("month_end", "DATE", _MONTH_END),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("gross_charge_off", _MONEY, "charge_off amounts posted in the month."),
        ("recoveries", _MONEY, "recovery amounts posted in the month."),
        ("net_charge_off", _MONEY, "gross_charge_off − recoveries."),
        ("average_balance", _MONEY, "Mean of the open balances at m−1 and m, rounded to the cent half away from "
                                    "zero (NULL in the first reporting month)."),
        ("nco_rate_annualized", "DOUBLE", "net_charge_off × 12 / average_balance (NULL in the first reporting "
                                          "month or when average_balance is 0)."),
    ),
    "marts.vintage_curves": (
        ("month_end", "DATE", "The month end at this age: last day of the vintage month + months_on_book months. "
                              "Month m holds every vintage's point at age m − vintage."),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("vintage", "VARCHAR", "`YYYY-MM`: the month of the accounts' opened_on. Only reporting months: accounts "
                               "opened before the first reporting month are left out (their early months were never "
                               "observed)."),
        ("months_on_book", "INTEGER", "Months from the vintage month to month_end (0 in the opening month)."),
        ("accounts", "BIGINT", "Accounts of the vintage (staging.accounts): the static pool, the same at every age."),
        ("origination_exposure", _MONEY, "Σ original_principal of the vintage's installment accounts + Σ credit_limit "
                                         "of its revolving ones, from each account's first version (earliest "
                                         "first_file_month of staging.account_versions)."),
        *((f"ever_{n}_accounts", "BIGINT", f"Accounts of the vintage at dpd ≥ {n}, or charged off, at any month end "
                                           "up to this age.") for n in (30, 60, 90)),
        *((f"ever_{n}_rate", "DOUBLE", f"ever_{n}_accounts / accounts.") for n in (30, 60, 90)),
        ("cum_gross_charge_off", _MONEY, "Σ charge_off entries of the vintage's accounts posted on or before month_end."),
        ("cum_recoveries", _MONEY, "Σ recovery entries of the vintage's accounts posted on or before month_end."),
        ("cum_net_loss", _MONEY, "cum_gross_charge_off − cum_recoveries."),
        ("cum_net_loss_rate", "DOUBLE", "cum_net_loss / origination_exposure (NULL when the exposure is 0)."),
        ("open_accounts", "BIGINT", "Accounts of the vintage with status open at month_end."),
        ("open_balance", _MONEY, "Their balance at month_end."),
    ),
    "marts.roll_forward": (
        ("month_end", "DATE", _MONTH_END),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("opening_balance", _MONEY, "Σ balance of the open rows at m−1 (NULL in the first reporting month)."),
        ("debits", _MONEY, "disbursement + purchase + interest + fee + payment_reversal, posted in m."),
        ("credits", _MONEY, "payment + credit_adjustment + waiver, posted in m."),
        ("charge_offs", _MONEY, "charge_off, posted in m."),
        ("closing_balance", _MONEY, "Σ balance of all rows at m."),
        ("difference", _MONEY, "opening + debits − credits − charge_offs − closing: exactly 0.00 (NULL in the "
                               "first reporting month)."),
    ),
    "marts.quarterly_rates": (
        ("month_end", "DATE", "The quarter's last month end (March, June, September, December); only quarters whose "
                              "three months are all reporting months have rows."),
        ("portfolio", "VARCHAR", _PORTFOLIO),
        ("currency", "VARCHAR", _CURRENCY),
        ("quarter", "VARCHAR", "The calendar quarter, `YYYYQn` (e.g. `2026Q3`)."),
        ("open_accounts", "BIGINT", "Open accounts at the quarter end (marts.delinquency_rates; 0 when none)."),
        ("open_balance", _MONEY, "Their balance at the quarter end (0.00 when none)."),
        *((f"dq{n}_{kind}_rate", "DOUBLE",
           f"The marts.delinquency_rates {kind} rate at dpd ≥ {n} at the quarter end (NULL without open accounts).")
          for n in (30, 90) for kind in ("account", "balance")),
        ("gross_charge_off", _MONEY, "Σ gross_charge_off of marts.charge_offs over the quarter's three months."),
        ("recoveries", _MONEY, "Σ recoveries of marts.charge_offs over the quarter's three months."),
        ("net_charge_off", _MONEY, "gross_charge_off − recoveries (Σ net_charge_off of the three months)."),
        ("average_balance", _MONEY, "Mean of the open balances at the quarter's three month ends (0.00 at a month end "
                                    "without open accounts), rounded to the cent half away from zero."),
        ("nco_rate_annualized", "DOUBLE", "net_charge_off × 4 / average_balance (NULL when average_balance is 0); "
                                          "not seasonally adjusted."),
    ),
    "marts.complaint_metrics": (
        ("month_end", "DATE", "Month end of the month the complaints were received in."),
        ("portfolio", "VARCHAR", "The portfolio of the complaint's account, or `all` (which also holds "
                                 "complaints without an account)."),
        ("issue_group", "VARCHAR", "The issue group, or `all`."),
        ("complaints", "BIGINT", "Complaints of the slice received in the month."),
        ("complaints_per_1000", "DOUBLE", "complaints / open accounts at month end × 1,000 (per mille)."),
        ("timely_response_rate", "DOUBLE", "Complaints answered within 15 days / the month's complaints, leaving "
                                           "out those unanswered at the latest month end whose 15 days had not run "
                                           "out (NULL when that is 0)."),
        ("closed_within_60d_rate", "DOUBLE", "The same rule with closed_on and 60 days."),
        ("median_days_to_close", "DOUBLE", "Median of closed_on − received_on (days) over the month's closed "
                                           "complaints."),
        ("open_backlog", "BIGINT", "Complaints of the slice open at month_end (received in any month)."),
        ("repeat_rate", "DOUBLE", "Share of complaints from accounts with another complaint in the previous 365 days."),
        ("conduct_complaints", "BIGINT", "On issue_group `all` rows: the slice's conduct complaints (the five "
                                         "conduct issues of metrics.md)."),
        ("conduct_per_1000_delinquent", "DOUBLE", "On issue_group `all` rows: conduct_complaints / delinquent "
                                                  "accounts × 1,000, the early warning on collection conduct."),
        ("open_accounts", "BIGINT", "Open accounts of the portfolio at month_end (the per-1000 denominator)."),
        ("delinquent_accounts", "BIGINT", "On `all` issue-group rows: open accounts at dpd ≥ 1 at month_end."),
        ("dates_unknown", "BIGINT", "Complaints of the row answered or closed at an unknown date (left out of the "
                                    "rates that need that date)."),
        ("backlog_unknown", "BIGINT", "Complaints received by month_end that are closed at an unknown date, so "
                                      "left out of open_backlog."),
        ("timely_response_denominator", "BIGINT", "Complaints in timely_response_rate's denominator."),
        ("closed_within_60d_denominator", "BIGINT", "Complaints in closed_within_60d_rate's denominator."),
    ),
    "marts.complaints_by_bucket": (
        ("month_end", "DATE", "Month end of the month the complaints were received in."),
        ("bucket", "VARCHAR", "The open bucket the account was in at the previous month end."),
        ("complaints", "BIGINT", "Complaints received in the month from those accounts."),
        ("accounts", "BIGINT", "Accounts open in that bucket at the previous month end."),
        ("complaints_per_1000", "DOUBLE", "complaints / accounts × 1,000 (per mille)."),
    ),
}

# The segments (docs/spec/metrics.md, "Segments"): the account-months' segment values, and each by-segment
# mart with the base mart's columns, `segment` and `segment_value` after currency.
_AS_OF = ("Taken as of the month end, from the account version in force then (delivered by the latest "
          "accounts file up to the month end that holds the account).")
COLUMNS["intermediate.account_segments"] = (
    ("month_end", "DATE", "The account-month's month end (or the month of a recovery on an account with no row "
                          "that month)."),
    ("account_key", "INTEGER", _ACCOUNT_KEY),
    ("product_type", "VARCHAR", "`revolving` or `installment` (the account's latest version, as its portfolio)."),
    ("region", "VARCHAR", f"The account's region, `(none)` when empty. {_AS_OF}"),
    ("vintage_year", "VARCHAR", "The year of opened_on, `YYYY` (latest version)."),
    ("hardship_flag", "VARCHAR", f"`none`, `bankrupt`, `deceased` or `fraud`. {_AS_OF}"),
    ("limit_band", "VARCHAR", "The band of credit_limit (revolving) or original_principal (installment), in the "
                              "account's currency: `0–999.99`, `1,000–4,999.99`, `5,000–9,999.99`, "
                              f"`10,000–24,999.99`, `25,000+` (lower bound inclusive). {_AS_OF}"),
)
_SEGMENT_OF = {
    "aging": "at the month end", "delinquency_rates": "at the month end",
    "roll_rates": "at the from-month m−1 (the cohort)", "cure_rates": "at the from-month m−1 (the cohort)",
    "charge_offs": "at the month end for the month's entries and open balance, at m−1 for the open balance at m−1",
}
for _mart, _when in _SEGMENT_OF.items():
    _base = COLUMNS[f"marts.{_mart}"]
    COLUMNS[f"marts.{_mart}_by_segment"] = (
        *_base[:3],
        ("segment", "VARCHAR", "The attribute the row is cut by: `product_type`, `region`, `vintage_year`, "
                               "`hardship_flag` or `limit_band`."),
        ("segment_value", "VARCHAR", f"The account's value of that attribute {_when} (intermediate.account_segments); "
                                     f"for each segment the values' rows add up to the marts.{_mart} row."),
        *_base[3:])


# ---- the roll-rate loss forecast (docs/spec/metrics.md, "Roll-rate loss forecast") ----------------------------
# Native per currency only: no converted version is built.
_WINDOW = ("window_months", "INTEGER", "The length w of the averaging window (3, 6 or 12): the marts.roll_rates "
                                       "months m−w+1 … m.")
_WEIGHTING = ("weighting", "VARCHAR", "`accounts` (rates of account counts) or `balance` (rates of the balances at "
                                      "the from-month).")
_BOOK = (("month_end", "DATE", "The month end m the figures are as of (the last month of the window)."),
         ("portfolio", "VARCHAR", _PORTFOLIO), ("currency", "VARCHAR", _CURRENCY), _WINDOW, _WEIGHTING)
_OPEN_BUCKET_NAMES = ("current", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_149", "dpd_150_179",
                      "dpd_180_plus")
COLUMNS.update({
    "marts.roll_rate_averages": (
        *_BOOK,
        ("from_bucket", "VARCHAR", "Open bucket at the from-months."),
        ("to_bucket", "VARCHAR", "Bucket one month later (any of the 10 states)."),
        ("accounts", "BIGINT", "Σ accounts(from→to) of marts.roll_rates over the window."),
        ("from_accounts", "BIGINT", "Σ accounts(from→any) over the window."),
        ("balance", _MONEY, "Σ balance(from→to) over the window (balances at each from-month)."),
        ("from_balance", _MONEY, "Σ balance(from→any) over the window."),
        ("rate", "DOUBLE", "accounts / from_accounts (weighting `accounts`) or balance / from_balance (weighting "
                           "`balance`; no balance rows when from_balance is 0). Each from_bucket's rates sum to 1."),
    ),
    "marts.lifetime_loss_rates": (
        *_BOOK,
        ("bucket", "VARCHAR", "The open bucket."),
        ("balance", _MONEY, "The bucket's balance at m (marts.aging; 0.00 when it holds none)."),
        ("charge_off_probability", "DOUBLE", "Probability that a balance in the bucket ends charged off: lifetime, "
                                             "(I − Q)⁻¹ R, or within 60 months when horizon-limited."),
        ("closed_probability", "DOUBLE", "The same for closed (paid off and closed)."),
        ("open_probability", "DOUBLE", "Probability of still being open after 60 months (0 for a lifetime figure); "
                                       "the three probabilities sum to 1."),
        ("horizon_months", "INTEGER", "NULL: lifetime figure (absorption certain); 60: finite-horizon figure."),
        ("horizon_limited", "BOOLEAN", "True when the bucket reaches a bucket that is never left for charged_off or "
                                       "closed (or that had no account in the window): the 60-month figure."),
        ("recovery_rate", "DOUBLE", "Σ recoveries / Σ gross_charge_off of the book's marts.charge_offs over m−11 … m, "
                                    "clipped to [0, 1]; 0 when nothing was charged off."),
        ("expected_loss", _MONEY, "balance × charge_off_probability × (1 − recovery_rate), rounded to the cent half "
                                  "away from zero."),
    ),
    "marts.roll_rate_reserve": (
        *_BOOK,
        ("open_balance", _MONEY, "Σ balance of the open buckets at m."),
        ("expected_charge_off", _MONEY, "Σ balance × charge_off_probability over the open buckets, rounded once."),
        ("recovery_rate", "DOUBLE", "The book's recovery rate (marts.lifetime_loss_rates)."),
        ("reserve", _MONEY, "Σ balance × charge_off_probability × (1 − recovery_rate), rounded once: the Σ of the "
                            "buckets' expected_loss within rounding."),
        ("reserve_rate", "DOUBLE", "reserve / open_balance (NULL when that is 0)."),
        ("horizon_limited_buckets", "INTEGER", "Open buckets with a balance whose figure is the 60-month one."),
    ),
    "marts.loss_projection": (
        *_BOOK,
        ("months_ahead", "INTEGER", "k = 1 … 12: months after m."),
        ("projected_month_end", "DATE", "The month end k months after m."),
        *((f"{b}_balance", _MONEY, f"Balance projected in `{b}` at k (v_k = v_(k−1) · P), rounded to the cent.")
          for b in _OPEN_BUCKET_NAMES),
        ("open_balance", _MONEY, "Σ of the eight bucket balances of the row."),
        ("charge_off", _MONEY, "Balance projected to roll into charged_off in month k."),
        ("closed", _MONEY, "Balance projected to roll into closed in month k."),
        ("cumulative_charge_off", _MONEY, "Σ charge_off of months 1 … k."),
    ),
    "marts.loss_backtest": (
        ("month_end", "DATE", "The observed month end whose actual charge-offs are compared."),
        ("portfolio", "VARCHAR", _PORTFOLIO), ("currency", "VARCHAR", _CURRENCY), _WINDOW, _WEIGHTING,
        ("months_ahead", "INTEGER", "How many months before month_end the projection was made (1 … 12)."),
        ("forecast_month_end", "DATE", "month_end − months_ahead months: the month of the projection."),
        ("projected_charge_off", _MONEY, "marts.loss_projection.charge_off of (forecast_month_end, months_ahead)."),
        ("actual_charge_off", _MONEY, "marts.charge_offs.gross_charge_off of month_end (0.00 when the book has no "
                                      "row)."),
        ("error", _MONEY, "projected_charge_off − actual_charge_off."),
        ("error_rate", "DOUBLE", "error / actual_charge_off (NULL when that is 0)."),
    ),
})

# ---- the fx files and the converted marts (assets/marts/converted.py) ---------------------------------------

_FX = {
    "currency": "ISO 4217 code of the currency converted.",
    "rate": "Units of the reporting currency for one unit of `currency` at the file's month end (decimal > 0, at "
            "most 10 decimals).",
}
_CONVERTED_CURRENCY = ("The reporting currency (arrears run --reporting-currency): every money figure of the row is "
                       "in it, converted at the month-end rates of `fx_rates`.")
_CONVERTED_PORTFOLIO = ("The portfolio, or `all`: the native `all` rows of every currency with a rate that month, "
                        "converted and summed.")
_CONVERTED_EXTRA = (
    ("converted_from", "VARCHAR", "The source currencies of the row, sorted and comma separated (e.g. `CAD, USD`): "
                                  "the native rows of these currencies are summed, each converted at its rate."),
    ("fx_rates", "VARCHAR", "Every rate applied, with its file: e.g. `CAD 0.7312 (fx/fx_2026-10.csv); USD 1` (the "
                            "reporting currency at 1, without a file unless one lists it)."),
    ("not_converted", "VARCHAR", "Currencies of the portfolio's native rows of the month left out for want of a "
                                 "rate (comma separated); NULL when none (an empty field, also in the evidence "
                                 "pack's CSV)."),
)


_HOW_CONVERTED = {
    COUNT: " Summed over the row's currencies.",
    MONEY_RULE: " Converted: Σ native × the month-end rate over the row's currencies, rounded to the cent half away "
                "from zero once.",
    BALANCING: " Converted: the balancing figure, computed from the row's other converted figures ({arg}) so "
               "that the row foots.",
    WEIGHTED: " Converted: the currencies' rates weighted by {arg} (converted where it is money).",
    SHARE: " Converted: recomputed, the converted {arg} over its sum across the {den}.",
    RATIO: " Converted: recomputed, {arg} / {den}, from the converted figures.",
}


def _converted(native: str) -> Columns:
    """The columns of `native`_converted: the native mart's, currency = the reporting currency, each value
    column saying how it converts (CONVERTED), plus the three columns that record the conversion."""
    rules = CONVERTED[f"{native}_converted"].columns
    return (*((n, t, _CONVERTED_CURRENCY if n == "currency" else _CONVERTED_PORTFOLIO if n == "portfolio" else
               d + (_HOW_CONVERTED[rules[n].kind].format(arg=rules[n].arg, den=rules[n].den) if n in rules else ""))
              for n, t, d in COLUMNS[native]),
            *_CONVERTED_EXTRA)


COLUMNS.update({
    "raw.fx": _raw(_FX),
    "staging.fx_rates": (
        ("month_end", "DATE", "The month end of the file's month: the rate holds at that month end."),
        ("currency", "VARCHAR", _FX["currency"]),
        ("rate", "DECIMAL(18,10)", _FX["rate"] + " Exactly as delivered."),
        ("source_file", "VARCHAR", "The fx file the rate was read from."),
        ("line_number", "BIGINT", _LINE),
    ),
    **{name: _converted(c.native) for name, c in CONVERTED.items()},
})


def column_descriptions(table: str) -> dict[str, str]:
    """{column: description} of a declared table."""
    return {name: text for name, _, text in COLUMNS[table]}


def declared_schema(table: str) -> dg.TableSchema:
    """The table's column schema as declared here (names, types, descriptions): the asset definition's
    `dagster/column_schema`, shown before any run."""
    return dg.TableSchema(columns=[dg.TableColumn(n, t, description=d) for n, t, d in COLUMNS[table]])
