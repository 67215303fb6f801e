"""staging.ledger: every ledger entry that passes the contract, typed; the rest rejected with a reason."""

from __future__ import annotations

import duckdb

from assets.domain import signed_amount_sql
from assets.raw.files import FILES_DDL, files_by_month
from assets.raw.landing import ContractError
from assets.sql import sql_literal, table_exists

from .accounts import rejected_accounts_sql, unknown_account_reason
from .duplicate_keys import duplicate_keys_sql
from .rejects import add_rejects, save_rejects
from .rules import raw_json
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
# The rows rules 1-4 rejected, typed as stored entries are, with the rule (a month added is judged against
# them), and the month end at which each account with entries was reported closed (rule 4).
HELD = "staging.ledger_held"
HELD_DDL = f"CREATE OR REPLACE TABLE {HELD} AS SELECT *, NULL::TINYINT AS rule FROM {ENTRIES} LIMIT 0"
CLOSURES = "staging.ledger_closures"
# Each reversal (CTE rv) beside the payment it names (CTE pay, same account) and its place among the
# reversals of that payment: the one pairing both the full judgement and a month added use.
_REVERSAL_PAIRS = """j AS (SELECT rv.*, p.entry_id AS p_id, p.posted_on AS p_posted,
                     row_number() OVER (PARTITION BY rv.reverses_entry_id, p.entry_id IS NULL
                                        ORDER BY rv.posted_on, rv.file_month, rv.line_number) AS nth,
                     first_value(rv.entry_id) OVER (PARTITION BY rv.reverses_entry_id, p.entry_id IS NULL
                                        ORDER BY rv.posted_on, rv.file_month, rv.line_number) AS first_rv
              FROM rv LEFT JOIN pay p ON p.entry_id = rv.reverses_entry_id AND p.account_key = rv.account_key)"""
_REVERSAL_REASON = """CASE
            WHEN p_id IS NULL THEN 'payment_reversal names ''' || reverses_entry_id
                 || ''', which is not a loaded payment of account ''' || account_id || ''''
            WHEN p_posted > posted_on THEN 'payment_reversal posted on ' || posted_on
                 || ' before the payment it names (' || p_id || ', posted ' || p_posted || ')'
            ELSE 'payment ''' || p_id || ''' is already reversed by entry ''' || first_rv || '''' END"""


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


def _remove(con: duckdb.DuckDBPyConnection, select_sql: str, params: list | None = None, rule: int = 0,
            table: str = ENTRIES, held: str = "staging.ledger_held") -> int:
    """Reject the entries of `table` (staging.ledger_entries, or the new entries of a month added)
    that `select_sql` names (file_month, line_number, reason): record them in `_rejects` with their
    file's name, keep them typed in staging.ledger_held with the number of the rule that rejected them
    (a later run judges new entries against them) and delete them from `table`, which so always holds
    exactly the rows that passed so far."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new AS SELECT * FROM ({select_sql}) x(file_month, line_number, reason)",
                params or [])
    n = con.execute("SELECT count(*) FROM _new").fetchall()[0][0]
    if n:
        add_rejects(con, f"SELECT f.source_file, x.line_number, x.reason FROM _new x JOIN {FILE_MONTHS} f USING (file_month)")
        con.execute(f"""INSERT INTO {held} BY NAME SELECT l.*, {rule} AS rule FROM {table} l
                        SEMI JOIN _new x USING (file_month, line_number)""")
        con.execute(f"""DELETE FROM {table} l USING _new x
                       WHERE l.file_month = x.file_month AND l.line_number = x.line_number""")
    con.execute("DROP TABLE _new")
    return n


def _closures_sql(src: str) -> str:
    """SELECT account_key, closed_at: the month end at which each account with entries in `src` (the
    entries that passed rules 1-3; a table with the columns of staging.ledger_entries) was reported
    closed — closed_on on or before that month end and balance exactly 0.00, not charged off by then —
    up to the last reporting month end (both parameters: its first day)."""
    return f"""
        WITH closed AS (SELECT account_key, closed_on, last_day(closed_on) AS close_me FROM staging.accounts
                        WHERE closed_on IS NOT NULL AND closed_on <= last_day(?::DATE)),
        -- Each closed account with entries: its balance at the month end holding closed_on and the month
        -- end of its first charge-off. (An account without entries has nothing to reject. The entries
        -- are read again where needed rather than kept: copying the closed accounts' entries aside and
        -- grouping them by month costs more than scanning the stored table again.)
        per AS (SELECT t.account_key, c.close_me,
                       coalesce(sum({SIGNED_AMOUNT}) FILTER (WHERE t.posted_on <= c.close_me), 0) AS balance_at_close,
                       last_day(min(t.posted_on) FILTER (WHERE t.entry_type = 'charge_off')) AS charged_off_at
                FROM {src} t JOIN closed c USING (account_key) GROUP BY t.account_key, c.close_me),
        at_close AS (  -- the usual case: closed at the month end holding closed_on (balance 0.00 then)
            SELECT account_key, close_me AS closed_at FROM per
            WHERE balance_at_close = 0 AND (charged_off_at IS NULL OR charged_off_at > close_me)),
        later AS (SELECT * FROM per ANTI JOIN at_close USING (account_key)),  -- the others
        net AS (SELECT t.account_key, last_day(t.posted_on) AS month_end, sum({SIGNED_AMOUNT}) AS net
                FROM {src} t JOIN later l USING (account_key) WHERE t.posted_on > l.close_me GROUP BY ALL),
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
        SELECT account_key, closed_at FROM closure"""


def _after_closure_sql(src: str, closures: str) -> str:
    """SELECT file_month, line_number, reason: the entries of `src` posted after their account's closure."""
    return f"""SELECT e.file_month, e.line_number, e.entry_type || ' posted on ' || e.posted_on
               || ' after the account was reported closed at month end ' || c.closed_at AS reason
        FROM {src} e JOIN {closures} c USING (account_key) WHERE e.posted_on > c.closed_at"""


