"""The `published` schema: the months that are closed, and for each version of a close the figures, pages
and check results exactly as they were published.

A close freezes one reporting month as the warehouse's last published run built it:

* `published.closes` — one row per close version (`close_id` = `'2026-10 v1'`): who closed it, when and
  why, the run whose figures are frozen, that run's code version and parameters, the month's manifest
  (every input file of months up to the closed month with its sha256 and row counts, the control totals
  when present, and `as_of`: the latest month end the run held) and the manifest's hash;
  `restates_version` names the version a restatement replaces (NULL for a first close).
* `published.<mart>` for every marts table — `close_id` and the mart's columns, the rows of that month.
* `published.dashboards` — every file of the reports folder as published (name relative to the folder, e.g.
  `index.html`, `data/aging-balance.aging.csv`, `workbooks/arrears-2026-10.xlsx`; sha256; content).
* `published.check_results` — `close_id` and every check evaluation of the frozen run.

Every version stays: a restatement adds a version, it never changes one. Two views read them:
`published.current_closes` (the latest version of each month) and `published.maturing_figures` (each
figure that matures, its value at close beside its latest value, each with its as-of month end).

Which figures mature (`MATURING`), and by which key a mart's rows are compared (`KEYS`), are declared
here once; `assets/restatements.py` compares with them, docs/spec/metrics.md lists them."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
from datetime import date, datetime

import duckdb

from assets.marts.converted import CONVERTED
from assets.marts.common import SEGMENTED_MARTS
from assets.publishing import manifest_sha256
from assets.sql import sql_literal, table_exists

SCHEMA = "published"

# The key of each mart: its grain (docs/spec/outputs.md). Rows are matched on it when a closed month's
# published rows are compared with the rows a later run computes.
_NATIVE_KEYS: dict[str, tuple[str, ...]] = {
    "marts.account_month": ("month_end", "account_id"),
    "marts.aging": ("month_end", "portfolio", "currency", "bucket"),
    "marts.roll_rates": ("month_end", "portfolio", "currency", "from_bucket", "to_bucket"),
    "marts.cure_rates": ("month_end", "portfolio", "currency", "from_bucket"),
    "marts.delinquency_rates": ("month_end", "portfolio", "currency"),
    "marts.charge_offs": ("month_end", "portfolio", "currency"),
    "marts.roll_forward": ("month_end", "portfolio", "currency"),
    "marts.quarterly_rates": ("month_end", "portfolio", "currency"),
    "marts.complaint_metrics": ("month_end", "portfolio", "issue_group"),
    "marts.complaints_by_bucket": ("month_end", "bucket"),
    # the roll-rate loss forecast: every figure of month m reads only months <= m, so none matures
    "marts.roll_rate_averages": ("month_end", "portfolio", "currency", "window_months", "weighting", "from_bucket",
                                 "to_bucket"),
    "marts.lifetime_loss_rates": ("month_end", "portfolio", "currency", "window_months", "weighting", "bucket"),
    "marts.roll_rate_reserve": ("month_end", "portfolio", "currency", "window_months", "weighting"),
    "marts.loss_projection": ("month_end", "portfolio", "currency", "window_months", "weighting", "months_ahead"),
    "marts.loss_backtest": ("month_end", "portfolio", "currency", "window_months", "weighting", "months_ahead"),
    "marts.vintage_curves": ("month_end", "portfolio", "currency", "vintage", "months_on_book"),
}
# The converted figures (assets/marts/converted.py) have the native keys (currency = the reporting
# currency); a mart per segment has its base mart's keys with the segment and its value after the currency.
KEYS: dict[str, tuple[str, ...]] = {
    **_NATIVE_KEYS,
    **{name: _NATIVE_KEYS[c.native] for name, c in CONVERTED.items()},
    **{f"{base}_by_segment": _NATIVE_KEYS[base][:3] + ("segment", "segment_value") + _NATIVE_KEYS[base][3:]
       for base in SEGMENTED_MARTS},
}

# Figures of a month that become known only later (docs/spec/metrics.md, "Figures that mature"): they
# look at later month ends, at the latest month end L, or at later versions of a complaint. Their change
# after a close is the figure maturing, never a restatement. The converted and per-segment tables of a mart
# mature as it does.
_NATIVE_MATURING: dict[str, tuple[str, ...]] = {
    # m, m+1, m+2 / m+1 … m+6: NULL until those months are observed
    "marts.cure_rates": ("cured_within_3m_rate", "redefault_6m_rate"),
    # judged as of L, with responded_on / closed_on / company_response of the latest complaint version
    "marts.complaint_metrics": (
        "timely_response_rate", "timely_response_denominator",
        "closed_within_60d_rate", "closed_within_60d_denominator",
        "median_days_to_close", "open_backlog", "backlog_unknown", "dates_unknown"),
}
MATURING: dict[str, tuple[str, ...]] = {
    **_NATIVE_MATURING,
    **{name: _NATIVE_MATURING[c.native] for name, c in CONVERTED.items() if c.native in _NATIVE_MATURING},
    **{f"{base}_by_segment": _NATIVE_MATURING[base] for base in SEGMENTED_MARTS if base in _NATIVE_MATURING},
}

# Columns never compared: a surrogate key means something only inside its warehouse (architecture.md).
NOT_COMPARED = ("account_key",)

CLOSES_DDL = """CREATE TABLE IF NOT EXISTS published.closes (
    close_id VARCHAR PRIMARY KEY, month_end DATE, version INTEGER, closed_at TIMESTAMP, closed_by VARCHAR,
    note VARCHAR, run_id VARCHAR, code_version VARCHAR, parameters VARCHAR, manifest VARCHAR,
    manifest_sha256 VARCHAR, restates_version INTEGER)"""
DASHBOARDS_DDL = """CREATE TABLE IF NOT EXISTS published.dashboards (
    close_id VARCHAR, file VARCHAR, sha256 VARCHAR, content BLOB)"""
CHECK_RESULTS_DDL = """CREATE TABLE IF NOT EXISTS published.check_results (
    close_id VARCHAR, run_id VARCHAR, asset VARCHAR, check_name VARCHAR, severity VARCHAR, passed BOOLEAN,
    description VARCHAR, metadata VARCHAR, evaluated_at TIMESTAMP)"""
CURRENT_CLOSES_VIEW = """CREATE OR REPLACE VIEW published.current_closes AS
    SELECT * FROM published.closes
    QUALIFY row_number() OVER (PARTITION BY month_end ORDER BY version DESC) = 1"""


def close_id_of(month_end: date, version: int) -> str:
    return f"{month_end:%Y-%m} v{version}"


def published_table(mart: str) -> str:
    return f"{SCHEMA}.{mart.split('.', 1)[1]}"


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".", 1)
    return con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                       [schema, name]).fetchall()


def compared_columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    """The columns of `mart` a restatement is judged on: those of both the mart and its published table,
    except its key, the maturing figures and the surrogate key."""
    published = {c for c, _ in columns_of(con, published_table(mart))}
    skip = set(KEYS[mart]) | set(MATURING.get(mart, ())) | set(NOT_COMPARED)
    return [c for c, _ in columns_of(con, mart) if c in published and c not in skip]


def current_closes(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The latest version of every closed month, oldest month first."""
    if not table_exists(con, "published.closes"):
        return []
    cur = con.execute("""SELECT * FROM published.closes
        QUALIFY row_number() OVER (PARTITION BY month_end ORDER BY version DESC) = 1 ORDER BY month_end""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def month_manifest(con: duckdb.DuckDBPyConnection, month_end: date, landing: str | None) -> dict:
    """The inputs of a closed month: every input file of a month up to it, with its sha256 and rows read,
    loaded and rejected (audit.source_files), the control totals of those months found in the landing
    folder (file, sha256, the totals as given), and `as_of`: the latest month end the warehouse holds."""
    rows = con.execute("""SELECT entity, source_file, file_month, sha256, rows_read, rows_loaded, rows_rejected
        FROM audit.source_files WHERE file_month <= ? ORDER BY source_file""", [month_end]).fetchall()
    files = [{"entity": e, "source_file": f, "file_month": str(m), "sha256": h, "rows_read": r,
              "rows_loaded": l, "rows_rejected": j} for e, f, m, h, r, l, j in rows]
    controls = {}
    for path in sorted(glob.glob(os.path.join(landing or "", "control", "control_*.json")) if landing else []):
        found = re.fullmatch(r"control_(\d{4})-(\d{2})\.json", os.path.basename(path))
        if not found or (int(found[1]), int(found[2])) > (month_end.year, month_end.month):
            continue
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            totals = json.loads(data)
        except ValueError:
            totals = None
        controls[f"control/{os.path.basename(path)}"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                                         "totals": totals}
    as_of = con.execute("SELECT max(month_end) FROM staging.reporting_months").fetchall()[0][0]
    return {"month_end": str(month_end), "as_of": str(as_of), "files": files, "control_totals": controls}


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The published tables (a mart's published table has its columns, enumerations as text, after
    close_id; a column a mart gained since is added) and the views."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for ddl in (CLOSES_DDL, DASHBOARDS_DDL, CHECK_RESULTS_DDL, CURRENT_CLOSES_VIEW):
        con.execute(ddl)
    for mart in KEYS:  # every mart (a test holds KEYS to the registry's marts)
        target = published_table(mart)
        if not table_exists(con, mart):
            continue
        if not table_exists(con, target):
            con.execute(f"CREATE TABLE {target} AS SELECT CAST(NULL AS VARCHAR) AS close_id, "
                        f"{select_list(con, mart)} FROM {mart} LIMIT 0")
            continue
        have = {c for c, _ in columns_of(con, target)}
        for column, kind in columns_of(con, mart):
            if column not in have:
                con.execute(f'ALTER TABLE {target} ADD COLUMN "{column}" '
                            f"{'VARCHAR' if kind.startswith('ENUM') else kind}")
    con.execute(maturing_view_sql(con))


def select_list(con: duckdb.DuckDBPyConnection, table: str, alias: str = "") -> str:
    """The table's columns, an enumeration cast to text (its type belongs to the mart, not the record)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'CAST({prefix}"{c}" AS VARCHAR) AS "{c}"' if kind.startswith("ENUM") else f'{prefix}"{c}"'
                     for c, kind in columns_of(con, table))


