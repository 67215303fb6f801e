"""`arrears evidence YYYY-MM --out DIR`: the evidence pack of one reporting month, a folder (and a .zip of
it) an auditor opens offline. What it holds and why: docs/evidence.md. `arrears verify` (pipelines/verify.py)
recomputes it.

Which state of the warehouse the pack is of (`pack_source`): when the month is closed (a `published`
schema with the month in `published.closes`), its latest close version — figures from
`published.<table>`, checks from `published.check_results`, run, parameters and input files from
`published.closes`; otherwise the month as the warehouse's last published run built it — figures from
`marts.*`, checks from `audit.check_results`, run and parameters from `audit.runs`, input files from
`raw.files` / `audit.source_files` (assets/manifest.py). Each of figures, checks and input files is read
by one small function (`_figures`, `_checks`, `_inputs`), the only places that know the two sources.

Figures are written so that they read back exactly: DOUBLE as Python's repr (shortest text that parses
to the same float), money (DECIMAL) as text to the cent, integers and dates as written by DuckDB, NULL
as an empty field (`cell`). The key of a figures table is its DATE and VARCHAR columns (its grain; every
other column is a number). No file of the pack holds an account id: account_month is left out, and any
account id found in a check's description or evidence is replaced by `[account id]`."""

from __future__ import annotations

import calendar
import csv
import hashlib
import html
import io
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import metadata

import duckdb

from assets.manifest import CLOSE_FIELDS, control_files, input_files, with_controls
from assets.marts.converted import EXTRA_COLUMNS as CONVERSION_RECORD
from assets.published import KEYS
from assets.publishing import last_published, manifest_sha256, rejection_summary
from assets.raw.landing import sha256 as sha256_of
from assets.registry import BY_NAME, REPORTED
from assets.sql import table_exists
from assets.versioning import code_summary, code_version_of

PACK = "arrears evidence pack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
INDEX = "index.html"
FIGURES = "figures"
DATA_DOCS = "data_docs"
LIBRARIES = ("dagster", "duckdb", "polars", "great_expectations", "plotly", "pandas", "pyarrow", "numpy")
# The module of each asset that no Table of assets/registry.py builds (its code version is that module's).
OTHER_ASSET_MODULES = {"raw": "assets.raw.load", "reports": "dashboards.build"}  # their code_version's module
CHECK_COLUMNS = ("asset", "check_name", "severity", "passed", "description", "metadata", "evaluated_at")
NOT_YET = "not part of this pack yet"


class EvidenceError(Exception):
    """The pack cannot be written (or read): the message says why."""


# --- values ----------------------------------------------------------------------------------------------

def month_end_of(month: str) -> date:
    """`2026-10` → 2026-10-31; EvidenceError for anything but YYYY-MM."""
    m = re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", month or "")
    if not m:
        raise EvidenceError(f"month {month!r}: expected YYYY-MM, e.g. 2026-10")
    y, mo = int(m[1]), int(m[2])
    return date(y, mo, calendar.monthrange(y, mo)[1])


