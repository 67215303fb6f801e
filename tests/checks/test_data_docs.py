"""GX Data Docs of one month's rows (checks/data_docs.py): written from a pipeline run on a small sample,
opening with no network (every resource local, every local reference a file), naming every suite, with
the counts of each table's validation; a row the suite forbids shows as failed, and GX raising is an
error, never a rendered pass."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest

from checks.data_docs import STATIC, VENDORED, DataDocsError, suite_tables, write_data_docs
from pipelines.cli import main as cli
from pipelines.runner import run_pipeline
from pipelines.settings import Settings

MONTH = date(2026, 9, 30)  # the sample below covers 2026-07 .. 2026-10
FIRST_ACCOUNT_SQL = "SELECT min(account_id) FROM marts.account_month WHERE month_end = ?"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """A warehouse built by the pipeline from a sample of 300 accounts over 4 months (seed 1)."""
    root = tmp_path_factory.mktemp("dd")
    landing = root / "landing"
    assert cli(["sample", str(landing), "--accounts", "300", "--months", "4", "--seed", "1"]) == 0
    settings = Settings(landing=str(landing), warehouse=str(root / "wh.duckdb"), reports=str(root / "reports"))
    assert run_pipeline(settings, quiet=True).success
    return root / "wh.duckdb"


@pytest.fixture(scope="module")
def docs(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("docs") / "site"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield write_data_docs(con, MONTH, str(out)), out
    finally:
        con.close()


def writable_copy(warehouse: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    return duckdb.connect(str(copy))


class _Refs(html.parser.HTMLParser):
    """What an HTML page loads (src/href of link, script, img, …; url(...) in <style> and style=""), and
    where its <a> links go."""

    LOADERS = {"link", "script", "img", "iframe", "source", "embed", "audio", "video", "input"}

    def __init__(self):
        super().__init__()
        self.loads, self.links, self._style = [], [], False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("src", "href") and tag in self.LOADERS:
                self.loads.append(value)
            elif name == "href" and tag == "a":
                self.links.append(value)
            elif name == "style":
                self.loads += css_urls(value)
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style:
            self.loads += css_urls(data)


def css_urls(text: str) -> list[str]:
    return [a or b for a, b in re.findall(r"""url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']""", text)]