def build_ledger(con: duckdb.DuckDBPyConnection, log=lambda m: None, reread: bool = False) -> dict[str, int]:
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

    A run that adds ledger files of later months judges only their entries, against the stored
    judgement (`_build_append`, docs/runs.md "Staging for a month added"); every file is judged again
    when that could differ from judging every file, and when `reread` (arrears run --rebuild).
    """
    months = build_reporting_months(con)
    plan = None if reread else _append_plan(con)
    if isinstance(plan, list):
        try:
            rejected = _build_append(con, plan, months, log)
        except _FullPath as why:  # raised before anything stored changed
            for t in ("_held_new", "_cand"):
                con.execute(f"DROP TABLE IF EXISTS {t}")
            log(f"ledger: every file judged again: {why}")
            rejected = _build_full(con, months, log)
    else:
        log(f"ledger: every file judged again: {plan or 'arrears run --rebuild'}")
        rejected = _build_full(con, months, log)
    _save_basis(con)
    return {"entries": con.execute(f"SELECT count(*) FROM {ENTRIES}").fetchall()[0][0], "rejected": rejected}


class _FullPath(Exception):
    """A month added that the append path cannot judge exactly as a full judgement would: why."""


STATE = ("staging.ledger_files", "staging.ledger_basis", "staging.ledger_basis_rejected", HELD, CLOSURES,
         ENTRIES, "staging.ledger_rejected")


def _save_basis(con: duckdb.DuckDBPyConnection) -> None:
    """What the stored judgement was made from: the ledger files (name, month, sha256), each account's
    version as the rules read it, and the latest rejected row of each account_id (named in the reason
    of an entry of an unknown account)."""
    con.execute("""CREATE OR REPLACE TABLE staging.ledger_files AS
        SELECT source_file, file_month, sha256 FROM raw.files WHERE entity = 'ledger' ORDER BY file_month""")
    con.execute("""CREATE OR REPLACE TABLE staging.ledger_basis AS
        SELECT account_id, account_key, opened_on, closed_on FROM staging.accounts""")
    con.execute(f"CREATE OR REPLACE TABLE staging.ledger_basis_rejected AS {rejected_accounts_sql()}")


def _append_plan(con: duckdb.DuckDBPyConnection) -> list[str] | str:
    """The ledger files to add to the stored judgement (possibly none), or why every file must be
    judged again: the warehouse holds no stored judgement; a stored file changed or was removed; a new
    file is not later than every stored one (its entries would not all follow the stored ones); an
    account's opened_on changed or an account is gone (which entries are before its opening, or of a
    known account, would change); or an account that is new, or whose latest rejected accounts row
    changed, is named by a stored rejected entry (its reason, or its rejection, would change)."""
    if not all(table_exists(con, t) for t in STATE):
        return "no stored judgement"
    stored = {f: (m, h) for f, m, h in con.execute(
        "SELECT source_file, file_month, sha256 FROM staging.ledger_files").fetchall()}
    now = {f: (m, h) for f, m, h in con.execute(
        "SELECT source_file, file_month, sha256 FROM raw.files WHERE entity = 'ledger'").fetchall()}
    for f, mh in stored.items():
        if now.get(f) != mh:
            return f"{f} {'removed' if f not in now else 'changed'}"
    new = sorted(set(now) - set(stored), key=lambda f: now[f][0])
    if stored and new and now[new[0]][0] <= max(m for m, _ in stored.values()):
        return f"{new[0]} is not later than every file judged before"
    moved = con.execute("""SELECT count(*) FROM staging.ledger_basis b LEFT JOIN staging.accounts a USING (account_id)
        WHERE a.account_id IS NULL OR a.opened_on IS DISTINCT FROM b.opened_on OR a.account_key <> b.account_key""").fetchall()[0][0]
    if moved:
        return f"{moved:,} account(s) gone or with another opened_on"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _unknown_moved AS
        SELECT account_id FROM staging.accounts ANTI JOIN staging.ledger_basis USING (account_id)
        UNION
        SELECT account_id FROM (SELECT * FROM ({rejected_accounts_sql()}) EXCEPT SELECT * FROM staging.ledger_basis_rejected)""")
    named = con.execute("""SELECT count(*) FROM staging.ledger_rejected
        WHERE raw ->> 'account_id' IN (SELECT account_id FROM _unknown_moved)
           OR trim(raw ->> 'account_id') IN (SELECT account_id FROM _unknown_moved)""").fetchall()[0][0]
    con.execute("DROP TABLE _unknown_moved")
    if named:
        return f"{named:,} stored rejected entries name an account that is new or rejected otherwise"
    return new