def cell(value) -> str:
    """One figure as the pack writes it: text that reads back exactly (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def key_columns(columns: list[tuple[str, str]], table: str | None = None) -> list[str]:
    """The grain of a figures table: its key as declared (assets/published.py KEYS) when `table` is a mart, in
    its column order (marts.vintage_curves' key holds an INTEGER, months_on_book); otherwise its DATE and
    VARCHAR columns, given (name, type) pairs, but the text recording a conversion (converted_from, fx_rates,
    not_converted of the converted marts)."""
    if table in KEYS:
        return [c for c, _ in columns if c in KEYS[table]]
    return [c for c, kind in columns if kind in ("DATE", "VARCHAR") and c not in CONVERSION_RECORD]


def figure_tables() -> tuple[str, ...]:
    """The marts the pack holds: every aggregated mart (marts.account_month holds account ids: left out)."""
    return REPORTED


def table_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[tuple[str, str]]:
    schema, name = qualified.split(".", 1)
    return [tuple(r) for r in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, name]).fetchall()]


def mart_rows(con: duckdb.DuckDBPyConnection, table: str, month_end: date,
              where: str = "month_end = ?", params: list | None = None,
              source: str | None = None) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """(columns with types, rows as text ordered by the key) of a figures table for one month."""
    source = source or table
    columns = [c for c in table_columns(con, source) if c[0] != "close_id"]
    names = [c for c, _ in columns]
    order = ", ".join(f'"{k}"' for k in key_columns(columns, table)) or "1"
    rows = con.execute(f"SELECT {', '.join(chr(34) + n + chr(34) for n in names)} FROM {source} WHERE {where} "
                       f"ORDER BY {order}", params if params is not None else [month_end]).fetchall()
    return columns, [[cell(v) for v in r] for r in rows]


# --- the state the pack is of -------------------------------------------------------------------------------

@dataclass
class Source:
    """Which warehouse state the pack holds: a close (`close` is its published.closes row) or the last
    published run. `through` is the last month the figures were built with (so the files they depend on
    are those of months up to it)."""

    month_end: date
    run_id: str | None
    close: dict | None
    through: date

    @property
    def description(self) -> str:
        if self.close:
            return (f"close {self.close['close_id']} (version {self.close['version']}, closed "
                    f"{cell(self.close['closed_at'])} by {self.close['closed_by']})")
        return f"run {self.run_id} (the warehouse's last published run; the month is not closed)"


def _latest_close(con: duckdb.DuckDBPyConnection, month_end: date) -> dict | None:
    if not table_exists(con, "published.closes"):
        return None
    cur = con.execute("SELECT * FROM published.closes WHERE month_end = ? ORDER BY version DESC LIMIT 1",
                      [month_end])
    cols = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(cols, row)) if row else None


def pack_source(con: duckdb.DuckDBPyConnection, month_end: date) -> Source:
    close = _latest_close(con, month_end)
    if close is not None:
        return Source(month_end, close["run_id"], close, month_end)
    run_id = last_published(con)
    if run_id is None:
        raise EvidenceError("the warehouse holds no published run: run `arrears run` first")
    months = [m for (m,) in con.execute("SELECT month_end FROM staging.reporting_months ORDER BY 1").fetchall()]
    if month_end not in months:
        raise EvidenceError(f"month {month_end:%Y-%m} is not a reporting month of the warehouse (it holds "
                            f"{months[0]:%Y-%m} to {months[-1]:%Y-%m})" if months else
                            f"month {month_end:%Y-%m}: the warehouse holds no reporting month")
    return Source(month_end, run_id, None, months[-1])


def _figures(con: duckdb.DuckDBPyConnection, source: Source, table: str):
    """(columns, rows as text) of one figures table for the pack's month."""
    if source.close:
        published = "published." + table.split(".", 1)[1]
        if not table_exists(con, published):
            raise EvidenceError(f"close {source.close['close_id']}: {published} is missing")
        return mart_rows(con, table, source.month_end, "close_id = ?", [source.close["close_id"]], published)
    return mart_rows(con, table, source.month_end)


def _checks(con: duckdb.DuckDBPyConnection, source: Source) -> list[dict]:
    """Every check evaluation behind the figures, in asset and check order."""
    if source.close:
        table, key, value = "published.check_results", "close_id", source.close["close_id"]
    else:
        table, key, value = "audit.check_results", "run_id", source.run_id
    if not table_exists(con, table):
        return []
    rows = con.execute(f"SELECT {', '.join(CHECK_COLUMNS)} FROM {table} WHERE {key} = ? "
                       "ORDER BY asset, check_name, evaluated_at", [value]).fetchall()
    return [dict(zip(CHECK_COLUMNS, r)) for r in rows]


def _inputs(con: duckdb.DuckDBPyConnection, source: Source) -> list[dict]:
    """The input files the figures were built from. For a close: the files its manifest lists, with the
    amount sums the warehouse holds for a file of the same sha256 (the close does not record them)."""
    now = input_files(con, source.through)
    if not source.close:
        return now
    by_name = {f["source_file"]: f for f in now}
    out = []
    manifest = json.loads(source.close["manifest"] or "{}")
    # a close's manifest (assets/published.py month_manifest): {"month_end", "as_of", "files", "control_totals"}
    for f in manifest.get("files", []):
        same = by_name.get(f["source_file"])
        extra = {k: v for k, v in same.items() if k not in CLOSE_FIELDS} if same and same["sha256"] == f["sha256"] \
            else {"format": None, "bytes": None, "amount_sum_loaded": None, "amount_sum_read": None}
        out.append({**{k: f.get(k) for k in CLOSE_FIELDS}, **extra,
                    "file_month": str(f.get("file_month"))[:7]})
    return out


def _run(con: duckdb.DuckDBPyConnection, source: Source) -> dict:
    """The run behind the figures: its record in audit.runs (code, parameters), the close's own values first."""
    run = {}
    if table_exists(con, "audit.runs") and source.run_id:
        cur = con.execute("SELECT * FROM audit.runs WHERE run_id = ?", [source.run_id])
        cols = [d[0] for d in cur.description]
        row = cur.fetchone()
        run = dict(zip(cols, row)) if row else {}
    parameters = (source.close or {}).get("parameters") or run.get("parameters")
    return {"run_id": source.run_id, "started_at": cell(run.get("started_at")) or None,
            "ended_at": cell(run.get("ended_at")) or None, "outcome": run.get("outcome"),
            "os_user": run.get("os_user"), "host": run.get("host"),
            "code_version": (source.close or {}).get("code_version") or run.get("code_version"),
            "code": json.loads(run["code"]) if run.get("code") else None,
            "parameters": json.loads(parameters) if parameters else None,
            "input_manifest_sha256": (source.close or {}).get("manifest_sha256") or run.get("input_manifest_sha256")}


# --- parts the integrator fills in (other helpers build them) ---------------------------------------------

def _write_data_docs(con: duckdb.DuckDBPyConnection, month_end: date, out_dir: str) -> str | None:
    """The Great Expectations Data Docs of the month's rows (checks/data_docs.py: every GX suite run on
    the month's rows of the warehouse's tables, rendered by GX and made to open offline), written into
    `out_dir` (the pack's data_docs/); returns the path of their index."""
    from checks.data_docs import write_data_docs

    return write_data_docs(con, month_end, out_dir, log=lambda m: print(f"  {m}", file=sys.stderr)).index


def _column_lineage() -> dict | None:
    """The column-level lineage of the marts ({mart: {column: [(table, column), …]}}, assets/lineage.py:
    the same declaration Dagster shows as `dagster/column_lineage`)."""
    from assets.lineage import column_lineage

    return column_lineage()


# --- lineage, code and libraries -------------------------------------------------------------------------

def asset_module(key: str) -> str:
    """The module whose code builds the asset `schema/name` (its code version is that module's)."""
    table = BY_NAME.get(key.replace("/", "."))
    return table.build.__module__ if table else OTHER_ASSET_MODULES[key.split("/")[0]]


def asset_graph() -> dict:
    """Every asset of the Definitions: group, what it reads, its checks, its module and code version."""
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        name = key.to_user_string()
        reads = sorted(p.to_user_string() for p in node.parent_keys)
        checks = sorted(c.name for c in graph.get_check_keys_for_assets({key}))
        if not node.is_materializable:  # a landing source asset: the lender's files, built by no code here
            out[name] = {"group": node.group_name, "reads": reads, "checks": checks, "module": None,
                         "code_version": None}
            continue
        module = asset_module(name)
        out[name] = {"group": node.group_name, "reads": reads, "checks": checks,
                     "module": module, "code_version": code_version_of(module)}
    return out


def library_versions() -> dict:
    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib.replace("_", "-"))
        except metadata.PackageNotFoundError:
            out[lib] = None
    return out


