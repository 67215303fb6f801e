"""audit.restatements: what a run found changed in a closed month, against the close's latest version.

A closed month (`published.closes`) stays as it was published. A run that finds

* an input file of a month up to the closed month changed (another sha256), removed, or added (a file of
  such a month that is not in the close's manifest) — compared with the manifest; or
* a figure of the closed month that differs from its published value — every row of each
  `published.<mart>` of the latest close version against the mart's row with the same key, as the marts
  stand at the end of the run, every column but the maturing figures (`assets.published.MATURING`) and
  the surrogate account_key; a row only on one side is one moved figure of its own (column_name NULL,
  the row's compared values as JSON on the side that has it)

does not publish: the check `closed_months_unchanged` fails (checks/closed_months.py) and the run rolls
back, and its findings are written here outside the run's transaction, one row per changed file and per
moved figure. Figures that moved without a changed file of the month carry in `cause_detail` what the
run can name: later versions of an account (e.g. a portfolio transfer) or a complaint (e.g. one received
in the month but first delivered in a later file) that apply to the month, and a changed DPD tolerance or
code version. `arrears close MONTH --restate` approves them: a run allowed to change that month publishes
and the next close version is recorded; these rows then name it in `approved_by_close_id`."""

from __future__ import annotations

import json
from datetime import date

import duckdb

from assets.published import (
    KEYS,
    compared_columns,
    current_closes,
    published_table,
    row_key_sql,
    select_list,
)
from assets.sql import sql_literal, table_exists

DDL = """CREATE TABLE IF NOT EXISTS audit.restatements (
    detected_at TIMESTAMP, run_id VARCHAR, month_end DATE, close_id VARCHAR, cause_kind VARCHAR,
    source_file VARCHAR, old_sha256 VARCHAR, new_sha256 VARCHAR, table_name VARCHAR, row_key VARCHAR,
    column_name VARCHAR, published_value VARCHAR, recomputed_value VARCHAR, approved_by_close_id VARCHAR,
    cause_detail VARCHAR)"""
COLUMNS = ("month_end", "close_id", "cause_kind", "source_file", "old_sha256", "new_sha256", "table_name",
           "row_key", "column_name", "published_value", "recomputed_value", "cause_detail")
CAUSES = ("file changed", "file removed", "file added", "figures moved")
# At most this many moved figures of one table are listed per run (the count is always exact).
MAX_FIGURES_PER_TABLE = 100_000


def closes_to_compare(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The latest close version of every closed month, each with its manifest parsed."""
    out = []
    for close in current_closes(con):
        close["manifest"] = json.loads(close["manifest"] or "{}")
        out.append(close)
    return out


def file_changes(con: duckdb.DuckDBPyConnection, closes: list[dict]) -> list[dict]:
    """The input files of months up to each closed month that changed, went or came since its close."""
    read = {f: (h, m) for f, h, m in con.execute("SELECT source_file, sha256, file_month FROM raw.files").fetchall()}
    out = []
    for close in closes:
        month_end = close["month_end"]
        listed = {f["source_file"]: f["sha256"] for f in close["manifest"].get("files", [])}
        base = {"month_end": month_end, "close_id": close["close_id"]}
        for name, old in sorted(listed.items()):
            if name not in read:
                out.append(base | {"cause_kind": "file removed", "source_file": name, "old_sha256": old})
            elif read[name][0] != old:
                out.append(base | {"cause_kind": "file changed", "source_file": name, "old_sha256": old,
                                   "new_sha256": read[name][0]})
        for name, (new, file_month) in sorted(read.items()):
            if name not in listed and file_month <= month_end:
                out.append(base | {"cause_kind": "file added", "source_file": name, "new_sha256": new})
    return out


def figure_changes(con: duckdb.DuckDBPyConnection, mart: str, closes: list[dict]) -> tuple[int, list[dict]]:
    """The figures of `mart` in the closed months that differ from the published ones: (how many, the
    first MAX_FIGURES_PER_TABLE of them)."""
    target = published_table(mart)
    if not closes or not table_exists(con, target) or not table_exists(con, mart):
        return 0, []
    ids = ", ".join(sql_literal(c["close_id"]) for c in closes)
    keys, columns = KEYS[mart], compared_columns(con, mart)
    on = " AND ".join(f'p."{k}" = r."{k}"' for k in keys)
    values = lambda side: ("to_json(struct_pack(" + ", ".join(f'"{c}" := {side}."{c}"' for c in columns)
                           + "))::VARCHAR") if columns else "'{}'"
    # The rows that differ are found first, comparing typed values (a mart's enumerations as text, as
    # published), into a small scratch table; only those are then unfolded into one row per figure.
    differs = " OR ".join(f'p."{c}" IS DISTINCT FROM r."{c}"' for c in columns) or "false"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _differ AS
        WITH c AS (SELECT close_id, month_end FROM published.closes WHERE close_id IN ({ids})),
        p AS (SELECT * FROM {target} WHERE close_id IN ({ids})),
        r AS (SELECT {select_list(con, mart, 'm')}, c.close_id AS _close FROM {mart} m JOIN c USING (month_end))
        SELECT coalesce(p.close_id, r._close) AS close_id, coalesce(p.month_end, r.month_end) AS month_end,
               CASE WHEN p.close_id IS NOT NULL THEN {row_key_sql(mart, 'p')} ELSE {row_key_sql(mart, 'r')} END
                   AS row_key,
               p.close_id IS NOT NULL AS in_p, r._close IS NOT NULL AS in_r,
               {values('p')} AS p_row, {values('r')} AS r_row
               {''.join(f', CAST(p."{c}" AS VARCHAR) AS "p_{c}", CAST(r."{c}" AS VARCHAR) AS "r_{c}"' for c in columns)}
        FROM p FULL JOIN r ON p.close_id = r._close AND {on}
        WHERE p.close_id IS NULL OR r._close IS NULL OR {differs}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _moved AS
        SELECT close_id, month_end, row_key, NULL::VARCHAR AS column_name,
               CASE WHEN in_p THEN p_row END AS published_value, CASE WHEN in_r THEN r_row END AS recomputed_value
        FROM _differ WHERE NOT (in_p AND in_r)
        {''.join(f'''UNION ALL SELECT close_id, month_end, row_key, {sql_literal(c)}, "p_{c}", "r_{c}"
        FROM _differ WHERE in_p AND in_r AND "p_{c}" IS DISTINCT FROM "r_{c}" ''' for c in columns)}""")
    try:
        count = con.execute("SELECT count(*) FROM _moved").fetchall()[0][0]
        rows = con.execute(f"""SELECT close_id, month_end, row_key, column_name, published_value, recomputed_value
            FROM _moved ORDER BY month_end, row_key, column_name NULLS FIRST LIMIT {MAX_FIGURES_PER_TABLE}""").fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS _moved")
        con.execute("DROP TABLE IF EXISTS _differ")
    return count, [{"close_id": c, "month_end": m, "cause_kind": "figures moved", "table_name": mart, "row_key": k,
                    "column_name": col, "published_value": p, "recomputed_value": r}
                   for c, m, k, col, p, r in rows]