def _build_append(con: duckdb.DuckDBPyConnection, files: list[str], months: list, log) -> int:
    """Add the entries of `files` (ledger files of months after every stored one) to the stored
    judgement, exactly as a full judgement of every file would leave it; the number rejected.

    The stored entries (staging.ledger_entries) and the rows the rules rejected (staging.ledger_held,
    typed, with the rule) keep their judgement: every new entry is posted in its file's month, after
    every stored one, so no new entry is first of its entry_id, comes before a payment a stored reversal
    names that is already loaded, precedes a stored charge-off, or moves a balance at a month end already
    judged. The new entries are judged by each rule against the stored ones: rule 1 against the stored
    first occurrences of their entry_ids, rule 2 against the stored payments and reversals they name,
    rule 3 against the account's first stored charge-off, rule 4 against the stored closure month of the
    account. Rule 4 is judged again over every entry of the accounts whose closed_on changed and of those
    closed by the last month end without a stored closure (a new month end can close them).

    One case is judged in full instead (raises _FullPath before anything stored changes): a new payment
    that a stored rejected reversal of the same account names (that reversal's reason would change)."""
    last = months[-1]
    source = typed_rows(con, "ledger", files)
    in_files = ", ".join(sql_literal(f) for f in files) or "NULL"
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (source_file VARCHAR, line_number BIGINT, reason VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _held_new AS SELECT * FROM {HELD} LIMIT 0")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cand AS SELECT {COLUMNS}, a.account_key
                    FROM ({source}) t JOIN staging.accounts a USING (account_id)
                    WHERE t.reason IS NULL AND t.posted_on >= a.opened_on""")
    read = con.execute(f"""SELECT coalesce(sum(rows_read - rows_malformed), 0) FROM raw.files
                           WHERE entity = 'ledger' AND source_file IN ({in_files})""").fetchall()[0][0]
    kept = con.execute("SELECT count(*) FROM _cand").fetchall()[0][0]
    log(f"ledger: {len(files)} new file(s) added to the stored judgement; {kept:,} of {read:,} rows break no "
        f"row rule, name a known account and follow its opening")
    if kept != read:
        add_rejects(con, f"""
            SELECT t.source_file, t.line_number, concat_ws('; ', t.reason, CASE
                WHEN a.account_id IS NULL THEN {unknown_account_reason("t", "r")}
                WHEN t.posted_on < a.opened_on THEN coalesce(t.entry_type, 'entry') || ' posted on ' || t.posted_on
                     || ' before the account''s opened_on ' || a.opened_on END)
            FROM ({source}) t LEFT JOIN staging.accounts a USING (account_id)
                 LEFT JOIN ({rejected_accounts_sql()}) r USING (account_id)
            WHERE t.reason IS NULL AND (a.account_id IS NULL OR t.posted_on < a.opened_on) OR t.reason IS NOT NULL""")
    # the stored entries that passed rule 1 (first of their entry_id): the stored entries and those a
    # later rule rejected
    winners = f"(SELECT * EXCLUDE (rule) FROM {HELD} WHERE rule >= 2 UNION ALL BY NAME SELECT * FROM {ENTRIES})"
    n = _remove(con, f"""
        WITH s AS (SELECT entry_id, file_month, line_number FROM {winners}
                   WHERE entry_id IN (SELECT entry_id FROM _cand)
                   UNION ALL SELECT entry_id, file_month, line_number FROM _cand),
        d AS (SELECT entry_id FROM s GROUP BY entry_id HAVING count(*) > 1),
        x AS (SELECT s.*, first_value(file_month) OVER w AS f_month, first_value(line_number) OVER w AS f_line,
                     row_number() OVER w AS n
              FROM s SEMI JOIN d USING (entry_id)
              WINDOW w AS (PARTITION BY entry_id ORDER BY file_month, line_number))
        SELECT x.file_month, x.line_number,
               'duplicate entry_id ''' || x.entry_id || ''' (first loaded from ' || f.source_file || ' line ' || x.f_line || ')'
        FROM x JOIN {FILE_MONTHS} f ON f.file_month = x.f_month
        WHERE x.n > 1""", rule=1, table="_cand", held="_held_new")
    log(f"ledger: {n:,} duplicate entry ids")
    named = con.execute(f"""SELECT count(*) FROM {HELD} h JOIN _cand c
        ON c.entry_id = h.reverses_entry_id AND c.account_key = h.account_key
        WHERE h.rule = 2 AND h.entry_type = 'payment_reversal' AND c.entry_type = 'payment'""").fetchall()[0][0]
    if named:
        raise _FullPath(f"{named:,} new payment(s) named by a rejected reversal of an earlier month")
    n = _remove(con, f"""
        WITH named AS (SELECT DISTINCT reverses_entry_id FROM _cand WHERE entry_type = 'payment_reversal'),
        rv AS (SELECT *, true AS is_new FROM _cand WHERE entry_type = 'payment_reversal'
               UNION ALL BY NAME
               SELECT *, false AS is_new FROM {winners}
               WHERE entry_type = 'payment_reversal' AND reverses_entry_id IN (SELECT reverses_entry_id FROM named)),
        pay AS (SELECT entry_id, account_key, posted_on FROM (SELECT * FROM {winners} UNION ALL BY NAME SELECT * FROM _cand)
                WHERE entry_type = 'payment' AND entry_id IN (SELECT reverses_entry_id FROM named)),
        {_REVERSAL_PAIRS}
        SELECT file_month, line_number, {_REVERSAL_REASON}
        FROM j JOIN (SELECT account_key, account_id FROM staging.accounts) a USING (account_key)
        WHERE is_new AND (p_id IS NULL OR p_posted > posted_on OR nth > 1)""", rule=2, table="_cand", held="_held_new")
    log(f"ledger: {n:,} reversals without their payment")
    # rule 3: the first charge-off among the entries that passed rule 2, stored or new
    passed2 = f"(SELECT * EXCLUDE (rule) FROM {HELD} WHERE rule >= 3 UNION ALL BY NAME SELECT * FROM {ENTRIES})"
    n = _remove(con, f"""
        WITH co AS (
            SELECT account_key, posted_on AS co_on, entry_id AS co_id
            FROM (SELECT account_key, posted_on, file_month, line_number, entry_id FROM {passed2}
                  WHERE entry_type = 'charge_off' AND account_key IN (SELECT account_key FROM _cand)
                  UNION ALL
                  SELECT account_key, posted_on, file_month, line_number, entry_id FROM _cand WHERE entry_type = 'charge_off')
            QUALIFY row_number() OVER (PARTITION BY account_key ORDER BY posted_on, file_month, line_number) = 1)
        SELECT t.file_month, t.line_number, CASE
            WHEN t.entry_type = 'charge_off' AND t.posted_on = co.co_on
                 THEN 'account already charged off on ' || co.co_on || ' by entry ''' || co.co_id || ''''
            ELSE t.entry_type || ' posted on ' || t.posted_on || ' after the account''s charge-off on '
                 || co.co_on || ' (only recovery may follow)' END
        FROM _cand t JOIN co USING (account_key)
        WHERE t.entry_type <> 'recovery'
          AND (t.posted_on > co.co_on OR (t.entry_type = 'charge_off' AND t.posted_on = co.co_on AND t.entry_id <> co.co_id))
        UNION ALL
        SELECT t.file_month, t.line_number, 'recovery posted on ' || t.posted_on || ' with no charge-off on or before it'
        FROM _cand t LEFT JOIN co USING (account_key)
        WHERE t.entry_type = 'recovery' AND (co.co_on IS NULL OR t.posted_on < co.co_on)""",
                rule=3, table="_cand", held="_held_new")
    log(f"ledger: {n:,} entries after a charge-off")
    # rule 4. Judged again over every entry: the accounts whose closed_on changed, and those closed by the
    # last month end that have no stored closure. Every other account keeps its stored closure (no new
    # entry moves a balance at an earlier month end, and it cannot close at the new month end).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _r4acc AS
        SELECT a.account_key FROM staging.accounts a JOIN staging.ledger_basis b USING (account_id)
        WHERE a.closed_on IS DISTINCT FROM b.closed_on
        UNION
        SELECT account_key FROM staging.accounts
        WHERE closed_on <= last_day(?::DATE) AND account_key NOT IN (SELECT account_key FROM {CLOSURES})""", [last])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _r4 AS
        SELECT *, 0 AS src FROM {ENTRIES} WHERE account_key IN (SELECT account_key FROM _r4acc)
        UNION ALL BY NAME
        SELECT * EXCLUDE (rule), 1 AS src FROM {HELD} WHERE rule = 4 AND account_key IN (SELECT account_key FROM _r4acc)
        UNION ALL BY NAME
        SELECT *, 2 AS src FROM _cand WHERE account_key IN (SELECT account_key FROM _r4acc)""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _clo4 AS {_closures_sql('_r4')}", [last, last])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _z AS SELECT r.* EXCLUDE (src), r.src, x.reason
        FROM _r4 r JOIN ({_after_closure_sql('_r4', '_clo4')}) x USING (file_month, line_number)""")
    # the new entries: of the re-judged accounts, and of the others after their stored closure
    n = _remove(con, f"""SELECT file_month, line_number, reason FROM _z WHERE src = 2
        UNION ALL
        SELECT * FROM ({_after_closure_sql('_cand', CLOSURES)})
        WHERE (file_month, line_number) NOT IN (SELECT (file_month, line_number) FROM _r4 WHERE src = 2)""",
                rule=4, table="_cand", held="_held_new")
    # the stored entries of the re-judged accounts: their earlier rule-4 rejections are dropped, and
    # they are judged again (a stored entry may now be rejected, a held one loaded)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _old4 AS SELECT r.source_file, r.line_number, r.raw
        FROM staging.ledger_rejected r JOIN {FILE_MONTHS} f USING (source_file)
        SEMI JOIN (SELECT file_month, line_number FROM _r4 WHERE src = 1) h
             ON h.file_month = f.file_month AND h.line_number = r.line_number""")
    con.execute("DELETE FROM staging.ledger_rejected r USING _old4 o "
                "WHERE r.source_file = o.source_file AND r.line_number = o.line_number")
    con.execute(f"""DELETE FROM {HELD} h USING (SELECT file_month, line_number FROM _r4 WHERE src = 1) x
                    WHERE h.rule = 4 AND h.file_month = x.file_month AND h.line_number = x.line_number""")
    con.execute(f"""INSERT INTO {ENTRIES} BY NAME SELECT * EXCLUDE (src) FROM _r4
                    WHERE src = 1 AND (file_month, line_number) NOT IN (SELECT (file_month, line_number) FROM _z)""")
    con.execute(f"""DELETE FROM {ENTRIES} e USING (SELECT file_month, line_number FROM _z WHERE src = 0) z
                    WHERE e.file_month = z.file_month AND e.line_number = z.line_number""")
    con.execute("INSERT INTO _held_new BY NAME SELECT * EXCLUDE (src, reason), 4 AS rule FROM _z WHERE src < 2")
    n += add_rejects(con, f"""SELECT f.source_file, z.line_number, z.reason FROM _z z JOIN {FILE_MONTHS} f USING (file_month)
                              WHERE z.src < 2""")
    con.execute(f"DELETE FROM {CLOSURES} WHERE account_key IN (SELECT account_key FROM _r4acc)")
    con.execute(f"INSERT INTO {CLOSURES} SELECT * FROM _clo4")
    log(f"ledger: {n:,} entries after the account was reported closed "
        f"({con.execute('SELECT count(*) FROM _r4acc').fetchall()[0][0]:,} accounts' closures judged again)")
    con.execute(f"INSERT INTO {ENTRIES} BY NAME SELECT * FROM _cand")
    con.execute(f"INSERT INTO {HELD} BY NAME SELECT * FROM _held_new")
    # the rejected rows: kept, and the new ones with their text as read (from the stored rejection when
    # the row was rejected before, else from its file)
    files_new = [r[0] for r in con.execute(
        "SELECT DISTINCT source_file FROM _rejects ANTI JOIN _old4 USING (source_file, line_number) ORDER BY 1").fetchall()]
    in_new = ", ".join(sql_literal(f) for f in files_new) or "NULL"
    con.execute(f"""CREATE OR REPLACE TABLE staging.ledger_rejected AS
        SELECT * FROM (
            SELECT * FROM staging.ledger_rejected
            UNION ALL
            SELECT x.source_file, x.line_number, x.reason, coalesce(o.raw, {raw_json("ledger")}) AS raw
            FROM _rejects x LEFT JOIN _old4 o USING (source_file, line_number)
                 LEFT JOIN (SELECT * FROM raw.ledger WHERE source_file IN ({in_new})) r USING (source_file, line_number))
        ORDER BY source_file, line_number""")
    for t in ("_rejects", "_held_new", "_cand", "_r4acc", "_r4", "_clo4", "_z", "_old4"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return con.execute("SELECT count(*) FROM staging.ledger_rejected").fetchall()[0][0]

def _build_full(con: duckdb.DuckDBPyConnection, months: list, log) -> int:
    """Every ledger file's rows typed and judged by every rule (see build_ledger); the number rejected."""
    source = typed_rows(con, "ledger")
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (source_file VARCHAR, line_number BIGINT, reason VARCHAR)")
    create_ledger_tables(con)
    con.execute(HELD_DDL)
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
        WHERE x.n > 1""", rule=1)
    log(f"ledger: {n:,} duplicate entry ids")
    n = _remove(con, f"""
        WITH rv AS (SELECT * FROM {ENTRIES} WHERE entry_type = 'payment_reversal'),
        pay AS (SELECT entry_id, account_key, posted_on FROM {ENTRIES}
                WHERE entry_type = 'payment' AND entry_id IN (SELECT reverses_entry_id FROM rv)),
        {_REVERSAL_PAIRS}
        SELECT file_month, line_number, {_REVERSAL_REASON}

        FROM j JOIN (SELECT account_key, account_id FROM staging.accounts) a USING (account_key)
        WHERE p_id IS NULL OR p_posted > posted_on OR nth > 1""", rule=2)
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
        WHERE t.entry_type = 'recovery' AND (co.co_on IS NULL OR t.posted_on < co.co_on)""", rule=3)
    log(f"ledger: {n:,} entries after a charge-off")
    con.execute(f"CREATE OR REPLACE TABLE {CLOSURES} AS {_closures_sql(ENTRIES)}", [months[-1], months[-1]])
    n = _remove(con, _after_closure_sql(ENTRIES, CLOSURES), rule=4)
    log(f"ledger: {n:,} entries after the account was reported closed")
    return save_rejects(con, "ledger")