# --- account ids ------------------------------------------------------------------------------------------

TOKEN = re.compile(r"[\w.\-]+")


def account_id_redactor(con: duckdb.DuckDBPyConnection, texts: list[str]):
    """A function replacing every account id (of staging.account_keys, or staging.accounts) found in `texts`
    as a whole token by `[account id]`."""
    table = next((t for t in ("staging.account_keys", "staging.accounts") if table_exists(con, t)), None)
    tokens = sorted({t for s in texts if s for t in TOKEN.findall(s)})
    if table is None or not tokens:
        return lambda s: s
    found = [a for (a,) in con.execute(f"SELECT account_id FROM {table} WHERE list_contains(?, account_id)",
                                       [tokens]).fetchall()]
    if not found:
        return lambda s: s
    pattern = re.compile(r"(?<![\w.\-])(?:" + "|".join(re.escape(a) for a in sorted(found, key=len, reverse=True))
                         + r")(?![\w.\-])")
    return lambda s: pattern.sub("[account id]", s) if s else s


# --- writing ----------------------------------------------------------------------------------------------

def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def read_csv(path: str) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return (rows[0], rows[1:]) if rows else ([], [])


def _write(folder: str, rel: str, text: str) -> None:
    path = os.path.join(folder, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


class Html(str):
    """Text that is already HTML (a link): written into a page as it is."""


def _e(value) -> str:
    return value if isinstance(value, Html) else html.escape("" if value is None else str(value))


def _link(href: str, text: str | None = None) -> Html:
    return Html(f"<a href=\"{html.escape(href)}\">{html.escape(text or href)}</a>")


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>"


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top;font-size:90%}th{background:#f2f2f2}.fail{color:#b00;font-weight:bold}
code,pre{font-size:90%}pre{white-space:pre-wrap;max-width:70em}"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
            f"<style>{STYLE}</style></head>\n<body>\n<h1>{_e(title)}</h1>\n{body}\n</body></html>\n")


