"""intermediate.ledger_flows: the ledger's money movements per reporting month and portfolio."""

from datetime import date

import duckdb

from assets.domain import FLOW_CREDITS, FLOW_DEBITS
from assets.partitions import refuse_changes_outside, write_months
from assets.sql import sql_list


def build_ledger_flows(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None,
                       reach: tuple[int, int] = (0, 0)) -> int:
    """intermediate.ledger_flows — one row per reporting month_end × portfolio × currency (and 'all'
    per currency) that had entries: the sums of the entries posted in that month (by posted_on), each
    account's portfolio and currency taken from staging.accounts (joined on the integer account_key both
    carry). Amounts in different currencies are never added.

    debits = disbursement + purchase + interest + fee + payment_reversal; credits = payment +
    credit_adjustment + waiver; charge_offs = charge_off; recoveries = recovery (whenever the account
    was charged off). Dues move no money and are left out. Computed once from staging.ledger (one pass
    over every entry) and read by marts.roll_forward and marts.charge_offs.

    A run over a range of months computes every month (one pass over the entries) and replaces the rows
    of its months only, after checking that no other month changed (a change there would make the
    figures of a month the run keeps disagree with this table: the build stops naming the months)."""
    target = "TABLE intermediate.ledger_flows" if months is None else "TEMP TABLE _flows_new"
    con.execute(f"""CREATE OR REPLACE {target} AS
        WITH per_portfolio AS (
            SELECT last_day(l.posted_on) AS month_end, a.portfolio, a.currency,
                   coalesce(sum(l.amount) FILTER (WHERE l.entry_type IN {sql_list(FLOW_DEBITS)}), 0) AS debits,
                   coalesce(sum(l.amount) FILTER (WHERE l.entry_type IN {sql_list(FLOW_CREDITS)}), 0) AS credits,
                   coalesce(sum(l.amount) FILTER (WHERE l.entry_type = 'charge_off'), 0) AS charge_offs,
                   coalesce(sum(l.amount) FILTER (WHERE l.entry_type = 'recovery'), 0) AS recoveries,
                   count(*) AS entries
            FROM staging.ledger_entries l JOIN staging.accounts a USING (account_key)
            WHERE l.entry_type <> 'due'
              AND l.posted_on >= (SELECT date_trunc('month', min(month_end)) FROM staging.reporting_months)
              AND l.posted_on <= (SELECT max(month_end) FROM staging.reporting_months)
            GROUP BY ALL)
        SELECT * FROM per_portfolio
        UNION ALL  -- the whole book per currency: the sum of its portfolios' rows (every loaded entry has an account)
        SELECT month_end, 'all', currency, sum(debits), sum(credits), sum(charge_offs), sum(recoveries), sum(entries)
        FROM per_portfolio GROUP BY month_end, currency
        ORDER BY month_end, portfolio, currency""")
    if months is not None:
        refuse_changes_outside(con, "intermediate.ledger_flows", "_flows_new", months, reach)
        write_months(con, "intermediate.ledger_flows", "SELECT * FROM _flows_new", months, "month_end, portfolio, currency")
        con.execute("DROP TABLE _flows_new")
    return con.execute("SELECT count(*) FROM intermediate.ledger_flows").fetchall()[0][0]
