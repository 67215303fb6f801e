"""The evidence pack (issue 15): `arrears evidence` writes the month's figures, rejections, checks, lineage
and a manifest of every input file into a folder and a .zip; `arrears verify` recomputes it from the
landing files in a scratch warehouse, passes on a fresh warehouse and names each difference for a
tampered input file or a tampered figure; files of later months are not used; a closed month's pack
comes from the published schema.

One warehouse is built for the module: a sample of 300 accounts over 2026-07 … 2026-10 (its 2026-11
files are kept aside for the later-month test), whose October ledger file ends with one entry of an
unknown entry_type (rejected) and has a control file."""

from __future__ import annotations

import csv
import hashlib
import json
import platform
import re
import shutil
import zipfile
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from assets.publishing import manifest_sha256
from assets.versioning import code_version_of
from pipelines.cli import main as cli

ACCOUNTS, MONTH, MONTH_END = 300, "2026-10", date(2026, 10, 31)
LEDGER = "ledger/ledger_2026-10.csv"
CONTROL = "control/control_2026-10.json"
FIGURES = ("aging", "charge_offs", "complaint_metrics", "complaints_by_bucket", "cure_rates",
           "delinquency_rates", "quarterly_rates", "roll_forward", "roll_rates",
           *(f"{t}_converted" for t in ("aging", "charge_offs", "cure_rates", "delinquency_rates", "roll_forward",
                                        "roll_rates")),
           *(f"{m}_by_segment" for m in ("aging", "charge_offs", "cure_rates", "delinquency_rates", "roll_rates")),
           "vintage_curves", "roll_rate_averages", "lifetime_loss_rates", "roll_rate_reserve", "loss_projection")