@dataclass
class PackResult:
    folder: str
    zip: str
    manifest_sha256: str
    files: int


def write_pack(warehouse: str, month: str, out: str, landing: str | None = None, log=lambda m: None) -> PackResult:
    """Write the evidence pack of `month` (YYYY-MM) of `warehouse` into the new folder `out` and `out`.zip.
    The folder is written aside and renamed into place when complete; `out` and `out.zip` must not exist
    (or `out` be an empty folder)."""
    month_end = month_end_of(month)
    out = os.path.abspath(out.rstrip("/\\") or out)
    zip_path = out + ".zip"
    if os.path.exists(out) and not (os.path.isdir(out) and not os.listdir(out)):
        raise EvidenceError(f"{out} already exists: name a new folder for the pack (nothing was written)")
    if os.path.exists(zip_path):
        raise EvidenceError(f"{zip_path} already exists: name a new folder for the pack (nothing was written)")
    if not os.path.exists(warehouse):
        raise EvidenceError(f"no warehouse at {os.path.abspath(warehouse)}")
    try:
        con = duckdb.connect(warehouse, read_only=True)
    except duckdb.Error as e:
        raise EvidenceError(f"cannot read the warehouse {os.path.abspath(warehouse)} (is a run writing it?): "
                            f"{str(e).splitlines()[0]}") from None
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.", dir=parent)
    try:
        try:
            manifest = _write_contents(con, month_end, work, landing, log)
        finally:
            con.close()
        text = json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
        _write(work, MANIFEST, text)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        zip_work = work + ".zip"
        _zip(work, zip_work, os.path.basename(out))
        if os.path.isdir(out):
            os.rmdir(out)  # the empty folder named for the pack
        os.rename(work, out)
        os.rename(zip_work, zip_path)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if os.path.exists(work + ".zip"):
            os.remove(work + ".zip")
        raise
    return PackResult(out, zip_path, digest, len(manifest["files"]) + 1)


def _zip(folder: str, zip_path: str, top: str) -> None:
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for rel in pack_files(folder):
            z.write(os.path.join(folder, *rel.split("/")), f"{top}/{rel}")


def pack_files(folder: str) -> list[str]:
    """Every file of a pack folder, as relative paths with `/`, sorted."""
    out = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        out.extend(os.path.relpath(os.path.join(root, n), folder).replace(os.sep, "/") for n in names)
    return sorted(out)


