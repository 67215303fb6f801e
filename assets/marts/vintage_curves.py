"""marts.vintage_curves: static-pool vintage curves — how each month's new accounts go delinquent and lose money
as they age, so that this year's loans can be compared with last year's at the same months on book."""

from datetime import date

import duckdb

from .common import TO_DATE, create_money_table, row_order

KEYS = ("vintage", "months_on_book")


def build_vintage_curves(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.vintage_curves — one row per month_end × portfolio × currency × vintage × months_on_book
    (portfolio `all` = the whole book of that currency; amounts in different currencies are never added).

    A **vintage** is the month an account was opened (`opened_on`, as `YYYY-MM`); its accounts form a
    static pool that is followed month by month. `months_on_book` is the age: 0 in the opening month,
    and `month_end` is the month end at that age, so month m holds every vintage's point at age
    m − vintage. Closing m freezes those points; later months add the next ages and never change a
    closed point (a change is a restatement).

    Only vintages whose month is a reporting month have rows: **accounts opened before the first
    reporting month are left out**, because their early months were never observed and their curves
    would start part-way. A vintage has a row at every age up to the latest month, also once all its
    accounts are charged off or closed (its curves then stay flat).

    * `accounts` — the vintage's accounts (staging.accounts); `origination_exposure` — Σ original
      principal of its installment accounts + Σ credit limit of its revolving ones, as first delivered
      (the account's version with the earliest first_file_month in staging.account_versions).
    * `ever_30_accounts`, `ever_60_accounts`, `ever_90_accounts` — accounts that were at dpd ≥ 30 / 60 /
      90, or charged off, at any month end up to this age (marts.account_month); the rates divide them
      by `accounts`.
    * `cum_gross_charge_off`, `cum_recoveries` — Σ charge_off / recovery entries of the vintage's
      accounts posted on or before the month end; `cum_net_loss` = gross − recoveries;
      `cum_net_loss_rate` = cum_net_loss / origination_exposure (NULL when the exposure is 0).
    * `open_accounts`, `open_balance` — the vintage's accounts with status open at the month end, and
      their balance.

    Portfolio and currency are the account's, as in staging.accounts. Built in a few set-based passes:
    the first month end each account reached dpd ≥ 30 / 60 / 90 (one GROUP BY over the vintage accounts'
    account-months), the charge-off and recovery entries per vintage and month, the open accounts per
    vintage and month; then a running sum over each vintage's months. A figure that does not fit the
    money type stops the build (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    last = "(SELECT max(month_end) FROM staging.reporting_months)" if months is None else \
        f"DATE '{months[1].isoformat()}'"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _vintage_accounts AS
        WITH first_version AS (
            SELECT account_id,
                   -- the earliest first_file_month (a file holds one record per account, so it is one
                   -- version); as one integer key (then the line), which is cheaper than a struct key
                   arg_min(CASE product_type WHEN 'installment' THEN original_principal ELSE credit_limit END,
                           date_diff('day', DATE '1970-01-01', first_file_month) * 10000000000 + line_number)
                       AS exposure
            FROM staging.account_versions GROUP BY account_id)
        SELECT a.account_key, a.portfolio, a.currency, last_day(a.opened_on) AS vintage_end, f.exposure
        FROM staging.accounts a LEFT JOIN first_version f USING (account_id)
        WHERE last_day(a.opened_on) IN (SELECT month_end FROM staging.reporting_months)
          AND last_day(a.opened_on) <= {last}""")
    try:
        return create_money_table(con, "marts.vintage_curves", _select(last), {
            "origination_exposure": TO_DATE, "cum_gross_charge_off": TO_DATE, "cum_recoveries": TO_DATE,
            "cum_net_loss": TO_DATE, "open_balance": TO_DATE}, keys=KEYS, order=row_order(KEYS), months=months)
    finally:
        con.execute("DROP TABLE IF EXISTS _vintage_accounts")


def _select(last: str) -> str:
    book = "portfolio, currency, vintage_end"
    return f"""
        WITH pools AS (  -- the vintages: accounts and exposure per book
            SELECT {book}, count(*) AS accounts, sum(exposure) AS origination_exposure
            FROM _vintage_accounts GROUP BY ALL),
        grid AS (  -- every vintage at every reporting month end from its own to the last one built
            SELECT p.*, r.month_end FROM pools p JOIN staging.reporting_months r
                ON r.month_end >= p.vintage_end AND r.month_end <= {last}),
        account_months AS (
            SELECT v.portfolio, v.currency, v.vintage_end, am.account_key, am.month_end, am.status, am.dpd, am.balance
            FROM marts.account_month am JOIN _vintage_accounts v USING (account_key)
            WHERE am.month_end <= {last}),
        firsts AS (  -- the first month end each account was at dpd >= N or charged off
            SELECT {book},
                   min(month_end) FILTER (WHERE dpd >= 30 OR status = 'charged_off') AS first_30,
                   min(month_end) FILTER (WHERE dpd >= 60 OR status = 'charged_off') AS first_60,
                   min(month_end) FILTER (WHERE dpd >= 90 OR status = 'charged_off') AS first_90
            FROM account_months GROUP BY {book}, account_key),
        reached AS (
            SELECT {book}, month_end, sum(n30) AS n30, sum(n60) AS n60, sum(n90) AS n90 FROM (
                SELECT {book}, first_30 AS month_end, 1 AS n30, 0 AS n60, 0 AS n90 FROM firsts WHERE first_30 IS NOT NULL
                UNION ALL SELECT {book}, first_60, 0, 1, 0 FROM firsts WHERE first_60 IS NOT NULL
                UNION ALL SELECT {book}, first_90, 0, 0, 1 FROM firsts WHERE first_90 IS NOT NULL)
            GROUP BY ALL),
        open_now AS (
            SELECT {book}, month_end, count(*) AS open_accounts, sum(balance) AS open_balance
            FROM account_months WHERE status = 'open' GROUP BY ALL),
        losses AS (  -- the month's charge-off and recovery entries of the vintage's accounts
            SELECT v.portfolio, v.currency, v.vintage_end, last_day(e.posted_on) AS month_end,
                   coalesce(sum(e.amount) FILTER (WHERE e.entry_type = 'charge_off'), 0) AS gross,
                   coalesce(sum(e.amount) FILTER (WHERE e.entry_type = 'recovery'), 0) AS recovered
            FROM staging.ledger_entries e JOIN _vintage_accounts v USING (account_key)
            WHERE e.entry_type IN ('charge_off', 'recovery') AND e.posted_on <= {last}
            GROUP BY ALL),
        cells AS (
            SELECT g.portfolio, g.currency, g.vintage_end, g.month_end, g.accounts, g.origination_exposure,
                   sum(coalesce(r.n30, 0)) OVER w AS ever_30_accounts,
                   sum(coalesce(r.n60, 0)) OVER w AS ever_60_accounts,
                   sum(coalesce(r.n90, 0)) OVER w AS ever_90_accounts,
                   sum(coalesce(l.gross, 0)) OVER w AS cum_gross_charge_off,
                   sum(coalesce(l.recovered, 0)) OVER w AS cum_recoveries,
                   coalesce(o.open_accounts, 0) AS open_accounts, coalesce(o.open_balance, 0) AS open_balance
            FROM grid g
            LEFT JOIN reached r USING ({book}, month_end)
            LEFT JOIN losses l USING ({book}, month_end)
            LEFT JOIN open_now o USING ({book}, month_end)
            WINDOW w AS (PARTITION BY g.portfolio, g.currency, g.vintage_end ORDER BY g.month_end)),
        books AS (  -- each portfolio, and 'all' per currency: the sum of its portfolios' rows
            SELECT month_end, coalesce(portfolio, 'all') AS portfolio, currency, vintage_end,
                   sum(accounts) AS accounts, sum(origination_exposure) AS origination_exposure,
                   sum(ever_30_accounts) AS ever_30_accounts, sum(ever_60_accounts) AS ever_60_accounts,
                   sum(ever_90_accounts) AS ever_90_accounts, sum(cum_gross_charge_off) AS cum_gross_charge_off,
                   sum(cum_recoveries) AS cum_recoveries, sum(open_accounts) AS open_accounts,
                   sum(open_balance) AS open_balance
            FROM cells GROUP BY GROUPING SETS ((month_end, portfolio, currency, vintage_end),
                                               (month_end, currency, vintage_end)))
        SELECT month_end, portfolio, currency, strftime(vintage_end, '%Y-%m') AS vintage,
               CAST(datediff('month', vintage_end, month_end) AS INTEGER) AS months_on_book,
               CAST(accounts AS BIGINT) AS accounts, origination_exposure,
               CAST(ever_30_accounts AS BIGINT) AS ever_30_accounts,
               CAST(ever_60_accounts AS BIGINT) AS ever_60_accounts,
               CAST(ever_90_accounts AS BIGINT) AS ever_90_accounts,
               ever_30_accounts / accounts AS ever_30_rate, ever_60_accounts / accounts AS ever_60_rate,
               ever_90_accounts / accounts AS ever_90_rate,
               cum_gross_charge_off, cum_recoveries, cum_gross_charge_off - cum_recoveries AS cum_net_loss,
               CAST(cum_gross_charge_off - cum_recoveries AS DOUBLE)
                   / nullif(CAST(origination_exposure AS DOUBLE), 0) AS cum_net_loss_rate,
               CAST(open_accounts AS BIGINT) AS open_accounts, open_balance
        FROM books"""
