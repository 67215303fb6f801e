"""intermediate.account_segments: the segment of every account-month (product type, region, vintage year,
hardship flag, limit band), the attributes the marts' by-segment tables group by."""

from __future__ import annotations

from datetime import date

import duckdb

from assets.partitions import in_months, write_months

# The fixed bands of the credit limit (revolving) or original principal (installment), in the account's
# currency: (label, lower bound inclusive), ascending.
LIMIT_BANDS = (("0–999.99", 0), ("1,000–4,999.99", 1000), ("5,000–9,999.99", 5000),
               ("10,000–24,999.99", 10000), ("25,000+", 25000))
NO_REGION = "(none)"


def band_sql(amount: str) -> str:
    """SQL: the LIMIT_BANDS label of `amount` (NULL when the amount is NULL or negative)."""
    whens = " ".join(f"WHEN {amount} >= {low} THEN '{label}'" for label, low in reversed(LIMIT_BANDS))
    return f"CASE {whens} END"


def build_account_segments(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """intermediate.account_segments — one row per account-month of marts.account_month (month_end ×
    account_key), and per month in which an account without a row that month (charged off before) had a
    recovery posted: the account's five segment values at that month end, all VARCHAR.

    product_type ('revolving' / 'installment') and vintage_year (the year of opened_on, 'YYYY') come from
    the account's latest version (staging.accounts), as the account-month's portfolio and product_type
    do, so a segment never splits what the portfolio rows hold.
    region (NULL or empty: '(none)'), hardship_flag ('none', 'bankrupt', 'deceased', 'fraud') and
    limit_band (the credit_limit band of a revolving account, the original_principal band of an
    installment one: '0–999.99', '1,000–4,999.99', '5,000–9,999.99', '10,000–24,999.99', '25,000+',
    lower bound inclusive, in the account's currency) are taken as of the month end: from the version in
    force then, the one delivered by the latest accounts file of a month up to the month end that holds
    the account (staging.account_versions, `file_months`), so an account that returns to an earlier
    record (A → B → A) is in A's segment again. Before the first file that holds the account (an
    account delivered after it opened), its first delivered version is used.

    The marts' *_by_segment tables join it on (account_key, month_end): aging, delinquency rates and
    charge-offs at the row's month end, roll and cure rates at the from-month m−1.
    A run over a range of reporting months rebuilds only those months' rows."""
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    attrs = "v.product_type, v.region, v.hardship_flag, v.credit_limit, v.original_principal"
    write_months(con, "intermediate.account_segments", f"""
        WITH delivered AS (  -- every delivery of every version: the account, the file month and its record
            SELECT k.account_key, unnest(v.file_months) AS file_month, {attrs}
            FROM staging.account_versions v JOIN staging.account_keys k USING (account_id)),
        first_delivered AS (
            SELECT * FROM delivered
            QUALIFY row_number() OVER (PARTITION BY account_key ORDER BY file_month) = 1),
        am AS (SELECT month_end, account_key FROM marts.account_month WHERE {in_months(months)}
               UNION  -- a recovery (or charge-off) posted in a month the account has no row (charged off before)
               SELECT last_day(posted_on), account_key FROM staging.ledger_entries
               WHERE entry_type IN ('charge_off', 'recovery') AND {in_months(months, 'last_day(posted_on)')}
                 AND last_day(posted_on) IN (SELECT month_end FROM staging.reporting_months)),
        in_force AS (
            SELECT am.month_end, am.account_key,
                   coalesce(d.file_month, f.file_month) AS file_month,
                   CASE WHEN d.account_key IS NULL THEN f.product_type ELSE d.product_type END AS v_product_type,
                   CASE WHEN d.account_key IS NULL THEN f.region ELSE d.region END AS region,
                   CASE WHEN d.account_key IS NULL THEN f.hardship_flag ELSE d.hardship_flag END AS hardship_flag,
                   CASE WHEN d.account_key IS NULL THEN f.credit_limit ELSE d.credit_limit END AS credit_limit,
                   CASE WHEN d.account_key IS NULL THEN f.original_principal ELSE d.original_principal END
                       AS original_principal
            FROM am ASOF LEFT JOIN delivered d ON d.account_key = am.account_key AND am.month_end >= d.file_month
            LEFT JOIN first_delivered f ON f.account_key = am.account_key)
        SELECT i.month_end, i.account_key, CAST(a.product_type AS VARCHAR) AS product_type,
               coalesce(nullif(trim(i.region), ''), '{NO_REGION}') AS region,
               strftime(a.opened_on, '%Y') AS vintage_year,
               CAST(coalesce(i.hardship_flag, 'none') AS VARCHAR) AS hardship_flag,
               {band_sql("CASE WHEN i.v_product_type = 'revolving' THEN i.credit_limit ELSE i.original_principal END")}
                   AS limit_band
        FROM in_force i JOIN staging.accounts a ON a.account_key = i.account_key""",
        months, "month_end, account_key")
    return con.execute("SELECT count(*) FROM intermediate.account_segments").fetchall()[0][0]
