"""Great Expectations Data Docs of one reporting month's rows, rendered by GX's own site builder and made
to open with no network.

`write_data_docs(con, month_end, out_dir)` runs every table's GX suite (checks/<stage>/<schema>__<table>.json,
the same suites and the same expectations the pipeline's `gx_suite` checks run) on *the month's rows* of
that table (`MONTH_ROWS` below says which rows, table by table), with a GX **file** data context rooted
in a temporary folder: one pandas data asset, ValidationDefinition and Checkpoint per table, whose
results GX stores; then `context.build_data_docs()` renders the site (index, one validation page and
one expectation-suite page per table), which is copied into `out_dir`.

GX's page templates load their CSS, scripts and fonts from CDNs. The copies in checks/data_docs_static/
(vendored from npm at development time, with their licences; README.md there) are copied into the site
as `static/vendor/`, and every page is pointed at them by a relative path (`VENDORED` maps each URL);
the GX logo the pages load from GX's S3 bucket (with the context's id in the query string) is pointed at
the `static/images/logo-long.png` GX ships in the site. A page that loads any other external resource
(a new GX version's template) makes this fail, naming it, rather than write a site that needs the
network. Links (`<a href>`) to GX's website stay as links: following one is the reader's choice.

A failing expectation is a result: it is rendered (red, with its unexpected count and sample values) and
counted in `DataDocsResult`. An expectation that raised inside GX, or a table whose rows could not be
read or validated, raises `DataDocsError` and nothing is written to `out_dir`: an error is never
rendered as a result a reader could take for a pass.

GX is imported inside the function, in the calling process, not in the pipeline's GX worker
(checks/gx_worker.py): the worker's purpose is to overlap GX's 4-6 s import with a run's Dagster start-up,
which does not arise here, and doing it here spares pickling the month's rows (~600k account-month rows
at 1,000,000 accounts) through the worker's pipe; the site is written straight to the temporary folder.
The worker's own helpers (the suite's expectations, the error of a result) are reused, so a suite means
the same here as in the run.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from .gx import CHECKS_DIR, CheckError, load_suite, suite_path
from .gx_worker import error_of, suite_expectations
from .registry import CHECKED_TABLES, has_gx_suite, stage_of

STATIC = Path(__file__).parent / "data_docs_static"
VENDOR_DIR = "static/vendor"  # where the vendored files go inside the site
GX_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

# Every external resource GX 1.24's Data Docs pages load, and the vendored file (under data_docs_static/)
# that replaces it.
VENDORED = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js@1.12.9/dist/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap@4.3.1/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap@4.3.1/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker@1.9.0/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker@1.9.0/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free@6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega@5.33.1/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite@5.23.0/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed@6.29.0/build/vega-embed.min.js",
}
# GX's logo, loaded from its S3 bucket (logo-long.png with a tracking query string; full_logo_dark.png
# for dark mode, in no package): both become the logo GX ships in the site's own static/images/.
_GX_LOGO = re.compile(re.escape(GX_ASSETS) + r"(?:logo-long\.png|full_logo_dark\.png)(?:\?[^\"'()\s]*)?")
SITE_LOGO = "static/images/logo-long.png"
_SITE_STATIC = re.compile(r"""((?:\b(?:src|href)\s*=\s*|url\(\s*)["']?)(?:\.|\.\.(?:/\.\.)*)/static/""", re.I)
# What a page or style sheet loads: src= / href= of a tag that fetches (not <a>), url(...) and @import.
_LOADING_TAG = re.compile(r"<(?:link|script|img|iframe|source|embed|object|audio|video|image|use|input)\b[^>]*>", re.I)
_TAG_URL = re.compile(r"""\b(?:src|href|xlink:href|data|poster|srcset)\s*=\s*["']?([^"'\s>]+)""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']""", re.I)


class DataDocsError(CheckError):
    """The Data Docs could not be written truthfully: GX raised, rows could not be read, or a page loads an
    external resource that has no vendored copy."""


def _month_rows() -> dict[str, tuple[str, str]]:
    """table -> (which of its rows are the month's, the SELECT of them with parameters $first, $month_end)."""
    out = {e: (f"the rows of the month's {e} file as read (file_month = the month)",
               f"SELECT * FROM raw.{e} WHERE file_month = $first") for e in ("accounts", "ledger", "complaints", "fx")}
    out = {f"raw.{k}": v for k, v in out.items()}
    out.update({
        "staging.accounts": ("the accounts open at the month end, latest version "
                             "(opened_on <= month end, closed_on null or after it)",
                             "SELECT * FROM staging.accounts WHERE opened_on <= $month_end "
                             "AND (closed_on IS NULL OR closed_on > $month_end)"),
        "staging.ledger": ("the entries posted in the month (posted_on in the month), as the view staging.ledger shows them",
                           "SELECT * FROM staging.ledger WHERE posted_on BETWEEN $first AND $month_end"),
        "staging.complaints": ("the complaints received in the month (received_on in the month), latest version",
                               "SELECT * FROM staging.complaints WHERE received_on BETWEEN $first AND $month_end"),
        "staging.fx_rates": ("the rates of the month end (month_end = the month end)",
                             "SELECT * FROM staging.fx_rates WHERE month_end = $month_end"),
        "audit.source_files": ("the month's input files (file_month = the month)",
                               "SELECT * FROM audit.source_files WHERE file_month = $first"),
        "audit.rejected_rows": ("the rows rejected from the month's input files",
                                "SELECT * FROM audit.rejected_rows WHERE source_file IN "
                                "(SELECT source_file FROM audit.source_files WHERE file_month = $first)"),
    })
    return out


# Which rows of each table are the month's. Any other table (marts.*, intermediate.*): month_end = the month.
MONTH_ROWS = _month_rows()


def month_rows(table: str) -> tuple[str, str]:
    """(description, SELECT with $first / $month_end) of `table`'s rows that belong to one month."""
    if table in MONTH_ROWS:
        return MONTH_ROWS[table]
    if table.split(".")[0] in ("marts", "intermediate"):
        return ("the rows of the month (month_end = the month end)", f"SELECT * FROM {table} WHERE month_end = $month_end")
    raise DataDocsError(f"{table} has a GX suite but no rule saying which of its rows are a month's (checks/data_docs.py)")


@dataclass(frozen=True)
class TableDocs:
    """One table's validation: `rows` the month's rows validated (`selection` says which), the suite's
    expectations evaluated / passed / failed (`failures`: type(column) of each failed one), and the path of
    its validation page relative to the site."""

    table: str
    suite: str
    selection: str
    rows: int
    evaluated: int
    passed: int
    failed: int
    failures: tuple[str, ...]
    page: str


@dataclass(frozen=True)
class DataDocsResult:
    """What write_data_docs wrote: `index` (the site's index.html), `tables` (per table, in pipeline order)
    and `files` (every file written, relative to `out_dir`, sorted)."""

    month_end: datetime.date
    out_dir: str
    index: str
    tables: dict[str, TableDocs]
    files: tuple[str, ...]

    @property
    def success(self) -> bool:
        return all(t.failed == 0 for t in self.tables.values())


def suite_tables() -> list[str]:
    """The tables that have a GX suite, in the pipeline's order (raw, staging, audit, marts)."""
    return [t for t in CHECKED_TABLES if has_gx_suite(t)]


def write_data_docs(con: duckdb.DuckDBPyConnection, month_end: datetime.date, out_dir: str,
                    log=lambda m: None) -> DataDocsResult:
    """Validate the month's rows of every table that has a GX suite and write GX's Data Docs of the results
    into `out_dir` (absent or empty), openable with no network. Raises DataDocsError when GX raised or a
    table's rows could not be read; failed expectations are results, not errors."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out_dir} is not empty: Data Docs are written into an empty or new folder")
    first = month_end.replace(day=1)
    if month_end != (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1):
        raise ValueError(f"{month_end} is not a month end")
    with tempfile.TemporaryDirectory(prefix="arrears-gx-") as tmp:
        ctx, gx = _file_context(tmp)
        run_id = gx.RunIdentifier(run_name=f"arrears-{month_end:%Y-%m}",
                                  run_time=datetime.datetime.now(datetime.timezone.utc))
        source = ctx.data_sources.add_pandas("warehouse")
        tables: dict[str, TableDocs] = {}
        for table in suite_tables():
            tables[table] = _validate(con, ctx, gx, source, table, first, month_end, run_id, log)
        log("building the Data Docs site")
        try:
            sites = ctx.build_data_docs()
        except Exception as e:  # noqa: BLE001 - GX's renderer failed: no site, an error
            raise DataDocsError(f"GX could not build the Data Docs: {type(e).__name__}: {e}") from e
        site = Path(tmp) / "gx" / "uncommitted" / "data_docs" / "local_site"
        if "local_site" not in sites or not (site / "index.html").is_file():
            raise DataDocsError(f"GX built no Data Docs site (got {sites})")
        shutil.copytree(STATIC, site / VENDOR_DIR)
        _make_offline(site)
        tables = {t: replace(d, page=_page_of(site, d.suite)) for t, d in tables.items()}
        out.mkdir(parents=True, exist_ok=True)
        shutil.copytree(site, out, dirs_exist_ok=True)
    files = tuple(sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()))
    log(f"Data Docs of {month_end}: {len(tables)} tables, {len(files)} files in {out_dir}")
    return DataDocsResult(month_end=month_end, out_dir=str(out), index=str(out / "index.html"), tables=tables,
                          files=files)


def _file_context(root: str):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="file", project_root_dir=root)
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # No "how to edit this suite" buttons: they only link to GX's documentation.
    site = dict(ctx.variables.data_docs_sites["local_site"])
    site["show_how_to_buttons"] = False
    ctx.variables.data_docs_sites = {"local_site": site}
    ctx.variables.save()
    return gx.get_context(mode="file", project_root_dir=root), gx


def _validate(con, ctx, gx, source, table: str, first, month_end, run_id, log) -> TableDocs:
    path = suite_path(stage_of(table), table)
    spec = load_suite(path)
    selection, sql = month_rows(table)
    try:
        df = con.execute(sql, {k: v for k, v in (("first", first), ("month_end", month_end)) if f"${k}" in sql}).df()
    except Exception as e:  # noqa: BLE001
        raise DataDocsError(f"the month's rows of {table} could not be read: {type(e).__name__}: {e}") from e
    log(f"GX suite {spec['name']} on {len(df)} rows of {table}")
    notes = (f"Suite `{path.relative_to(CHECKS_DIR.parent).as_posix()}`, run by arrears on {len(df):,} rows of "
             f"`{table}`: {selection}, month end {month_end}.")
    try:
        suite = ctx.suites.add(gx.ExpectationSuite(name=spec["name"], expectations=suite_expectations(spec),
                                                     meta=spec.get("meta", {}), notes=notes))
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("month")
        definition = ctx.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
        checkpoint = ctx.checkpoints.add(gx.Checkpoint(name=f"{table} {month_end}", validation_definitions=[definition],
                                                       result_format="BASIC"))
        result = checkpoint.run(batch_parameters={"dataframe": df}, run_id=run_id)
    except Exception as e:  # noqa: BLE001 - GX itself failed: an error, never a pass
        raise DataDocsError(f"GX suite {spec['name']} on {table} could not run: {type(e).__name__}: {e}") from e
    (validation,) = result.run_results.values()
    errors = [f"{r.expectation_config.type}({_column(r.expectation_config.kwargs)}): {err.splitlines()[0][:200]}"
              for r in validation.results if (err := error_of(r))]
    if errors:
        raise DataDocsError(f"GX suite {spec['name']} on {table} could not evaluate: " + "; ".join(errors))
    if len(validation.results) != len(spec["expectations"]):
        raise DataDocsError(f"GX suite {spec['name']} on {table}: {len(validation.results)} results for "
                            f"{len(spec['expectations'])} expectations")
    failures = tuple(f"{r.expectation_config.type}({_column(r.expectation_config.kwargs)})"
                     for r in validation.results if not r.success)
    return TableDocs(table=table, suite=spec["name"], selection=selection, rows=len(df),
                     evaluated=len(validation.results), passed=len(validation.results) - len(failures),
                     failed=len(failures), failures=failures, page="")


def _column(kwargs) -> str:
    col = kwargs.get("column") or kwargs.get("column_list") or kwargs.get("column_set")
    return ", ".join(col) if isinstance(col, list) else str(col or "")


def _page_of(site: Path, suite: str) -> str:
    pages = sorted((site / "validations" / suite).rglob("*.html"))
    if len(pages) != 1:
        raise DataDocsError(f"expected one validation page of {suite}, found {len(pages)}")
    return pages[0].relative_to(site).as_posix()


def _make_offline(site: Path) -> None:
    """Point every page and style sheet of the site at the vendored files; fail naming any external
    resource that is still loaded."""
    for path in sorted(p for p in site.rglob("*") if p.suffix in (".html", ".css") and VENDOR_DIR not in p.as_posix()):
        text = path.read_text(encoding="utf-8")
        up = os.path.relpath(site, path.parent).replace(os.sep, "/")
        text = _LOADING_TAG.sub(lambda m: _local_tag(m.group(0), f"{up}/{VENDOR_DIR}/"), text)
        text = _GX_LOGO.sub(f"{up}/{SITE_LOGO}", text)
        # GX writes the favicon of a validation page (4 folders deep) as ../../../static/…: every
        # reference to the site's static/ folder is made relative to the page's own depth.
        text = _SITE_STATIC.sub(lambda m: m.group(1) + up + "/static/", text)
        remote = external_loads(text)
        if remote:
            raise DataDocsError(f"{path.relative_to(site)} loads {', '.join(sorted(set(remote)))}, which has no "
                                "vendored copy (checks/data_docs_static/, VENDORED in checks/data_docs.py)")
        path.write_text(text, encoding="utf-8")


_INTEGRITY = re.compile(r"""\s+integrity\s*=\s*["']([^"']*)["']""", re.I)
_CROSSORIGIN = re.compile(r"""\s+crossorigin(?:\s*=\s*["'][^"']*["'])?""", re.I)


def _local_tag(tag: str, prefix: str) -> str:
    """A <script>/<link> tag of a vendored URL, pointed at the copy. A declared `integrity` hash must be the
    copy's (so the copy is the file the template asked for); it is then dropped with `crossorigin`: a browser
    refuses a script read from file:// under either."""
    urls = [m.group(1) for m in _TAG_URL.finditer(tag)]
    url = next((u for u in urls if u in VENDORED), None)
    if url is None:
        return tag
    local = VENDORED[url]
    declared = _INTEGRITY.search(tag)
    if declared:
        algo, _, want = declared.group(1).partition("-")
        have = base64.b64encode(hashlib.new(algo, (STATIC / local).read_bytes()).digest()).decode()
        if have != want:
            raise DataDocsError(f"the vendored {local} is not the file {url} declares (integrity {declared.group(1)})")
        tag = _CROSSORIGIN.sub("", _INTEGRITY.sub("", tag))
    return tag.replace(url, prefix + local)


def loaded_references(text: str) -> list[str]:
    """Every reference an HTML page or a style sheet loads: src/href of fetching tags, url(...), @import."""
    refs = [m.group(1) for tag in _LOADING_TAG.findall(text) for m in _TAG_URL.finditer(tag)]
    refs += [a or b for a, b in _CSS_URL.findall(text)]
    return refs


def external_loads(text: str) -> list[str]:
    return [r for r in loaded_references(text) if re.match(r"(?:https?:)?//", r, re.I)]
