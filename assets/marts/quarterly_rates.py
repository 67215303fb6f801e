"""marts.quarterly_rates: the quarter-end delinquency rates and the quarter's annualised net charge-off rate,
laid out as the Federal Reserve's charge-off and delinquency series are."""

from datetime import date

import duckdb

from assets.partitions import in_months

from .common import TO_DATE, create_money_table, prev_month_end, row_order

# The marts.delinquency_rates figures a quarter takes at its last month end (30+ and 90+, as the Fed publishes).
RATES = ("dq30_account_rate", "dq30_balance_rate", "dq90_account_rate", "dq90_balance_rate")


def build_quarterly_rates(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.quarterly_rates — one row per calendar quarter × portfolio × currency (and `all` per currency:
    amounts in different currencies are never added), `month_end` = the quarter's last month end (March,
    June, September, December).

    A quarter has rows only when its three months are all reporting months: a partial first or last
    quarter has none, so every figure covers a whole quarter.

    - `quarter` names it (`2026Q3`);
    - `open_accounts`, `open_balance` and the 30+ and 90+ rates (`dq30_account_rate`, `dq30_balance_rate`,
      `dq90_account_rate`, `dq90_balance_rate`) are those of the marts.delinquency_rates row of the quarter's
      last month end (0 open accounts and NULL rates for a book with no open account then);
    - `gross_charge_off`, `recoveries`, `net_charge_off` are the sums of the quarter's three months of
      marts.charge_offs (a month without a row adds 0.00);
    - `average_balance` is the mean of the open balances at the quarter's three month ends (0.00 at a month
      end without open accounts), rounded to the cent half away from zero;
    - `nco_rate_annualized` = net_charge_off × 4 / average_balance (NULL when the average balance is 0).

    A book has a row in a quarter when it has a marts.delinquency_rates or a marts.charge_offs row in any of
    its three months, so the charge-offs of a book that ran off during the quarter are not left out.
    Unlike the Federal Reserve's series the figures are not seasonally adjusted and cover this book only.
    Reads marts.delinquency_rates and marts.charge_offs (the quarter's three months) and the reporting months.
    A run over a range of reporting months rebuilds only those months' rows."""
    rates = ", ".join(f"q.{r}" for r in RATES)
    reporting = "SELECT month_end FROM staging.reporting_months"
    return create_money_table(con, "marts.quarterly_rates", f"""
        WITH quarters AS (  -- the quarter ends whose three months are all reporting months
            SELECT month_end FROM staging.reporting_months
            WHERE month(month_end) % 3 = 0
              AND {prev_month_end('month_end')} IN ({reporting})
              AND {prev_month_end(prev_month_end('month_end'))} IN ({reporting})
              AND {in_months(months)}),
        months AS (  -- each quarter's three month ends
            SELECT q.month_end, q.month_end AS in_quarter FROM quarters q
            UNION ALL SELECT q.month_end, {prev_month_end('q.month_end')} FROM quarters q
            UNION ALL SELECT q.month_end, {prev_month_end(prev_month_end('q.month_end'))} FROM quarters q),
        dq AS (SELECT * FROM marts.delinquency_rates WHERE {in_months(months, before=2)}),
        co AS (SELECT * FROM marts.charge_offs WHERE {in_months(months, before=2)}),
        books AS (
            SELECT DISTINCT m.month_end, s.portfolio, s.currency FROM months m
            JOIN (SELECT month_end, portfolio, currency FROM dq
                  UNION ALL SELECT month_end, portfolio, currency FROM co) s ON s.month_end = m.in_quarter),
        flows AS (
            SELECT b.month_end, b.portfolio, b.currency,
                   coalesce(sum(c.gross_charge_off), 0) AS gross_charge_off,
                   coalesce(sum(c.recoveries), 0) AS recoveries,
                   coalesce(sum(c.net_charge_off), 0) AS net_charge_off,
                   CAST(coalesce(sum(d.open_balance), 0) * 100 AS HUGEINT) AS sum_cents
            FROM books b JOIN months m USING (month_end)
            LEFT JOIN co c ON c.month_end = m.in_quarter AND c.portfolio = b.portfolio AND c.currency = b.currency
            LEFT JOIN dq d ON d.month_end = m.in_quarter AND d.portfolio = b.portfolio AND d.currency = b.currency
            GROUP BY ALL),
        -- the mean of three balances in cents is a whole number plus 0, 1/3 or 2/3 of a cent (never a half):
        -- (|sum| + 1) // 3 rounds it to the nearest cent, the sign put back after (half away from zero)
        average AS (SELECT *, sign(sum_cents) * ((abs(sum_cents) + 1) // 3) AS average_cents FROM flows)
        SELECT a.month_end, a.portfolio, a.currency,
               strftime(a.month_end, '%Y') || 'Q' || quarter(a.month_end) AS quarter,
               coalesce(q.open_accounts, 0) AS open_accounts, coalesce(q.open_balance, 0) AS open_balance,
               {rates},
               a.gross_charge_off, a.recoveries, a.net_charge_off,
               CAST(a.average_cents AS DECIMAL(38,0)) * 0.01 AS average_balance,
               CAST(a.net_charge_off AS DOUBLE) * 4 / nullif(CAST(a.average_cents AS DOUBLE) / 100, 0)
                   AS nco_rate_annualized
        FROM average a
        LEFT JOIN dq q ON q.month_end = a.month_end AND q.portfolio = a.portfolio AND q.currency = a.currency""",
        # a refused figure names the ledger files up to the quarter end (TO_DATE): they hold the quarter's
        # entries (IN_MONTH would name only its last month's)
        {"open_balance": TO_DATE, "gross_charge_off": TO_DATE, "recoveries": TO_DATE, "net_charge_off": TO_DATE,
         "average_balance": TO_DATE},
        order=row_order(()), months=months)