def row_key_sql(mart: str, alias: str = "") -> str:
    """The key of a row as JSON text, e.g. {"month_end":"2026-10-31","portfolio":"all"}."""
    prefix = f"{alias}." if alias else ""
    return ("to_json(struct_pack(" + ", ".join(f'"{k}" := CAST({prefix}"{k}" AS VARCHAR)' for k in KEYS[mart])
            + "))::VARCHAR")


def maturing_view_sql(con: duckdb.DuckDBPyConnection) -> str:
    """published.maturing_figures: each maturing figure of each close version with its value at close
    (as of the close's latest month end) and its value in the warehouse now (as of its latest month end)."""
    parts = []
    for mart, columns in MATURING.items():
        target = published_table(mart)
        if not (table_exists(con, target) and table_exists(con, mart)):
            continue
        on = " AND ".join(f'CAST(p."{k}" AS VARCHAR) = CAST(m."{k}" AS VARCHAR)' for k in KEYS[mart])
        for column in columns:
            parts.append(f"""SELECT p.close_id, p.month_end, {sql_literal(mart)} AS table_name,
                    {row_key_sql(mart, 'p')} AS row_key, {sql_literal(column)} AS column_name,
                    CAST(p."{column}" AS DOUBLE) AS value_at_close, c.as_of_close,
                    CAST(m."{column}" AS DOUBLE) AS latest_value, l.latest_as_of
                FROM {target} p
                JOIN (SELECT close_id, CAST(json_extract_string(manifest, '$.as_of') AS DATE) AS as_of_close
                      FROM published.closes) c USING (close_id)
                LEFT JOIN {mart} m ON {on}
                CROSS JOIN (SELECT max(month_end) AS latest_as_of FROM staging.reporting_months) l""")
    if not parts:
        parts.append("SELECT NULL::VARCHAR AS close_id, NULL::DATE AS month_end, NULL::VARCHAR AS table_name, "
                     "NULL::VARCHAR AS row_key, NULL::VARCHAR AS column_name, NULL::DOUBLE AS value_at_close, "
                     "NULL::DATE AS as_of_close, NULL::DOUBLE AS latest_value, NULL::DATE AS latest_as_of "
                     "WHERE false")
    return "CREATE OR REPLACE VIEW published.maturing_figures AS\n" + "\nUNION ALL\n".join(parts)