def later_versions(con: duckdb.DuckDBPyConnection, month_end: date, limit: int = 20) -> list[str]:
    """What the run read after a closed month that applies to it: accounts whose version from a later
    file differs from the one of the month's files (or that were first delivered later, opened by the
    month's end), and complaints received by the month's end first delivered, or delivered again with
    other contract values than their dates, in a later file."""
    found = []
    if table_exists(con, "staging.account_versions"):
        found += [f"account {a}: {f} ({what})" for a, f, what in con.execute("""
            WITH v AS (SELECT * FROM staging.account_versions),
            later AS (SELECT * FROM v WHERE first_file_month > $m),
            before AS (SELECT * FROM v WHERE first_file_month <= $m
                       QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY first_file_month DESC) = 1),
            changed AS (  -- only what can change the month: an attribute of an account open by then, a
                          -- closure or an opening date on or before it
                SELECT l.account_id, l.source_file, l.first_file_month, b.account_id IS NULL AS first_later,
                       l.opened_on, least(l.opened_on, b.opened_on) <= $m AS had_rows,
                       CASE WHEN l.portfolio IS DISTINCT FROM b.portfolio
                            THEN 'portfolio ' || b.portfolio || ' → ' || l.portfolio END AS portfolio,
                       CASE WHEN l.product_type IS DISTINCT FROM b.product_type
                            THEN 'product_type ' || b.product_type || ' → ' || l.product_type END AS product_type,
                       CASE WHEN l.currency IS DISTINCT FROM b.currency
                            THEN 'currency ' || b.currency || ' → ' || l.currency END AS currency,
                       CASE WHEN l.opened_on IS DISTINCT FROM b.opened_on
                            THEN 'opened_on ' || b.opened_on || ' → ' || l.opened_on END AS opened,
                       CASE WHEN l.closed_on IS DISTINCT FROM b.closed_on
                                 AND least(coalesce(l.closed_on, DATE '9999-12-31'),
                                           coalesce(b.closed_on, DATE '9999-12-31')) <= $m
                            THEN 'closed_on ' || coalesce(b.closed_on::VARCHAR, 'none') || ' → '
                                 || coalesce(l.closed_on::VARCHAR, 'none') END AS closed
                FROM later l LEFT JOIN before b USING (account_id))
            SELECT account_id, source_file,
                   CASE WHEN first_later THEN 'first delivered after the close, opened ' || opened_on
                        ELSE concat_ws('; ', portfolio, product_type, currency, opened, closed) END
            FROM changed
            WHERE (first_later AND opened_on <= $m)
               OR (NOT first_later AND (closed IS NOT NULL OR (had_rows AND coalesce(portfolio, product_type,
                                                                                   currency, opened) IS NOT NULL)))
            ORDER BY account_id, first_file_month LIMIT $n""", {"m": month_end, "n": limit}).fetchall()]
    if table_exists(con, "staging.complaint_versions"):
        found += [f"complaint {c} received {r}: {f} ({what})" for c, r, f, what in con.execute("""
            WITH v AS (SELECT * FROM staging.complaint_versions WHERE received_on <= ?),
            before AS (SELECT * FROM v WHERE file_month <= ?
                       QUALIFY row_number() OVER (PARTITION BY complaint_id ORDER BY file_month DESC, line_number DESC) = 1)
            SELECT l.complaint_id, l.received_on, l.source_file,
                   CASE WHEN b.complaint_id IS NULL THEN 'first delivered after the close'
                        ELSE 'delivered again with another account, product, issue or channel' END
            FROM v l LEFT JOIN before b USING (complaint_id)
            WHERE l.file_month > ? AND (b.complaint_id IS NULL OR l.account_id IS DISTINCT FROM b.account_id
                  OR l.product IS DISTINCT FROM b.product OR l.issue IS DISTINCT FROM b.issue
                  OR l.sub_issue IS DISTINCT FROM b.sub_issue OR l.submitted_via IS DISTINCT FROM b.submitted_via
                  OR l.received_on IS DISTINCT FROM b.received_on)
            QUALIFY row_number() OVER (PARTITION BY l.complaint_id ORDER BY l.file_month, l.line_number) = 1
            ORDER BY l.complaint_id LIMIT ?""", [month_end, month_end, month_end, limit]).fetchall()]
    return found


