"""staging.ledger: every ledger entry that passes the contract, typed; the rest rejected with a reason."""

from __future__ import annotations

import duckdb

from assets.domain import signed_amount_sql
from assets.raw.files import FILES_DDL, files_by_month
from assets.raw.landing import ContractError

from .accounts import rejected_accounts_sql, unknown_account_reason
from .duplicate_keys import duplicate_keys_sql
from .rejects import add_rejects, save_rejects
from .sources import typed_rows

SIGNED_AMOUNT = signed_amount_sql("t.entry_type", "t.amount")


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


ENTRIES = "staging.ledger_entries"
COLUMNS = ", ".join(f"t.{c}" for c in ("entry_id", "posted_on", "entry_type", "amount", "due_on", "reverses_entry_id",
                                         "file_month", "line_number"))
# Where the loaded entries are stored. Each entry's account is stored once, as its account_key (the
# warehouse's permanent number for an account_id, staging.account_keys); the view staging.ledger shows
# the contract's columns, account_id taken from staging.accounts by that key. Storing every entry's
# account_id string a second time would cost a large write, and a check that the two copies agree.
# entry_id is stored uncompressed: its values are nearly all distinct, and choosing a compression for
# them is a large share of the cost of writing the table; storing them as they are costs disk space
# instead, and makes scans of the column cheaper.
# Each entry's file is stored as its file_month (there is exactly one ledger file per month, and
# raw.files gives its name back) and its line number as an INTEGER: a date per row is much cheaper to
# write than a copy of the file name.
ENTRIES_DDL = f"""CREATE OR REPLACE TABLE {ENTRIES} (
    entry_id VARCHAR USING COMPRESSION uncompressed, account_key INTEGER,
    posted_on DATE, entry_type VARCHAR, amount DECIMAL(18,2), due_on DATE, reverses_entry_id VARCHAR,
    file_month DATE, line_number INTEGER)"""
FILE_MONTHS = files_by_month("ledger")


def ledger_view_sql(sample: str = "") -> str:
    """The SELECT behind the view staging.ledger: every stored entry with its account_id and the name of
    its file (LEFT JOINs, so an entry whose key named no account would still show, with account_id NULL,
    and fail the check staging.ledger:account_ids_in_accounts). `sample` (e.g. "TABLESAMPLE 1% (system,
    42)") samples the stored entries before the joins: sampling the view itself would first join them all."""
    return f"""SELECT e.entry_id, a.account_id, e.posted_on, e.entry_type, e.amount, e.due_on, e.reverses_entry_id,
               f.source_file, CAST(e.line_number AS BIGINT) AS line_number, e.account_key
        FROM {ENTRIES} e {sample} LEFT JOIN staging.accounts a USING (account_key)
        LEFT JOIN {FILE_MONTHS} f USING (file_month)"""


def create_ledger_tables(con: duckdb.DuckDBPyConnection) -> None:
    """An empty staging.ledger_entries and the view staging.ledger over it (a warehouse written before
    the view existed holds staging.ledger as a table: it is dropped first)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(FILES_DDL)  # the view takes each entry's file name from raw.files
    kind = con.execute("SELECT table_type FROM information_schema.tables "
                       "WHERE table_schema = 'staging' AND table_name = 'ledger'").fetchall()
    if kind and kind[0][0] == "BASE TABLE":
        con.execute("DROP TABLE staging.ledger")
    con.execute(ENTRIES_DDL)
    con.execute(f"CREATE OR REPLACE VIEW staging.ledger AS {ledger_view_sql()}")


def _remove(con: duckdb.DuckDBPyConnection, select_sql: str, params: list | None = None) -> int:
    """Reject the stored entries `select_sql` names (file_month, line_number, reason): record them in
    `_rejects` with their file's name and delete them from staging.ledger_entries, which so always holds
    exactly the rows that passed so far."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new AS SELECT * FROM ({select_sql}) x(file_month, line_number, reason)",
                params or [])
    n = con.execute("SELECT count(*) FROM _new").fetchall()[0][0]
    if n:
        add_rejects(con, f"SELECT f.source_file, x.line_number, x.reason FROM _new x JOIN {FILE_MONTHS} f USING (file_month)")
        con.execute(f"""DELETE FROM {ENTRIES} l USING _new x
                       WHERE l.file_month = x.file_month AND l.line_number = x.line_number""")
    con.execute("DROP TABLE _new")
    return n