def _write_contents(con, month_end: date, work: str, landing: str | None, log) -> dict:
    source = pack_source(con, month_end)
    log(f"evidence: month {month_end:%Y-%m} as {source.description}")
    run = _run(con, source)
    landing = landing or (run["parameters"] or {}).get("landing")

    # input files and control totals
    inputs = _inputs(con, source)
    controls = control_files(landing, source.through) if landing and os.path.isdir(landing) else []
    inputs = with_controls(inputs, controls)
    input_names = [f["source_file"] for f in inputs]

    # figures
    figures = {}
    for table in figure_tables():
        columns, rows = _figures(con, source, table)
        rel = f"{FIGURES}/{table.split('.', 1)[1]}.csv"
        _write(work, rel, _csv_text([c for c, _ in columns], rows))
        figures[table] = {"file": rel, "key": key_columns(columns, table), "columns": [c for c, _ in columns],
                          "types": [t for _, t in columns], "rows": len(rows)}

    # rejected rows by file and rule
    rejections = rejection_summary(con, input_names) or []
    _write(work, "rejections.csv", _csv_text(["entity", "source_file", "rule", "rows"],
                                             [[r["entity"], r["file"], r["rule"], r["rows"]] for r in rejections]))

    # checks, account ids withheld
    checks = _checks(con, source)
    redact = account_id_redactor(con, [c["description"] for c in checks] + [c["metadata"] for c in checks])
    check_rows = [[c["asset"], c["check_name"], c["severity"], cell(c["passed"]), redact(c["description"]) or "",
                   redact(c["metadata"]) or "", cell(c["evaluated_at"])] for c in checks]
    _write(work, "checks.csv", _csv_text(list(CHECK_COLUMNS), check_rows))
    _write(work, "checks.json", json.dumps(
        [{**dict(zip(CHECK_COLUMNS, r)), "passed": c["passed"],
          "metadata": json.loads(r[5]) if r[5] else None} for r, c in zip(check_rows, checks)],
        indent=2, ensure_ascii=False) + "\n")
    failed = sum(1 for c in checks if not c["passed"])
    _write(work, "checks.html", _page(f"Checks behind the figures of {month_end:%Y-%m}", (
        f"<p>{len(checks)} checks of {_e(source.description)}; {failed} did not pass. Evidence is each check's "
        "metadata (counts, sample keys; account ids withheld).</p>\n"
        + _table(["asset", "check", "severity", "passed", "description", "evidence"],
                 [[r[0], r[1], r[2], r[3], r[4], r[5]] for r in check_rows]))))

    # Data Docs of the month's rows
    docs_index = _write_data_docs(con, month_end, os.path.join(work, DATA_DOCS))

    # lineage
    graph = asset_graph()
    columns_lineage = _column_lineage()
    _write(work, "lineage.json", json.dumps({"assets": graph, "column_lineage": columns_lineage},
                                            indent=2, sort_keys=True) + "\n")
    _write(work, "lineage.html", _page("Lineage: the asset graph", (
        "<p>Every asset (a warehouse table, a raw layer view or the dashboards), what it reads, its checks, "
        "and the code version of the module that builds it.</p>\n"
        + _table(["asset", "group", "reads", "checks", "module", "code version"],
                 [[k, v["group"], ", ".join(v["reads"]), ", ".join(v["checks"]), v["module"], v["code_version"]]
                  for k, v in graph.items()])
        + ("<h2>Column-level lineage of the marts</h2><p>" + f"Column-level lineage: {NOT_YET}.</p>"
           if columns_lineage is None else _column_lineage_html(columns_lineage)))))

    manifest = {
        "pack": PACK, "format_version": FORMAT_VERSION,
        "month": f"{month_end:%Y-%m}", "month_end": month_end.isoformat(),
        "source": "close" if source.close else "run", "source_description": source.description,
        "close": {k: cell(v) if isinstance(v, (date, datetime)) else v for k, v in source.close.items()
                  if k not in ("manifest", "parameters")} if source.close else None,
        "data_through": source.through.isoformat(),
        "written_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "run": {k: v for k, v in run.items() if k not in ("code", "parameters")},
        "code": {"run": run["code"], "label": run["code_version"],
                 "assets": {k: {"module": v["module"], "code_version": v["code_version"]} for k, v in graph.items()
                            if v["module"]},  # the landing source assets are files, built by no code,
                 "pack_written_by": code_summary(),
                 # the assets' versions are of the code that wrote the pack: the run's own when the hashes agree
                 "assets_are_the_runs": bool(run["code"]) and run["code"].get("code_hash") == code_summary()["code_hash"]},
        "parameters": run["parameters"],
        "libraries": library_versions(),
        "inputs": inputs,
        "controls": controls,
        # names and sha256 of the data files (as audit.runs.input_manifest_sha256 and a close's manifest_sha256)
        "inputs_sha256": manifest_sha256(inputs),
        "figures": figures,
        "rejections": {"file": "rejections.csv", "rows": sum(r["rows"] for r in rejections)},
        "checks": {"csv": "checks.csv", "json": "checks.json", "html": "checks.html", "evaluated": len(checks),
                   "failed": failed},
        "data_docs": docs_index and os.path.relpath(docs_index, work).replace(os.sep, "/"),
        "lineage": {"json": "lineage.json", "html": "lineage.html", "column_lineage": columns_lineage is not None},
    }
    _write(work, INDEX, _index(manifest, rejections))
    manifest["files"] = {rel: sha256_of(os.path.join(work, *rel.split("/"))) for rel in pack_files(work)}
    return manifest


def _column_lineage_html(lineage: dict) -> str:
    rows = [[mart, column, ", ".join(f"{t}.{c}" for t, c in sources)]
            for mart, cols in sorted(lineage.items()) for column, sources in cols.items()]
    return "<h2>Column-level lineage of the marts</h2>\n" + _table(["mart", "column", "read from"], rows)