def settings_changes(close: dict, parameters: dict, code_version: str | None) -> list[str]:
    """The DPD tolerance, the reporting currency and the code version the run used, where they differ from
    the close's."""
    out = []
    closed = json.loads(close.get("parameters") or "{}")
    if "dpd_tolerance" in parameters and str(closed.get("dpd_tolerance")) != str(parameters["dpd_tolerance"]):
        out.append(f"dpd_tolerance {closed.get('dpd_tolerance')} → {parameters['dpd_tolerance']}")
    if str(closed.get("reporting_currency") or "") != str(parameters.get("reporting_currency") or ""):
        out.append(f"reporting_currency {closed.get('reporting_currency') or 'none'} → "
                   f"{parameters.get('reporting_currency') or 'none'}")
    if code_version and close.get("code_version") and code_version != close["code_version"]:
        out.append(f"code version {close['code_version']} → {code_version}")
    return out


def record(con: duckdb.DuckDBPyConnection, run_id: str, findings: list[dict], detected_at) -> None:
    """Write a run's findings (outside its transaction, like audit.runs)."""
    con.execute(DDL)
    if findings:
        con.executemany(f"INSERT INTO audit.restatements (detected_at, run_id, {', '.join(COLUMNS)}) "
                        f"VALUES (?, ?, {', '.join('?' * len(COLUMNS))})",
                        [[detected_at, run_id, *(f.get(c) for c in COLUMNS)] for f in findings])


def pending(con: duckdb.DuckDBPyConnection, month_end: date | None = None) -> list[dict]:
    """The restatement rows not approved, found by runs that started after the last published run (a
    published run since means the month matched its close again), of one month or of all."""
    if not table_exists(con, "audit.restatements"):
        return []
    cur = con.execute("""SELECT r.* FROM audit.restatements r JOIN audit.runs u USING (run_id)
        WHERE r.approved_by_close_id IS NULL AND (? IS NULL OR r.month_end = ?)
          AND u.started_at > coalesce((SELECT max(started_at) FROM audit.runs WHERE outcome = 'published'),
                                      TIMESTAMP '1900-01-01')
        ORDER BY r.month_end, r.detected_at, r.cause_kind, r.source_file, r.table_name, r.row_key, r.column_name""",
                      [month_end, month_end])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def approve(con: duckdb.DuckDBPyConnection, month_end: date, close_id: str) -> int:
    """Mark every unapproved restatement row of the month as approved by the close version `close_id`."""
    con.execute(DDL)
    return con.execute("UPDATE audit.restatements SET approved_by_close_id = ? "
                       "WHERE month_end = ? AND approved_by_close_id IS NULL", [close_id, month_end]).fetchall()[0][0]


def summary(findings: list[dict], counts: dict[tuple, int] | None = None) -> str:
    """One line per closed month: the files that changed and how many figures moved in which tables."""
    months: dict = {}
    for f in findings:
        months.setdefault((f["month_end"], f["close_id"]), []).append(f)
    parts = []
    for (month_end, close_id), rows in sorted(months.items()):
        files = [f"{r['source_file']} {r['cause_kind'].split()[1]}"
                 + (f" (sha256 {r['old_sha256'][:12]}… → {r['new_sha256'][:12]}…)" if r["cause_kind"] == "file changed" else "")
                 for r in rows if r["cause_kind"] != "figures moved"]
        tables: dict[str, int] = {}
        for r in rows:
            if r["cause_kind"] == "figures moved":
                tables[r["table_name"]] = tables.get(r["table_name"], 0) + 1
        if counts:
            tables = {t: counts.get((close_id, t), n) for t, n in tables.items()}
        moved = ", ".join(f"{t} {n:,}" for t, n in sorted(tables.items()))
        parts.append(f"{month_end:%Y-%m} (closed, {close_id}): "
                     + "; ".join(([f"files: {', '.join(files)}"] if files else [])
                                 + ([f"figures moved: {moved}"] if moved else [])))
    return " | ".join(parts)