def build_ledger(con: duckdb.DuckDBPyConnection, log=lambda m: None) -> dict[str, int]:
    """staging.ledger: every ledger entry of the files raw read that passes the contract's rules, typed,
    with the file and line it came from; staging.ledger_rejected: every entry that does not, with the
    reason.

    Row rules (each named in `reason`): required fields, ISO dates, known entry_type, amount above 0
    written as the contract's amount, posted_on inside the file's month, due_on on dues only,
    reverses_entry_id on payment reversals only; the account_id must be in staging.accounts (an
    account_id whose account rows were all rejected is named with its latest rejection), and the entry
    may not be posted before that account's opened_on (its latest version, staging.accounts, the master
    every other rule and the marts read). Then, in this order, over the rows that pass:

    1. duplicate entry_id: the first occurrence by file month then line is kept (the message names it);
    2. a payment_reversal must name a payment of the same account posted on or before it, and a payment
       can be reversed once;
    3. after an account's charge-off (its first charge_off entry) only `recovery` entries may be posted,
       and a recovery needs a charge-off on or before it;
    4. nothing may be posted after the month end at which the account was reported closed (closed_on on
       or before that month end and balance exactly 0.00, per metrics.md).

    Each rule sees exactly the rows that passed the rules before it.

    staging.ledger is a view over staging.ledger_entries, which stores each entry with its account's
    account_key (the warehouse's permanent integer number for the account_id, staging.account_keys)
    and its file's month; the view shows the account_id and the file name again.
    """
    # One pass writes the rows that break no row rule, name a known account and are not posted before
    # its opened_on, each with the account_key of the same join that keeps only known accounts; a second
    # pass, run only when the counts show rows missing, lists the others with their reasons, so a clean
    # delivery is typed once.
    # Each later rule lists the rows it rejects and deletes them from staging.ledger_entries, which so
    # holds exactly the rows that passed the rules before it.
    months = build_reporting_months(con)
    source = typed_rows(con, "ledger")
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (source_file VARCHAR, line_number BIGINT, reason VARCHAR)")
    create_ledger_tables(con)
    con.execute(f"""INSERT INTO {ENTRIES} BY NAME SELECT {COLUMNS}, a.account_key
                    FROM ({source}) t JOIN staging.accounts a USING (account_id)
                    WHERE t.reason IS NULL AND t.posted_on >= a.opened_on""")
    read = con.execute("SELECT coalesce(sum(rows_read - rows_malformed), 0) FROM raw.files "
                       "WHERE entity = 'ledger'").fetchall()[0][0]
    kept = con.execute(f"SELECT count(*) FROM {ENTRIES}").fetchall()[0][0]
    log(f"ledger: {kept:,} of {read:,} rows break no row rule, name a known account and follow its opening")
    if kept != read:
        add_rejects(con, f"""
            SELECT t.source_file, t.line_number, concat_ws('; ', t.reason, CASE
                WHEN a.account_id IS NULL THEN {unknown_account_reason("t", "r")}
                WHEN t.posted_on < a.opened_on THEN coalesce(t.entry_type, 'entry') || ' posted on ' || t.posted_on
                     || ' before the account''s opened_on ' || a.opened_on END)
            FROM ({source}) t LEFT JOIN staging.accounts a USING (account_id)
                 LEFT JOIN ({rejected_accounts_sql()}) r USING (account_id)
            WHERE t.reason IS NOT NULL OR a.account_id IS NULL OR t.posted_on < a.opened_on""")
    n = _remove(con, f"""
        WITH d AS ({duplicate_keys_sql(con, ENTRIES, "entry_id")})
        SELECT x.file_month, x.line_number,
               'duplicate entry_id ''' || x.entry_id || ''' (first loaded from ' || f.source_file || ' line ' || x.f_line || ')'
        FROM (SELECT l.file_month, l.line_number, l.entry_id,
                     first_value(l.file_month) OVER w AS f_month, first_value(l.line_number) OVER w AS f_line,
                     row_number() OVER w AS n
              FROM {ENTRIES} l SEMI JOIN d USING (entry_id)
              WINDOW w AS (PARTITION BY l.entry_id ORDER BY l.file_month, l.line_number)) x
        JOIN {FILE_MONTHS} f ON f.file_month = x.f_month
        WHERE x.n > 1""")
    log(f"ledger: {n:,} duplicate entry ids")
    n = _remove(con, f"""
        WITH rv AS (SELECT * FROM {ENTRIES} WHERE entry_type = 'payment_reversal'),
        pay AS (SELECT entry_id, account_key, posted_on FROM {ENTRIES}
                WHERE entry_type = 'payment' AND entry_id IN (SELECT reverses_entry_id FROM rv)),
        j AS (SELECT rv.*, p.entry_id AS p_id, p.posted_on AS p_posted,
                     row_number() OVER (PARTITION BY rv.reverses_entry_id, p.entry_id IS NULL
                                        ORDER BY rv.posted_on, rv.file_month, rv.line_number) AS nth,
                     first_value(rv.entry_id) OVER (PARTITION BY rv.reverses_entry_id, p.entry_id IS NULL
                                        ORDER BY rv.posted_on, rv.file_month, rv.line_number) AS first_rv
              FROM rv LEFT JOIN pay p ON p.entry_id = rv.reverses_entry_id AND p.account_key = rv.account_key)
        SELECT file_month, line_number, CASE
            WHEN p_id IS NULL THEN 'payment_reversal names ''' || reverses_entry_id
                 || ''', which is not a loaded payment of account ''' || account_id || ''''
            WHEN p_posted > posted_on THEN 'payment_reversal posted on ' || posted_on
                 || ' before the payment it names (' || p_id || ', posted ' || p_posted || ')'
            ELSE 'payment ''' || p_id || ''' is already reversed by entry ''' || first_rv || '''' END
        FROM j JOIN (SELECT account_key, account_id FROM staging.accounts) a USING (account_key)
        WHERE p_id IS NULL OR p_posted > posted_on OR nth > 1""")
    log(f"ledger: {n:,} reversals without their payment")
    n = _remove(con, f"""
        WITH co AS (
            SELECT l.account_key, l.posted_on AS co_on, l.entry_id AS co_id
            FROM {ENTRIES} l
            WHERE l.entry_type = 'charge_off'
            QUALIFY row_number() OVER (PARTITION BY l.account_key ORDER BY l.posted_on, l.file_month, l.line_number) = 1)
        -- entries of charged-off accounts from the charge-off on (the posted_on bound lets DuckDB skip
        -- the row groups before the first charge-off) ...
        SELECT t.file_month, t.line_number, CASE
            WHEN t.entry_type = 'charge_off' AND t.posted_on = co.co_on
                 THEN 'account already charged off on ' || co.co_on || ' by entry ''' || co.co_id || ''''
            ELSE t.entry_type || ' posted on ' || t.posted_on || ' after the account''s charge-off on '
                 || co.co_on || ' (only recovery may follow)' END
        FROM {ENTRIES} t JOIN co USING (account_key)
        WHERE t.posted_on >= (SELECT min(co_on) FROM co) AND t.entry_type <> 'recovery'
          AND (t.posted_on > co.co_on OR (t.entry_type = 'charge_off' AND t.posted_on = co.co_on AND t.entry_id <> co.co_id))
        UNION ALL  -- ... and recoveries without a charge-off on or before them
        SELECT t.file_month, t.line_number, 'recovery posted on ' || t.posted_on || ' with no charge-off on or before it'
        FROM {ENTRIES} t LEFT JOIN co USING (account_key)
        WHERE t.entry_type = 'recovery' AND (co.co_on IS NULL OR t.posted_on < co.co_on)""")
    log(f"ledger: {n:,} entries after a charge-off")
    n = _remove(con, f"""
        WITH closed AS (SELECT account_key, closed_on, last_day(closed_on) AS close_me FROM staging.accounts
                        WHERE closed_on IS NOT NULL AND closed_on <= last_day(?::DATE)),
        -- Each closed account with entries: its balance at the month end holding closed_on and the month
        -- end of its first charge-off. (An account without entries has nothing to reject. The entries
        -- are read again where needed rather than kept: copying the closed accounts' entries aside and
        -- grouping them by month costs more than scanning the stored table again.)
        per AS (SELECT t.account_key, c.close_me,
                       coalesce(sum({SIGNED_AMOUNT}) FILTER (WHERE t.posted_on <= c.close_me), 0) AS balance_at_close,
                       last_day(min(t.posted_on) FILTER (WHERE t.entry_type = 'charge_off')) AS charged_off_at
                FROM {ENTRIES} t JOIN closed c USING (account_key) GROUP BY t.account_key, c.close_me),
        at_close AS (  -- the usual case: closed at the month end holding closed_on (balance 0.00 then)
            SELECT account_key, close_me AS closed_at FROM per
            WHERE balance_at_close = 0 AND (charged_off_at IS NULL OR charged_off_at > close_me)),
        later AS (SELECT * FROM per ANTI JOIN at_close USING (account_key)),  -- the others
        net AS (SELECT t.account_key, last_day(t.posted_on) AS month_end, sum({SIGNED_AMOUNT}) AS net
                FROM {ENTRIES} t JOIN later l USING (account_key) WHERE t.posted_on > l.close_me GROUP BY ALL),
        spine AS (  -- their later month ends, to the last reporting month
            SELECT account_key, close_me, balance_at_close, charged_off_at,
                   last_day(unnest(generate_series((date_trunc('month', close_me) + INTERVAL 1 MONTH)::DATE, ?::DATE,
                                                   INTERVAL 1 MONTH)))::DATE AS month_end
            FROM later),
        bal AS (
            SELECT s.account_key, s.month_end, s.charged_off_at,
                   s.balance_at_close + sum(coalesce(n.net, 0)) OVER (PARTITION BY s.account_key ORDER BY s.month_end)
                       AS balance
            FROM spine s LEFT JOIN net n USING (account_key, month_end)),
        closure AS (
            SELECT account_key, closed_at FROM at_close
            UNION ALL
            SELECT account_key, min(month_end) AS closed_at FROM bal
            WHERE balance = 0 AND (charged_off_at IS NULL OR charged_off_at > month_end) GROUP BY account_key)
        SELECT e.file_month, e.line_number, e.entry_type || ' posted on ' || e.posted_on
               || ' after the account was reported closed at month end ' || c.closed_at
        FROM {ENTRIES} e JOIN closure c USING (account_key) WHERE e.posted_on > c.closed_at""", [months[-1], months[-1]])
    log(f"ledger: {n:,} entries after the account was reported closed")
    rejected = save_rejects(con, "ledger")
    return {"entries": con.execute(f"SELECT count(*) FROM {ENTRIES}").fetchall()[0][0], "rejected": rejected}