# marts.loss_backtest is in the pack too, with no row for October: the first 3-month window (Aug–Oct roll
# rates) is October's own, so no earlier projection of October exists
PACK_FILES = {"index.html", "manifest.json", "rejections.csv", "checks.csv", "checks.json", "checks.html",
              "lineage.json", "lineage.html", "figures/loss_backtest.csv"} | {f"figures/{t}.csv" for t in FIGURES}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(folder: Path, data_docs: bool = False) -> set[str]:
    """The pack's files (relative paths); the Data Docs site (data_docs/, GX's own pages, tested in
    tests/checks/test_data_docs.py) only when asked."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and (data_docs or not p.relative_to(folder).as_posix().startswith("data_docs/"))}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("evidence")
    full = root / "full"  # 2026-07 … 2026-11
    assert cli(["sample", str(full), "--accounts", str(ACCOUNTS), "--months", "5", "--seed", "1",
                "--end-month", "2026-11"]) == 0
    landing = root / "landing"  # 2026-07 … 2026-10, with one rejected row and a control file
    shutil.copytree(full, landing, ignore=lambda d, names: [n for n in names if "2026-11" in n])
    ledger = landing / LEDGER
    lines = ledger.read_text("utf-8").splitlines()
    account = lines[1].split(",")[1]
    with ledger.open("a", encoding="utf-8") as fh:
        fh.write(f"BAD0001,{account},2026-10-15,bogus,7.00,,\n")
    rows = len(lines)  # the data rows written by the sample (lines less the header) and the one added
    amounts = sum(Decimal(line.split(",")[4]) for line in lines[1:]) + Decimal("7.00")
    (landing / "control").mkdir()
    control = {"files": {LEDGER: {"rows": rows, "amount_sum": f"{amounts:.2f}", "sha256": sha(ledger)}}}
    (landing / CONTROL).write_text(json.dumps(control), encoding="utf-8")
    warehouse = root / "warehouse.duckdb"
    assert cli(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--reports",
                str(root / "reports"), "--reporting-currency", "USD"]) == 0  # the sample's CAD converted
    pack = root / "pack"
    assert cli(["evidence", MONTH, "--out", str(pack), "--warehouse", str(warehouse)]) == 0
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    return SimpleNamespace(root=root, full=full, landing=landing, warehouse=warehouse, pack=pack,
                           manifest=manifest, rows=rows, amounts=amounts, control=control)


@pytest.fixture
def wh(book):
    con = duckdb.connect(str(book.warehouse), read_only=True)
    yield con
    con.close()


def verify(pack: Path, landing: Path, capsys) -> tuple[int, str, str]:
    code = cli(["verify", str(pack), "--landing", str(landing)])
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the pack -----------------------------------------------------------------------------------------------

def test_the_pack_holds_the_expected_files_and_the_zip_the_same(book):
    assert files_of(book.pack) == PACK_FILES
    every = files_of(book.pack, data_docs=True)
    assert "data_docs/index.html" in every and book.manifest["data_docs"] == "data_docs/index.html"
    with zipfile.ZipFile(str(book.pack) + ".zip") as z:
        assert set(z.namelist()) == {f"pack/{f}" for f in every}
        for f in every:
            assert z.read(f"pack/{f}") == (book.pack / f).read_bytes(), f


def test_the_manifest_lists_the_sha256_of_every_other_file(book):
    every = files_of(book.pack, data_docs=True)
    assert book.manifest["files"] == {f: sha(book.pack / f) for f in every - {"manifest.json"}}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.links += [v for k, v in attrs if k in ("href", "src")]


def test_every_link_of_every_page_resolves_inside_the_pack(book):
    pages = sorted(f for f in PACK_FILES if f.endswith(".html"))
    linked = set()
    for page in pages:
        parser = Links()
        parser.feed((book.pack / page).read_text("utf-8"))
        assert parser.scripts == 0, page
        for href in parser.links:
            assert not re.match(r"^[a-z]+:|^//", href), (page, href)  # no external resource
            assert (book.pack / page).parent.joinpath(href).is_file(), (page, href)
            linked.add(href)
    # the index links every other file of the pack, and the Data Docs' own index
    assert linked >= (PACK_FILES - {"index.html"}) | {"data_docs/index.html"}
    index = (book.pack / "index.html").read_text("utf-8")
    assert "Data Docs of the month's rows" in index
    assert "column-level lineage of the marts: in the same files" in index


def test_no_file_holds_an_account_id(book, wh):
    ids = [a for (a,) in wh.execute("SELECT account_id FROM staging.account_keys").fetchall()]
    assert set(ids) == {a for (a,) in wh.execute("SELECT account_id FROM staging.accounts").fetchall()}
    assert len(ids) > 200
    # every file, the Data Docs' pages included (their vendored fonts and images read as bytes)
    texts = {f: (book.pack / f).read_bytes().decode("utf-8", "replace") for f in files_of(book.pack, True)}
    with zipfile.ZipFile(str(book.pack) + ".zip") as z:
        texts.update({n: z.read(n).decode("utf-8", "replace") for n in z.namelist()})
    found = [(f, a) for f, t in texts.items() for a in ids if a in t]
    assert found == []


def test_account_ids_in_check_evidence_are_withheld(wh):
    from pipelines.evidence import account_id_redactor

    a = wh.execute("SELECT min(account_id) FROM staging.accounts").fetchall()[0][0]
    text = json.dumps({"sample": [a, f"{a}X"], "note": f"account {a}: dpd 40"})
    redact = account_id_redactor(wh, [text])
    assert redact(text) == json.dumps({"sample": ["[account id]", f"{a}X"], "note": "account [account id]: dpd 40"})


def test_the_manifest_of_the_ledger_file_with_one_rejected_row(book):
    ledger = next(f for f in book.manifest["inputs"] if f["source_file"] == LEDGER)
    assert ledger == {
        "entity": "ledger", "source_file": LEDGER, "file_month": MONTH, "sha256": sha(book.landing / LEDGER),
        "rows_read": book.rows, "rows_loaded": book.rows - 1, "rows_rejected": 1, "format": "csv",
        "bytes": (book.landing / LEDGER).stat().st_size,
        "amount_sum_loaded": f"{book.amounts - Decimal('7.00'):.2f}", "amount_sum_read": f"{book.amounts:.2f}",
        "control": {"control_file": CONTROL, **book.control["files"][LEDGER]}}
    # every file of months up to 2026-10, nothing later; the control file with its sha256 and totals
    assert [f["source_file"] for f in book.manifest["inputs"]] == sorted(
        f"{e}/{e}_2026-{m:02d}.csv" for e in ("accounts", "complaints", "fx", "ledger") for m in (7, 8, 9, 10))
    for f in book.manifest["inputs"]:
        assert f["sha256"] == sha(book.landing / f["source_file"])
    assert book.manifest["controls"] == [{"entity": "control", "source_file": CONTROL, "file_month": MONTH,
                                          "sha256": sha(book.landing / CONTROL), "totals": book.control["files"]}]


def test_the_manifest_records_the_run_its_code_parameters_and_libraries(book, wh):
    run_id, code, parameters, label, inputs_hash = wh.execute(
        "SELECT run_id, code, parameters, code_version, input_manifest_sha256 FROM audit.runs "
        "WHERE outcome = 'published'").fetchall()[0]
    m = book.manifest
    assert (m["month"], m["month_end"], m["source"], m["data_through"]) == (MONTH, "2026-10-31", "run", "2026-10-31")
    assert m["run"]["run_id"] == run_id
    assert m["code"]["run"] == json.loads(code) and m["code"]["label"] == label
    assert m["parameters"] == json.loads(parameters) and m["parameters"]["dpd_tolerance"] == "5.00"
    assert m["inputs_sha256"] == inputs_hash == manifest_sha256(m["inputs"])
    assert m["code"]["assets"]["marts/aging"] == {"module": "assets.marts.aging",
                                                  "code_version": code_version_of("assets.marts.aging")}
    assert m["code"]["assets"]["raw/ledger"]["module"] == "assets.raw.load"
    assert m["parameters"]["reporting_currency"] == "USD"
    assert len(m["code"]["assets"]) == 27 + 6 + 2 + 5  # every asset of the graph (+ the segments and the five by-segment
    # marts, marts.vintage_curves, marts.quarterly_rates, the five forecast marts)
    assert m["libraries"]["duckdb"] == duckdb.__version__
    assert m["libraries"]["python"] == platform.python_version()
    assert set(m["libraries"]) == {"python", "dagster", "duckdb", "polars", "great_expectations", "plotly",
                                   "pandas", "pyarrow", "numpy"}


def parse(text: str, kind: str):
    if text == "":
        return None
    if kind.startswith("DECIMAL"):
        assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", text), text  # money to the cent
        return Decimal(text)
    return {"DOUBLE": float, "BIGINT": int, "INTEGER": int, "DATE": date.fromisoformat,
            "BOOLEAN": {"true": True, "false": False}.__getitem__}.get(kind, str)(text)


def test_the_figures_read_back_exactly(book, wh):
    for t in FIGURES:
        spec = book.manifest["figures"][f"marts.{t}"]
        with open(book.pack / "figures" / f"{t}.csv", encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        assert header == spec["columns"]
        want = wh.execute(f"SELECT {', '.join(header)} FROM marts.{t} WHERE month_end = ? ORDER BY "
                          f"{', '.join(spec['key'])}", [MONTH_END]).fetchall()
        got = [tuple(parse(v, k) for v, k in zip(r, spec["types"])) for r in rows]
        assert got == want and len(got) == spec["rows"], t  # floats compared exactly
    # October ends no quarter: marts.quarterly_rates has no row of the month (its file holds the header only)
    assert {t for t in FIGURES if book.manifest["figures"][f"marts.{t}"]["rows"] == 0} == {"quarterly_rates"}
    # the sample's one complaint received in October (seed 1): A000000083, personal-loans, an issue of group
    # 'other', open at the end of September -> (personal-loans | all) x (other | all) and one bucket row
    assert {t: book.manifest["figures"][f"marts.{t}"]["rows"] for t in ("complaint_metrics", "complaints_by_bucket")} \
        == {"complaint_metrics": 4, "complaints_by_bucket": 1}
    # the book of the month: every account_month row of October in one aging bucket of 'all'
    with open(book.pack / "figures" / "aging.csv", encoding="utf-8", newline="") as fh:
        aging = list(csv.DictReader(fh))
    assert sum(int(r["accounts"]) for r in aging if r["portfolio"] == "all") == wh.execute(
        "SELECT count(*) FROM marts.account_month WHERE month_end = ?", [MONTH_END]).fetchall()[0][0]


def test_the_key_of_each_figures_table_is_its_gx_grain(book, repo_root):
    for t in FIGURES:
        suite = json.loads((repo_root / "checks" / "marts" / f"marts__{t}.json").read_text("utf-8"))
        grain = next(e["kwargs"]["column_list"] for e in suite["expectations"]
                     if e["type"] == "expect_compound_columns_to_be_unique")
        assert sorted(book.manifest["figures"][f"marts.{t}"]["key"]) == sorted(grain), t


def test_rejections_and_checks(book, wh):
    with open(book.pack / "rejections.csv", encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [["entity", "source_file", "rule", "rows"],
                                        ["ledger", LEDGER, ("unknown entry_type 'bogus' (expected disbursement | "
                                                            "purchase | interest | fee | payment | payment_reversal | "
                                                            "credit_adjustment | waiver | charge_off | recovery | due)"),
                                         "1"]]
    run_id = book.manifest["run"]["run_id"]
    want = wh.execute("SELECT asset, check_name, severity, passed FROM audit.check_results WHERE run_id = ? "
                      "ORDER BY asset, check_name", [run_id]).fetchall()
    with open(book.pack / "checks.csv", encoding="utf-8", newline="") as fh:
        got = [(r["asset"], r["check_name"], r["severity"], r["passed"] == "true") for r in csv.DictReader(fh)]
    # 63 checks of the stages (46, raw.fx's 3, staging.fx_rates' suite, the converted marts' 6 suites, 6
    # all_is_the_sum_of_its_currencies and foots) and the 16 closed-month checks; the segments: 2 of
    # intermediate.account_segments, 2 of each by-segment mart and its 5 closed-month checks; marts.vintage_curves:
    # its suite, 5 invariants and its closed-month check, marts.quarterly_rates the same; the forecast marts: 5 suites, 6 invariants, 5
    # closed-month checks
    assert got == want and len(got) == 79 + 17 + 7 + 7 + 16
    checks = json.loads((book.pack / "checks.json").read_text("utf-8"))
    assert [c["check_name"] for c in checks] == [w[1] for w in want]
    aging = next(c for c in checks if (c["asset"], c["check_name"]) == ("marts/aging", "gx_suite"))
    assert aging["metadata"]["suite"] == "checks/marts/marts__aging.json"  # the evidence, as JSON


def test_lineage_is_the_asset_graph(book, repo_root):
    lineage = json.loads((book.pack / "lineage.json").read_text("utf-8"))
    snapshot = json.loads((repo_root / "tests" / "pipelines" / "snapshots" / "asset_graph.json").read_text("utf-8"))
    assert set(lineage["assets"]) == set(snapshot)
    for key, node in snapshot.items():
        assert lineage["assets"][key]["reads"] == node["deps"], key
        assert lineage["assets"][key]["checks"] == node["checks"], key
    # the raw layer reads the landing files, which are source assets: no code builds them
    assert lineage["assets"]["raw/ledger"]["reads"] == ["landing/ledger"]
    assert lineage["assets"]["landing/ledger"] == {"group": "landing", "reads": [], "checks": [], "module": None,
                                                   "code_version": None}
    from assets.lineage import column_lineage

    assert lineage["column_lineage"] == {t: {c: [list(d) for d in deps] for c, deps in cols.items()}
                                         for t, cols in column_lineage().items()}
    assert lineage["column_lineage"]["marts.aging"]["balance"] == [["marts.account_month", "balance"],
                                                                   ["marts.account_month", "bucket"]]
    # each asset's code version in the pack is the one Dagster shows
    from pipelines.definitions import build_definitions

    shown = {s.key.to_user_string(): s.code_version for a in build_definitions().assets
             if not isinstance(a, dg.SourceAsset) for s in a.specs}  # the landing files have no code
    assert {k: v["code_version"] for k, v in lineage["assets"].items() if v["module"]} == shown


def test_evidence_refuses_a_month_not_in_the_warehouse_and_an_existing_folder(book, tmp_path, capsys):
    assert cli(["evidence", "2026-11", "--out", str(tmp_path / "p"), "--warehouse", str(book.warehouse)]) == 2
    assert ("month 2026-11 is not a reporting month of the warehouse (it holds 2026-07 to 2026-10)"
            in capsys.readouterr().err)
    assert cli(["evidence", "2026-13", "--out", str(tmp_path / "p"), "--warehouse", str(book.warehouse)]) == 2
    assert "month '2026-13': expected YYYY-MM" in capsys.readouterr().err
    assert cli(["evidence", MONTH, "--out", str(book.pack), "--warehouse", str(book.warehouse)]) == 2
    assert f"{book.pack} already exists" in capsys.readouterr().err
    assert not (tmp_path / "p").exists() and [p.name for p in tmp_path.iterdir()] == []


# --- verify -------------------------------------------------------------------------------------------------

def test_verify_passes_on_a_fresh_warehouse(book, capsys):
    runs_before = duckdb.connect(str(book.warehouse), read_only=True).execute(
        "SELECT count(*) FROM audit.runs").fetchall()
    code, out, err = verify(book.pack, book.landing, capsys)
    assert code == 0, out + err[-3000:]
    assert out == ""
    # the files the manifest lists with their sha256: every file of the pack but manifest.json itself
    assert (f"arrears verify: OK — every figure and hash matches ({len(files_of(book.pack, True)) - 1} pack files, "
            "17 input files,") in err  # 4 months × accounts, ledger, complaints, fx; the control file
    # the user's warehouse is not touched: the recomputation ran in a scratch warehouse
    assert duckdb.connect(str(book.warehouse), read_only=True).execute(
        "SELECT count(*) FROM audit.runs").fetchall() == runs_before


def test_verify_names_a_tampered_input_file_and_both_hashes(book, tmp_path, capsys):
    landing = tmp_path / "landing"
    shutil.copytree(book.landing, landing)
    rel = "accounts/accounts_2026-09.csv"
    path = landing / rel
    before = sha(path)
    data = bytearray(path.read_bytes())
    i = data.index(b",none")  # one byte: a hardship flag 'none' becomes 'nonf'
    data[i + 4] = ord("f")
    path.write_bytes(bytes(data))
    code, out, _ = verify(book.pack, landing, capsys)
    assert code == 1
    assert f"difference: input {rel}: sha256 {before} in the manifest, {sha(path)} in {landing}\n" in out


def test_verify_names_a_tampered_figure_with_both_values(book, tmp_path, capsys):
    pack = tmp_path / "pack"
    shutil.copytree(book.pack, pack)
    path = pack / "figures" / "aging.csv"
    before = sha(path)
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    row = next(r for r in rows if r[1:4] == ["all", "USD", "current"])  # month_end, portfolio, currency, bucket
    old = row[5]
    row[5] = f"{Decimal(old) + Decimal('0.01'):.2f}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    code, out, _ = verify(pack, book.landing, capsys)
    assert code == 1
    assert out.splitlines() == [
        f"difference: pack file figures/aging.csv: sha256 {before} in the manifest, {sha(path)} in the pack",
        (f"difference: marts.aging [month_end=2026-10-31, portfolio=all, currency=USD, bucket=current] balance: "
         f"pack {row[5]}, "
         f"recomputed {old}")]


def test_verify_does_not_use_a_later_month_in_the_landing_folder(book, tmp_path, capsys):
    landing = tmp_path / "landing"
    shutil.copytree(book.landing, landing)
    later = [p for p in book.full.rglob("*_2026-11.csv")]
    assert len(later) == 4  # accounts, ledger, complaints, fx
    for p in later:
        shutil.copy(p, landing / p.relative_to(book.full))
    code, out, err = verify(book.pack, landing, capsys)
    assert code == 0, out + err[-3000:]


# --- a closed month: the published schema -------------------------------------------------------------------

@pytest.fixture(scope="module")
def closed(book, tmp_path_factory):
    """A copy of the warehouse with the published schema of period close, as specified: October closed
    twice (version 1 with one figure off by 1.00, version 2 with the run's figures), and marts.aging
    changed after the close; the pack then comes from version 2."""
    root = tmp_path_factory.mktemp("closed")
    warehouse = root / "warehouse.duckdb"
    shutil.copy(book.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    run_id, code_version, parameters, manifest_hash = con.execute(
        "SELECT run_id, code_version, parameters, input_manifest_sha256 FROM audit.runs "
        "WHERE outcome = 'published'").fetchall()[0]
    files = [dict(zip(("entity", "source_file", "file_month", "sha256", "rows_read", "rows_loaded",
                       "rows_rejected"), r)) | {"file_month": str(r[2])}
             for r in con.execute("SELECT entity, source_file, file_month, sha256, rows_read, rows_loaded, "
                                  "rows_rejected FROM audit.source_files WHERE file_month <= DATE '2026-10-01' "
                                  "ORDER BY source_file").fetchall()]
    con.execute("CREATE SCHEMA IF NOT EXISTS published")
    con.execute("""CREATE OR REPLACE TABLE published.closes (close_id VARCHAR, month_end DATE, version INTEGER,
        closed_at TIMESTAMP, closed_by VARCHAR, note VARCHAR, run_id VARCHAR, code_version VARCHAR,
        parameters VARCHAR, manifest VARCHAR, manifest_sha256 VARCHAR, restates_version INTEGER)""")
    for close_id, version in (("c1", 1), ("c2", 2)):
        con.execute("INSERT INTO published.closes VALUES (?, ?, ?, TIMESTAMP '2026-11-03 09:00:00', 'controller', "
                    "?, ?, ?, ?, ?, ?, ?)", [close_id, MONTH_END, version, f"version {version}", run_id,
                                             code_version, parameters,
                                             json.dumps({"month_end": str(MONTH_END), "as_of": str(MONTH_END),
                                                         "files": files, "control_totals": {}}), manifest_hash,
                                             None if version == 1 else 1])
    for t in (*FIGURES, "loss_backtest"):
        con.execute(f"CREATE TABLE published.{t} AS SELECT 'c1'::VARCHAR AS close_id, * FROM marts.{t} "
                    "WHERE month_end = ?", [MONTH_END])
        con.execute(f"INSERT INTO published.{t} SELECT 'c2', * FROM marts.{t} WHERE month_end = ?", [MONTH_END])
    con.execute("UPDATE published.aging SET balance = balance + 1 WHERE close_id = 'c1'")
    con.execute("CREATE TABLE published.check_results AS SELECT 'c2'::VARCHAR AS close_id, * FROM audit.check_results "
                "WHERE run_id = ?", [run_id])
    con.execute("UPDATE marts.aging SET balance = balance + 2 WHERE month_end = ?", [MONTH_END])
    con.close()
    pack = root / "pack"
    assert cli(["evidence", MONTH, "--out", str(pack), "--warehouse", str(warehouse), "--landing",
                str(book.landing)]) == 0
    return SimpleNamespace(pack=pack, manifest=json.loads((pack / "manifest.json").read_text("utf-8")))


def test_a_month_closed_by_arrears_close_packs_from_the_close_and_verifies(book, tmp_path, capsys):
    """The pack of a month closed with `arrears close` (not a hand-made published schema): its figures,
    checks and input files come from the close, and it verifies."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(book.warehouse, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    reports = con.execute("SELECT reports FROM audit.runs WHERE outcome = 'published'").fetchall()[0][0]
    con.close()
    assert cli(["close", MONTH, "--warehouse", str(warehouse), "--reports", reports, "--by", "controller"]) == 0
    pack = tmp_path / "pack"
    assert cli(["evidence", MONTH, "--out", str(pack), "--warehouse", str(warehouse), "--landing",
                str(book.landing)]) == 0
    m = json.loads((pack / "manifest.json").read_text("utf-8"))
    assert (m["source"], m["close"]["close_id"], m["close"]["closed_by"]) == ("close", f"{MONTH} v1", "controller")
    assert [f["source_file"] for f in m["inputs"]] == [f["source_file"] for f in book.manifest["inputs"]]
    capsys.readouterr()
    code, out, err = verify(pack, book.landing, capsys)
    assert code == 0, out + err[-3000:]


def test_a_closed_month_packs_its_latest_close_version(book, closed):
    m = closed.manifest
    assert m["source"] == "close"
    assert (m["close"]["close_id"], m["close"]["version"], m["close"]["closed_by"]) == ("c2", 2, "controller")
    assert m["parameters"] == book.manifest["parameters"]
    # the figures of version 2 (the run's), not those of version 1 nor the marts changed after the close
    for t in FIGURES:
        assert (closed.pack / "figures" / f"{t}.csv").read_bytes() == (book.pack / "figures" / f"{t}.csv").read_bytes()
    assert (closed.pack / "checks.csv").read_bytes() == (book.pack / "checks.csv").read_bytes()
    # the close's input files, with the amount sums of the same files
    assert m["inputs"] == book.manifest["inputs"]
    assert m["inputs_sha256"] == book.manifest["inputs_sha256"]


def test_a_closed_months_pack_verifies(book, closed, capsys):
    code, out, err = verify(closed.pack, book.landing, capsys)
    assert code == 0, out + err[-3000:]
