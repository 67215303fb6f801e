"""staging.ledger: every ledger entry that passes the contract, typed; the rest rejected with a reason."""

from __future__ import annotations

import duckdb

from assets.raw.contract import signed_amount_sql
from assets.raw.landing import ContractError

from .common import add_rejects, save_rejects, survivors, type_rows

SIGNED_AMOUNT = signed_amount_sql()


def build_reporting_months(con: duckdb.DuckDBPyConnection) -> list:
    """staging.reporting_months: every month end from the earliest to the latest ledger file month.
    A month without a ledger file inside that range stops the run, naming the month."""
    months = [r[0] for r in con.execute(
        "SELECT file_month FROM raw.files WHERE entity = 'ledger' ORDER BY file_month").fetchall()]
    if not months:
        raise ContractError("ledger/: no ledger files in the landing folder; nothing to report")
    con.execute("""CREATE OR REPLACE TABLE staging.reporting_months AS
        SELECT last_day(m)::DATE AS month_end
        FROM generate_series(?::DATE, ?::DATE, INTERVAL 1 MONTH) g(m) ORDER BY 1""", [months[0], months[-1]])
    have = {m.strftime("%Y-%m") for m in months}
    missing = [r[0] for r in con.execute(
        "SELECT strftime(month_end, '%Y-%m') FROM staging.reporting_months").fetchall() if r[0] not in have]
    if missing:
        raise ContractError(
            f"ledger/: month(s) {', '.join(missing)} missing between {min(have)} and {max(have)}: "
            f"expected ledger/ledger_{missing[0]}.csv (or .csv.gz/.parquet); reporting months have no gaps")
    return months