def freeze(con: duckdb.DuckDBPyConnection, *, month_end: date, run: dict, closed_by: str, note: str | None,
           closed_at: datetime, reports_folder: str, landing: str | None) -> dict:
    """Record the next version of the close of `month_end` from the warehouse as `run` (its audit.runs row)
    published it, and the pages of `reports_folder` (which that run wrote). Runs inside the caller's
    transaction; returns the new published.closes row."""
    create_tables(con)
    previous = con.execute("SELECT max(version) FROM published.closes WHERE month_end = ?",
                           [month_end]).fetchall()[0][0]
    version = (previous or 0) + 1
    close_id = close_id_of(month_end, version)
    manifest = month_manifest(con, month_end, landing)
    row = {"close_id": close_id, "month_end": month_end, "version": version, "closed_at": closed_at,
           "closed_by": closed_by, "note": note, "run_id": run["run_id"], "code_version": run.get("code_version"),
           "parameters": run.get("parameters"), "manifest": json.dumps(manifest, sort_keys=True),
           "manifest_sha256": manifest_sha256(manifest["files"]), "restates_version": previous}
    con.execute(f"INSERT INTO published.closes ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()))
    for mart in KEYS:
        if table_exists(con, mart):
            con.execute(f"INSERT INTO {published_table(mart)} BY NAME SELECT {sql_literal(close_id)} AS close_id, "
                        f"{select_list(con, mart)} FROM {mart} WHERE month_end = ?", [month_end])
    for name in report_files(reports_folder):
        with open(os.path.join(reports_folder, name), "rb") as fh:
            content = fh.read()
        con.execute("INSERT INTO published.dashboards VALUES (?, ?, ?, ?)",
                    [close_id, name, hashlib.sha256(content).hexdigest(), content])
    con.execute("""INSERT INTO published.check_results SELECT ?, run_id, asset, check_name, severity, passed,
        description, metadata, evaluated_at FROM audit.check_results WHERE run_id = ?""", [close_id, run["run_id"]])
    return row


def report_files(reports_folder: str) -> list[str]:
    """Every file of the reports folder, its subfolders' included (the exports: data/*.csv,
    workbooks/*.xlsx, what finance takes away), as '/'-separated paths relative to it, sorted."""
    names = []
    for root, dirs, files in os.walk(reports_folder):
        dirs.sort()
        rel = os.path.relpath(root, reports_folder)
        names += [name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}" for name in files]
    return sorted(names)
