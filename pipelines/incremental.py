"""Which reporting months a run rebuilds: `arrears run` works them out before it starts the one Dagster
run over that range of months (docs/runs.md, "Month by month").

A run rebuilds every table that is not per month (raw, staging, audit, the complaint marts) whole, and
the per-month tables (marts.account_month, intermediate.ledger_flows and the monthly marts) only over
the range planned here: from the first month whose figures can have changed to the latest month.
Month c's account-months and ledger flows can change when

* c's ledger file is new, changed or removed (and every later month: balances are cumulative);
* a new accounts file brings a version of an account that differs from the one the warehouse holds in
  what the figures read (portfolio, product_type, opened_on, closed_on, currency), or a new account: every month
  of that account from its opening (from the earlier closed_on when only that moved); or one that differs
  in what the segments take as of each month end (region, hardship_flag, credit_limit, original_principal):
  the months from the file's month on, where that version is in force;

and a change at c changes the figures of c − 6 … the latest month (cure rates look six months ahead;
roll rates, charge-offs and the roll-forward one month back; the vintage curves every earlier month, the
loss forecast up to twelve), so the range starts six months before the first such month and runs to the
latest. An accounts file that changed or was removed, a DPD tolerance other than the last
published run's, reporting months that no longer start or end where the warehouse's did, a
warehouse without an earlier build, and one that another run is writing while the plan is made
rebuild every month, as does a warehouse that lacks a per-month table this version of arrears builds
(one an earlier version did not have: it has none of its months). Complaint files change only the complaint
marts, which every run rebuilds whole. An fx file (fx/fx_YYYY-MM.csv) that is new, changed or removed
changes only the converted figures of its own month (marts.*_converted, month m at m's rate), so the
range starts at that month; a reporting currency other than the last published run's rebuilds every
month.

The plan is a prediction; the builders of marts.account_month and intermediate.ledger_flows verify it
(assets/partitions.py, `refuse_changes_outside`): when a month outside the range changed after all,
the run fails naming it, and `arrears run` runs again over every month.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb

from assets.partitions import landing_months, month_key, next_month
from assets.raw.landing import ContractError, LandingFile, inspect_landing, sha256
from assets.registry import LOOK_FORWARD, TABLES
from assets.sql import table_exists

from .settings import Settings

# What of an account's version the per-month figures read (marts.account_month, the ledger's rules), and
# then what the by-segment marts read as of each month end (intermediate.account_segments).
ACCOUNT_FIELDS = ("portfolio", "product_type", "opened_on", "closed_on", "currency",
                  "region", "hardship_flag", "credit_limit", "original_principal")


@dataclass
class Plan:
    """The months one run rebuilds (partition keys YYYY-MM, first and last) and why."""
    first: str
    last: str
    full: bool
    reasons: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = (f"every month ({self.first} … {self.last})" if self.full
                else f"months {self.first} … {self.last}")
        return f"rebuilds {what}: " + "; ".join(self.reasons)


def plan_run(settings: Settings, rebuild: bool = False) -> Plan:
    """The months the next run over `settings` rebuilds (see the module)."""
    months = landing_months(settings.landing)
    if not months:
        raise ContractError("ledger/: no ledger files in the landing folder; nothing to report")
    first, last = months[0], months[-1]

    def full(reason: str) -> Plan:
        return Plan(month_key(first), month_key(last), True, [reason])

    if rebuild:
        return full("--rebuild")
    if not os.path.exists(settings.warehouse):
        return full("the warehouse holds no earlier build")
    try:
        con = duckdb.connect(settings.warehouse, read_only=True)
    except duckdb.IOException:  # another run is writing it (arrears run --wait queued behind it)
        return full("the warehouse was being written by another run when the months were planned")
    try:
        return _plan(con, settings, first, last) or full("the warehouse holds no earlier build")
    finally:
        con.close()


def _plan(con: duckdb.DuckDBPyConnection, settings: Settings, first: date, last: date) -> Plan | None:
    needed = ("audit.source_files", "audit.runs", "staging.accounts", "staging.reporting_months",
              "marts.account_month")
    if not all(table_exists(con, t) for t in needed):
        return None
    published = con.execute("SELECT dpd_tolerance FROM audit.runs WHERE outcome = 'published' "
                            "ORDER BY ended_at DESC, started_at DESC LIMIT 1").fetchall()
    if not published:
        return None

    def full(reason: str) -> Plan:
        return Plan(month_key(first), month_key(last), True, [reason])

    absent = [t.name for t in TABLES if t.per_month and not table_exists(con, t.name)]
    if absent:  # tables a later version of arrears added: they have no month yet
        return full(f"the warehouse has no {', '.join(absent)} yet (built by this version of arrears, not by the one "
                    "that built the warehouse)")
    if Decimal(published[0][0]) != settings.tolerance:
        return full(f"the DPD tolerance changed ({published[0][0]} → {settings.tolerance})")
    was = _reporting_currency(con)
    if was != settings.reporting_currency:
        return full(f"the reporting currency changed ({was or 'none'} → {settings.reporting_currency or 'none'})")
    held = [r[0].replace(day=1) for r in con.execute(
        "SELECT month_end FROM staging.reporting_months ORDER BY 1").fetchall()]
    if not held or held[0] != first or last < held[-1]:
        return full(f"the reporting months were {_span(held)} and are now {_span([first, last])}")

    stored = {f: (entity, month, digest) for f, entity, month, digest in con.execute(
        "SELECT source_file, entity, file_month, sha256 FROM audit.source_files").fetchall()}
    files = {f.source_file: f for fs in inspect_landing(settings.landing, settings.strict).files.values() for f in fs}
    changed: dict[date, list[str]] = {}  # first month whose account-months may change → why
    converted: dict[date, list[str]] = {}  # month whose converted figures change (an fx file) → why
    reasons: list[str] = []
    for name in sorted(set(stored) | set(files)):
        f = files.get(name)
        entity, month = (f.entity, f.month_start) if f else stored[name][:2]
        digest = sha256(f.path) if f else None
        if name in stored and stored[name][2] == digest:
            continue
        what = "new" if name not in stored else ("removed" if f is None else "changed")
        if entity == "ledger":
            changed.setdefault(month, []).append(f"{name} {what}")
        elif entity == "fx":
            converted.setdefault(month, []).append(f"{name} {what}")
        elif entity == "accounts":
            if what != "new":
                return full(f"{name} {what}")
            moved = _accounts_moved(con, f, first)
            if moved is not None:
                changed.setdefault(moved[0], []).append(f"{name}: {moved[1]}")
        else:
            reasons.append(f"{name} {what} (complaint figures, rebuilt whole)")
    fx = [f"{', '.join(converted[m])} (converted figures of {month_key(m)})" for m in sorted(converted)]
    fx_start = max(first, min(converted)) if converted else last
    if not changed:
        return Plan(month_key(fx_start), month_key(last), fx_start == first,
                    fx + reasons + ["no ledger or account change: only the latest month's figures"
                                    + (" and those of the fx files' months" if fx else "")])
    c = min(changed)
    start = min(max(first, next_month(c, -LOOK_FORWARD)), fx_start)
    why = [f"{', '.join(changed[m])}" for m in sorted(changed)]
    why.append(f"figures from {month_key(c)} on change, and those of the {LOOK_FORWARD} months before read them")
    return Plan(month_key(start), month_key(last), start == first, why + fx + reasons)


def _reporting_currency(con: duckdb.DuckDBPyConnection) -> str:
    """The reporting currency of the last published run ("" when none was set)."""
    found = con.execute("SELECT parameters FROM audit.runs WHERE outcome = 'published' "
                        "ORDER BY ended_at DESC, started_at DESC LIMIT 1").fetchall()
    return (json.loads(found[0][0] or "{}") if found else {}).get("reporting_currency") or ""


def _accounts_moved(con: duckdb.DuckDBPyConnection, f: LandingFile, first: date) -> tuple[date, str] | None:
    """The first month whose figures a new accounts file may change, and how many accounts it
    changes, or None when it changes no account the way the figures read it. A file whose columns
    cannot be read here is taken to change every month (the raw step judges it)."""
    everything = (first, "its columns could not be compared: every month")
    if f.fmt == "parquet":
        source = f"read_parquet('{_quote(f.path)}')"
    else:
        source = f"read_csv('{_quote(f.path)}', all_varchar = true, header = true)"
    try:
        cols = {c.strip().lower(): c for c, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    except duckdb.Error:
        return everything
    if not {"account_id", *ACCOUNT_FIELDS[:3]} <= set(cols):
        return everything

    def col(name: str) -> str:
        return f"nullif(trim(CAST(\"{cols[name]}\" AS VARCHAR)), '')" if name in cols else "NULL::VARCHAR"

    try:
        found = con.execute(f"""
            WITH n AS (SELECT {col("account_id")} AS account_id, {col("portfolio")} AS portfolio,
                              {col("product_type")} AS product_type, {col("currency")} AS currency,
                              try_cast({col("opened_on")} AS DATE) AS opened_on,
                              try_cast({col("closed_on")} AS DATE) AS closed_on,
                              coalesce({col("region")}, '') AS region, coalesce({col("hardship_flag")}, 'none') AS hardship_flag,
                              try_cast({col("credit_limit")} AS DECIMAL(18,2)) AS credit_limit,
                              try_cast({col("original_principal")} AS DECIMAL(18,2)) AS original_principal
                       FROM {source}),
            d AS (SELECT n.*, a.account_id IS NULL AS new_account,
                         a.opened_on AS old_opened, a.closed_on AS old_closed,
                         a.portfolio IS DISTINCT FROM n.portfolio OR a.product_type IS DISTINCT FROM n.product_type
                         OR a.currency IS DISTINCT FROM n.currency OR a.opened_on IS DISTINCT FROM n.opened_on AS moved,
                         a.closed_on IS DISTINCT FROM n.closed_on AS closed_moved,
                         coalesce(trim(a.region), '') IS DISTINCT FROM n.region
                         OR CAST(a.hardship_flag AS VARCHAR) IS DISTINCT FROM n.hardship_flag
                         OR a.credit_limit IS DISTINCT FROM n.credit_limit
                         OR a.original_principal IS DISTINCT FROM n.original_principal AS segment_moved
                  FROM n LEFT JOIN staging.accounts a USING (account_id)
                  WHERE n.account_id IS NOT NULL)
            SELECT min(least(CASE WHEN new_account THEN opened_on
                                  WHEN moved THEN least(old_opened, coalesce(opened_on, old_opened))
                                  WHEN closed_moved THEN least(coalesce(old_closed, closed_on), coalesce(closed_on, old_closed))
                             END,
                             CASE WHEN NOT new_account AND segment_moved THEN DATE '{f.month_start.isoformat()}' END)),
                   count(*) FILTER (WHERE new_account AND opened_on IS NOT NULL),
                   count(*) FILTER (WHERE NOT new_account AND (moved OR closed_moved OR segment_moved))
            FROM d""").fetchone()
    except duckdb.Error:
        return everything
    earliest, new, moved = found
    if earliest is None:
        return None
    return max(first, earliest.replace(day=1)), f"{new:,} new and {moved:,} changed accounts"


def _quote(path: str) -> str:
    return path.replace("'", "''")


def _span(months: list[date]) -> str:
    return f"{month_key(months[0])} … {month_key(months[-1])}" if months else "none"