def build_ledger(con: duckdb.DuckDBPyConnection, log=lambda m: None) -> dict[str, int]:
    """Build staging.ledger and staging.ledger_rejected from raw.ledger.

    Row rules (each named in `reason`): required fields, ISO dates, known entry_type, amount a decimal
    > 0 with at most 2 decimals, posted_on inside the file's month, due_on on dues only,
    reverses_entry_id on payment reversals only. Then, in this order, over the rows that pass:
    1. duplicate entry_id: the first occurrence by file month then line is kept;
    2. account_id must be in staging.accounts;
    3. a payment_reversal must name a payment of the same account posted on or before it, and a payment
       can be reversed once;
    4. after an account's charge-off (its first charge_off entry) only `recovery` entries may be posted,
       and a recovery needs a charge-off on or before it;
    5. nothing may be posted after the month end at which the account was reported closed (closed_on on
       or before that month end and balance exactly 0.00, per metrics.md).
    """
    months = build_reporting_months(con)
    type_rows(con, "ledger")
    n = add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    log(f"ledger: {n:,} rows break a row rule")
    n = add_rejects(con, """
        WITH d AS (SELECT entry_id FROM _typed WHERE reason IS NULL GROUP BY entry_id HAVING count(*) > 1)
        SELECT source_file, line_number,
               'duplicate entry_id ''' || entry_id || ''' (first loaded from ' || f_file || ' line ' || f_line || ')'
        FROM (SELECT t.source_file, t.line_number, t.entry_id,
                     first_value(t.source_file) OVER w AS f_file, first_value(t.line_number) OVER w AS f_line,
                     row_number() OVER w AS n
              FROM _typed t JOIN d USING (entry_id) WHERE t.reason IS NULL
              WINDOW w AS (PARTITION BY t.entry_id ORDER BY t.file_month, t.line_number))
        WHERE n > 1""")
    log(f"ledger: {n:,} duplicate entry ids")
    n = add_rejects(con, f"""
        SELECT source_file, line_number,
               'unknown account_id ''' || account_id || ''' (no valid row in any accounts file)'
        FROM _typed t WHERE {survivors(con)} AND NOT EXISTS (
            SELECT 1 FROM staging.accounts a WHERE a.account_id = t.account_id)""")
    log(f"ledger: {n:,} entries of unknown accounts")
    n = add_rejects(con, f"""
        WITH rv AS (SELECT * FROM _typed t WHERE {survivors(con)} AND entry_type = 'payment_reversal'),
        pay AS (SELECT entry_id, account_id, posted_on FROM _typed t WHERE {survivors(con)} AND entry_type = 'payment'),
        j AS (SELECT rv.*, p.entry_id AS p_id, p.posted_on AS p_posted,
                     row_number() OVER (PARTITION BY rv.reverses_entry_id, p.entry_id IS NULL
                                        ORDER BY rv.posted_on, rv.file_month, rv.line_number) AS nth,
                     first_value(rv.entry_id) OVER (PARTITION BY rv.reverses_entry_id, p.entry_id IS NULL
                                        ORDER BY rv.posted_on, rv.file_month, rv.line_number) AS first_rv
              FROM rv LEFT JOIN pay p ON p.entry_id = rv.reverses_entry_id AND p.account_id = rv.account_id)
        SELECT source_file, line_number, CASE
            WHEN p_id IS NULL THEN 'payment_reversal names ''' || reverses_entry_id
                 || ''', which is not a loaded payment of account ''' || account_id || ''''
            WHEN p_posted > posted_on THEN 'payment_reversal posted on ' || posted_on
                 || ' before the payment it names (' || p_id || ', posted ' || p_posted || ')'
            ELSE 'payment ''' || p_id || ''' is already reversed by entry ''' || first_rv || '''' END
        FROM j WHERE p_id IS NULL OR p_posted > posted_on OR nth > 1""")
    log(f"ledger: {n:,} reversals without their payment")
    n = add_rejects(con, f"""
        WITH co AS (
            SELECT account_id, posted_on AS co_on, entry_id AS co_id
            FROM _typed t WHERE {survivors(con)} AND entry_type = 'charge_off'
            QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY posted_on, file_month, line_number) = 1)
        SELECT t.source_file, t.line_number, CASE
            WHEN t.entry_type = 'recovery' THEN 'recovery posted on ' || t.posted_on || ' with no charge-off on or before it'
            WHEN t.entry_type = 'charge_off' AND t.posted_on = co.co_on
                 THEN 'account already charged off on ' || co.co_on || ' by entry ''' || co.co_id || ''''
            ELSE t.entry_type || ' posted on ' || t.posted_on || ' after the account''s charge-off on '
                 || co.co_on || ' (only recovery may follow)' END
        FROM _typed t LEFT JOIN co USING (account_id)
        WHERE {survivors(con)} AND (
            (t.entry_type = 'recovery' AND (co.co_on IS NULL OR t.posted_on < co.co_on))
            OR (t.entry_type <> 'recovery' AND t.posted_on > co.co_on)
            OR (t.entry_type = 'charge_off' AND t.posted_on = co.co_on AND t.entry_id <> co.co_id))""")
    log(f"ledger: {n:,} entries after a charge-off")
    n = add_rejects(con, f"""
        WITH closed AS (SELECT account_id, opened_on, closed_on FROM staging.accounts WHERE closed_on IS NOT NULL),
        e AS (SELECT t.* FROM _typed t JOIN closed USING (account_id) WHERE {survivors(con)}),
        net AS (SELECT account_id, last_day(posted_on) AS month_end, sum({SIGNED_AMOUNT}) AS net,
                       bool_or(entry_type = 'charge_off') AS co FROM e GROUP BY ALL),
        firsts AS (SELECT c.account_id, c.closed_on, coalesce(least(c.opened_on, min(e.posted_on)), c.opened_on) AS first
                   FROM closed c LEFT JOIN e USING (account_id) GROUP BY c.account_id, c.closed_on, c.opened_on),
        spine AS (
            SELECT account_id, closed_on,
                   last_day(unnest(generate_series(date_trunc('month', first)::DATE, ?::DATE, INTERVAL 1 MONTH)))::DATE
                     AS month_end
            FROM firsts),
        bal AS (
            SELECT s.account_id, s.closed_on, s.month_end,
                   sum(coalesce(n.net, 0)) OVER w AS balance, bool_or(coalesce(n.co, false)) OVER w AS charged_off
            FROM spine s LEFT JOIN net n USING (account_id, month_end)
            WINDOW w AS (PARTITION BY s.account_id ORDER BY s.month_end)),
        closure AS (
            SELECT account_id, min(month_end) AS closed_at FROM bal
            WHERE closed_on <= month_end AND balance = 0 AND NOT charged_off GROUP BY account_id)
        SELECT e.source_file, e.line_number, e.entry_type || ' posted on ' || e.posted_on
               || ' after the account was reported closed at month end ' || c.closed_at
        FROM e JOIN closure c USING (account_id) WHERE e.posted_on > c.closed_at""", [months[-1]])
    log(f"ledger: {n:,} entries after the account was reported closed")
    con.execute(f"""CREATE OR REPLACE TABLE staging.ledger AS
        SELECT entry_id, account_id, posted_on, entry_type, amount, due_on, reverses_entry_id,
               source_file, line_number
        FROM _typed t WHERE {survivors(con)}""")
    rejected = save_rejects(con, "ledger")
    con.execute("DROP TABLE _typed")
    return {"entries": con.execute("SELECT count(*) FROM staging.ledger").fetchall()[0][0], "rejected": rejected}