def _index(m: dict, rejections: list[dict]) -> str:
    run, code = m["run"], m["code"]["run"] or {}
    parts = [(f"<p>Month <b>{m['month']}</b> (month end {m['month_end']}), as {_e(m['source_description'])}. "
              f"The figures were built from the input files of months up to {m['data_through'][:7]}.</p>")]
    parts.append("<h2>How to verify</h2><p>With the lender's landing folder at hand: "
                 "<code>arrears verify THIS_FOLDER --landing LANDING</code> recomputes every figure in a scratch "
                 "warehouse from exactly the input files listed below (each checked by its sha256) with the "
                 "parameters below, and compares every figure and every file of this pack "
                 "(<a href=\"manifest.json\">manifest.json</a> lists their sha256).</p>")
    parts.append("<h2>Figures</h2><p>The rows of each aggregated mart for the month (marts.account_month, one "
                 "row per account, is left out: the pack holds no account id).</p>"
                 + _table(["table", "key", "rows", "file"], [[t, ", ".join(f["key"]), f["rows"], _link(f["file"])]
                                                              for t, f in m["figures"].items()]))
    parts.append(f"<h2>Checks</h2><p>{m['checks']['evaluated']} checks, {m['checks']['failed']} did not pass: "
                 f"<a href=\"checks.html\">checks.html</a> (also <a href=\"checks.csv\">checks.csv</a>, "
                 f"<a href=\"checks.json\">checks.json</a>).</p>")
    parts.append("<h2>Great Expectations Data Docs</h2><p>"
                 + (f"<a href=\"{_e(m['data_docs'])}\">Data Docs of the month's rows</a>" if m["data_docs"]
                    else f"Data Docs: {NOT_YET}.") + "</p>")
    parts.append("<h2>Lineage</h2><p><a href=\"lineage.html\">The asset graph</a> (also "
                 "<a href=\"lineage.json\">lineage.json</a>); column-level lineage of the marts: "
                 + ("in the same files" if m["lineage"]["column_lineage"] else NOT_YET) + ".</p>")
    parts.append("<h2>Input files</h2>" + _table(
        ["entity", "file", "month", "sha256", "rows read", "loaded", "rejected", "amount sum loaded",
         "amount sum read", "control totals"],
        [[f["entity"], f["source_file"], f["file_month"], f["sha256"], f["rows_read"], f["rows_loaded"],
          f["rows_rejected"], f["amount_sum_loaded"], f["amount_sum_read"],
          json.dumps(f["control"], sort_keys=True) if f.get("control") else ""] for f in m["inputs"]]
        + [[c["entity"], c["source_file"], c["file_month"], c["sha256"], "", "", "", "", "", ""]
           for c in m["controls"]]))
    parts.append(f"<p>Hash of the input file list (names and sha256): <code>{_e(m['inputs_sha256'])}</code></p>")
    parts.append("<h2>Rejected rows by file and rule</h2>" + (_table(
        ["entity", "file", "rule", "rows"], [[r["entity"], r["file"], r["rule"], r["rows"]] for r in rejections])
        if rejections else "<p>None: every row read was loaded.</p>") + "<p><a href=\"rejections.csv\">rejections.csv</a></p>")
    parts.append("<h2>Run and code</h2>" + _table(["", ""], [
        ["run", run.get("run_id")], ["started", run.get("started_at")], ["ended", run.get("ended_at")],
        ["by", f"{run.get('os_user')} on {run.get('host')}"], ["code version", m["code"]["label"]],
        ["package version", code.get("package_version")], ["git commit", code.get("git_commit")],
        ["uncommitted changes", code.get("uncommitted_changes")], ["code hash", code.get("code_hash")]]))
    parts.append("<h3>Code version of each asset</h3>" + _table(
        ["asset", "module", "code version"], [[k, v["module"], v["code_version"]] for k, v in m["code"]["assets"].items()]))
    parts.append("<h2>Parameters</h2>" + _table(["parameter", "value"], sorted(
        [[k, json.dumps(v) if not isinstance(v, str) else v] for k, v in (m["parameters"] or {}).items()])))
    parts.append("<h2>Libraries</h2>" + _table(["library", "version"], [[k, v] for k, v in m["libraries"].items()]))
    parts.append("<p>Every file of this pack and its sha256: <a href=\"manifest.json\">manifest.json</a>.</p>")
    return _page(f"Evidence pack: {m['month']}", "\n".join(parts))