def references(path: Path) -> tuple[list[str], list[str]]:
    """(what the file loads, its <a> links)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        return css_urls(text), []
    parser = _Refs()
    parser.feed(text)
    return parser.loads, parser.links


def is_remote(ref: str) -> bool:
    return bool(re.match(r"(?:[a-z][a-z0-9+.-]*:)?//", ref, re.I)) and not ref.lower().startswith("file:")


def local_target(page: Path, ref: str) -> Path | None:
    """The file a relative reference names (None for data:, javascript:, mailto: and #anchors)."""
    if re.match(r"(?:data|javascript|mailto|about):", ref, re.I) or ref.startswith("#") or not ref.strip():
        return None
    return (page.parent / unquote(urlsplit(ref).path)).resolve()


def page_text(path: Path) -> str:
    """A page's visible text, in one line."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))



def test_the_site_has_an_index_a_validation_and_a_suite_page_per_table(docs):
    result, out = docs
    assert result.index == str(out / "index.html") and (out / "index.html").is_file()
    assert list(result.tables) == suite_tables()
    assert len(result.tables) == 38  # every table with a suite under checks/: 4 raw, 4 staging, 2 audit, 15 marts,
    # intermediate.account_segments, the five by-segment marts, marts.vintage_curves, marts.quarterly_rates and the
    # five forecast marts
    index = (out / "index.html").read_text(encoding="utf-8")
    for table, t in result.tables.items():
        page = out / t.page
        assert page.is_file(), table
        assert t.page.startswith(f"validations/{t.suite}/arrears-2026-09/")
        assert t.suite == table.replace(".", "__") + "_suite"
        text = page_text(page)
        assert f"Expectation Suite: {t.suite}" in text and "Status: Succeeded" in text, table
        assert (out / "expectations" / f"{t.suite}.html").is_file()
        assert t.suite in index
    assert set(result.files) == {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}


def test_exact_counts_of_one_month(docs, warehouse):
    result, _ = docs
    am = result.tables["marts.account_month"]
    # checks/marts/marts__account_month.json holds 16 expectations: the column set, 9 not-null, 3 value sets,
    # 1 pattern (currency), 2 lower bounds; all pass on the pipeline's rows.
    assert (am.evaluated, am.passed, am.failed, am.failures) == (16, 16, 0, ())
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        months = rows("SELECT month_end FROM marts.account_month")
        accounts = rows("SELECT opened_on, closed_on FROM staging.accounts")
        ledger = rows("SELECT posted_on FROM staging.ledger_entries")
        files = rows("SELECT file_month FROM audit.source_files")
    finally:
        con.close()
    # The month's rows, counted here in Python from every row of each table.
    assert am.rows == sum(m == MONTH for (m,) in months) == 226  # the sample's 2026-09 accounts file: 226 accounts
    assert result.tables["staging.accounts"].rows == sum(o <= MONTH and (c is None or c > MONTH) for o, c in accounts)
    assert result.tables["staging.ledger"].rows == sum(p.year == 2026 and p.month == 9 for (p,) in ledger)
    assert result.tables["raw.ledger"].rows == 604  # lines of ledger_2026-09.csv (the sample's summary)
    assert result.tables["audit.source_files"].rows == sum(f == date(2026, 9, 1) for (f,) in files) == 4  # with fx
    assert result.tables["audit.rejected_rows"].rows == 0
    expected = {"raw.accounts": 5, "staging.accounts": 18, "staging.ledger": 13, "staging.complaints": 12,
                "audit.source_files": 12, "marts.roll_rates": 16, "marts.complaints_by_bucket": 9}
    assert {t: result.tables[t].evaluated for t in expected} == expected
    assert result.tables["staging.accounts"].selection.startswith("the accounts open at the month end")


def test_nothing_is_loaded_over_the_network_and_every_local_reference_is_a_file(docs):
    _, out = docs
    pages = [p for p in out.rglob("*") if p.suffix in (".html", ".css")]
    assert len([p for p in pages if p.suffix == ".html"]) == 1 + 38 + 38  # index, validation and suite pages
    loaded, remote_links = set(), set()
    for page in pages:
        loads, links = references(page)
        remote = [r for r in loads if is_remote(r)]
        assert remote == [], f"{page.relative_to(out)} loads {remote}"
        for ref in loads + [a for a in links if not is_remote(a)]:
            target = local_target(page, ref)
            if target is not None:
                assert target.is_file(), f"{page.relative_to(out)}: {ref}"
                loaded.add(target)
        remote_links |= {urlsplit(a).hostname for a in links if is_remote(a)}
    # Every vendored file a page asks for is there, the fonts of font-awesome's style sheet too.
    vendor = out / "static" / "vendor"
    assert {vendor / f for f in VENDORED.values()} <= loaded
    assert vendor / "fontawesome-free@6.6.0" / "webfonts" / "fa-solid-900.woff2" in loaded
    assert (vendor / "README.md").is_file() and (vendor / "jquery@3.7.1" / "LICENSE.txt").is_file()
    # What stays remote is links a reader may follow, to GX's web site only.
    assert remote_links == {"greatexpectations.io"}


def test_the_vendored_files_are_the_ones_gx_templates_ask_for(docs):
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    text = "\n".join(p.read_text(encoding="utf-8") for p in templates.glob("*.j2"))
    tags = re.findall(r"<(?:link|script|img)\b[^>]*>", text)
    asked = {u for tag in tags for u in re.findall(r"""(?:src|href)=["'](https?://[^"']+)["']""", tag)}
    logos = {u for u in asked if "great-expectations-web-assets" in u}
    assert asked - logos == set(VENDORED)  # every CDN file the templates load, and nothing else, is vendored
    # The two the templates pin by hash are byte for byte those files.
    pinned = re.findall(r"""src=["'](https?://[^"']+)["'][^>]*integrity=["']sha384-([^"']+)["']""", text)
    assert len(pinned) == 2
    for url, digest in pinned:
        assert base64.b64encode(hashlib.sha384((STATIC / VENDORED[url]).read_bytes()).digest()).decode() == digest


def test_a_forbidden_value_in_the_month_shows_as_failed(warehouse, tmp_path):
    con = writable_copy(warehouse, tmp_path)
    for month, dpd in ((MONTH, -7), (date(2026, 8, 31), -99)):  # August's bad row is not the month's: not counted
        con.execute("UPDATE marts.account_month SET dpd = ? WHERE month_end = ? AND account_id = (" + FIRST_ACCOUNT_SQL + ")",
                    [dpd, month, month])
    # the first account on the book in the month (opened by its end, not closed by then)
    con.execute("UPDATE staging.accounts SET currency = 'usd' WHERE account_id = (SELECT min(account_id) FROM "
                "staging.accounts WHERE opened_on <= ? AND (closed_on IS NULL OR closed_on > ?))", [MONTH, MONTH])
    result = write_data_docs(con, MONTH, str(tmp_path / "site"))
    con.close()
    am = result.tables["marts.account_month"]
    assert (am.evaluated, am.passed, am.failed) == (16, 15, 1)
    assert am.failures == ("expect_column_values_to_be_between(dpd)",)
    assert result.tables["staging.accounts"].failures == ("expect_column_values_to_match_regex(currency)",)
    assert not result.success
    assert [t for t, d in result.tables.items() if d.failed] == ["staging.accounts", "marts.account_month"]
    text = page_text(tmp_path / "site" / am.page)
    assert "Status: Failed" in text
    assert "Evaluated Expectations 16 Successful Expectations 15 Unsuccessful Expectations 1" in text
    assert "values must be greater than or equal to 0.0 . 1 unexpected values found" in text
    assert "Sampled Unexpected Values -7 " in text and "-99" not in text
    assert "Status: Failed" not in page_text(tmp_path / "site" / result.tables["marts.aging"].page)


def test_gx_raising_is_an_error_and_writes_nothing(warehouse, tmp_path):
    con = writable_copy(warehouse, tmp_path)
    con.execute("ALTER TABLE marts.aging DROP COLUMN bucket")  # the suite's not-null(bucket) cannot be evaluated
    with pytest.raises(DataDocsError) as raised:
        write_data_docs(con, MONTH, str(tmp_path / "site"))
    missing = 'Error: The column "bucket" in BatchData does not exist.'
    assert str(raised.value) == (
        "GX suite marts__aging_suite on marts.aging could not evaluate: "
        f"expect_compound_columns_to_be_unique(month_end, portfolio, currency, bucket): {missing}; "
        f"expect_column_values_to_not_be_null(bucket): {missing}; expect_column_values_to_be_in_set(bucket): {missing}")
    con.close()
    assert not (tmp_path / "site").exists()


def test_refuses_a_folder_that_is_not_empty_and_a_date_that_is_not_a_month_end(warehouse, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "old.html").write_text("x")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        with pytest.raises(ValueError, match="is not empty"):
            write_data_docs(con, MONTH, str(tmp_path / "site"))
        with pytest.raises(ValueError, match="2026-09-29 is not a month end"):
            write_data_docs(con, date(2026, 9, 29), str(tmp_path / "other"))
    finally:
        con.close()


def _dump_dom(page: Path) -> str:
    # MAP * ~NOTFOUND: every host name fails to resolve, so nothing can come from the network.
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless chromium on this machine")
def test_the_index_renders_offline_in_chromium(docs, tmp_path):
    result, out = docs
    dom = _dump_dom(out / "index.html")
    # bootstrap-table (which needs jQuery and Bootstrap) turned the index's tables into its own widgets:
    # the scripts ran, from the local copies.
    assert 'class="bootstrap-table bootstrap4"' in dom
    assert all(t.suite in dom for t in result.tables.values())
    # The same page with jQuery from its CDN renders no such table here: the check above can fail.
    cdn = tmp_path / "index.html"
    cdn.write_text((out / "index.html").read_text(encoding="utf-8").replace(
        "./static/vendor/jquery@3.7.1/dist/jquery.min.js", "https://code.jquery.com/jquery-3.7.1.min.js"))
    shutil.copytree(out / "static", tmp_path / "static")
    assert 'class="bootstrap-table' not in _dump_dom(cdn)
