"""The whole job, in-process through Dagster, on a small sample: marts built, every check passed,
dashboards written with no account id; and a refused file stopping the run with a clear message."""

from __future__ import annotations

import os
import re
import zipfile

import duckdb
import pytest

from pipelines.cli import main as cli
from pipelines.runner import run_pipeline
from pipelines.settings import Settings

ACCOUNTS, MONTHS = 1500, 14


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    landing = root / "landing"
    assert cli(["sample", str(landing), "--accounts", str(ACCOUNTS), "--months", str(MONTHS), "--seed", "3"]) == 0
    settings = Settings(landing=str(landing), warehouse=str(root / "wh.duckdb"), reports=str(root / "reports"))
    outcome = run_pipeline(settings, quiet=True)
    con = duckdb.connect(settings.warehouse, read_only=True)
    yield outcome, con, settings
    con.close()


def test_run_succeeds_and_every_check_passed(sample_run):
    outcome, con, _ = sample_run
    assert outcome.success, (outcome.failed_steps, outcome.failed_checks)
    evaluations = outcome.result.get_asset_check_evaluations()
    failed = [f"{'/'.join(e.asset_key.path)}:{e.check_name}" for e in evaluations if not e.passed]
    assert failed == []
    # every check defined ran: the GX suites, the SQL invariants, the landing-entries checks and the
    # closed-month checks (one per mart and one of the input files), 56 in all
    # (tests/pipelines/snapshots/asset_graph.json)
    from checks.registry import all_checks

    defined = {(k.asset_key.to_user_string(), k.name) for c in all_checks() for k in c.check_keys}
    ran = {(e.asset_key.to_user_string(), e.check_name) for e in evaluations}
    assert ran == defined
    # fx and the converted marts; the segments (2 of intermediate.account_segments, 3 of each by-segment mart);
    # marts.vintage_curves and marts.quarterly_rates (each: its suite, 5 invariants, closed months unchanged); the forecast marts (5 suites,
    # 6 invariants, 5 closed-months checks)
    assert len(ran) == 79 + 17 + 7 + 7 + 16
    materialized = {e.asset_key.to_user_string() for e in outcome.result.get_asset_materialization_events()}
    assert materialized == {  # every asset of the graph
        "raw/accounts", "raw/ledger", "raw/complaints", "staging/accounts", "staging/ledger", "staging/complaints",
        "audit/rejected_rows", "audit/source_files", "intermediate/ledger_flows", "marts/account_month",
        "marts/aging", "marts/charge_offs", "marts/complaint_metrics", "marts/complaints_by_bucket",
        "marts/cure_rates", "marts/delinquency_rates", "marts/roll_forward", "marts/roll_rates",
        "reports/dashboards", "raw/fx", "staging/fx_rates", "marts/aging_converted", "marts/roll_rates_converted",
        "marts/cure_rates_converted", "marts/delinquency_rates_converted", "marts/charge_offs_converted",
        "marts/roll_forward_converted", "marts/vintage_curves",
        "intermediate/account_segments", *(f"marts/{m}_by_segment" for m in (
            "aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs")),
        "marts/quarterly_rates",
        "marts/roll_rate_averages", "marts/lifetime_loss_rates", "marts/roll_rate_reserve", "marts/loss_projection",
        "marts/loss_backtest"}


def test_marts_row_counts(sample_run):
    _, con, _ = sample_run
    q = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
    months = q("SELECT count(*) FROM staging.reporting_months")
    assert months == MONTHS
    assert q("SELECT count(*) FROM staging.accounts") == ACCOUNTS
    portfolios = q("SELECT count(DISTINCT portfolio) FROM staging.accounts")
    assert portfolios == 4  # the sample's four portfolios (seed 3)
    # account_month: every account from its opening month (or the first reporting month) to its terminal
    # month or the end, counted here from staging alone.
    assert q("SELECT count(*) FROM marts.account_month") == q("""
        WITH t AS (SELECT account_id, min(month_end) FILTER (WHERE status <> 'open') AS term
                   FROM marts.account_month GROUP BY 1),
             r AS (SELECT min(month_end) AS first, max(month_end) AS last FROM staging.reporting_months)
        SELECT sum(datediff('month', greatest(last_day(a.opened_on), r.first), coalesce(t.term, r.last)) + 1)
        FROM staging.accounts a LEFT JOIN t USING (account_id), r""")
    assert q("SELECT count(DISTINCT month_end) FROM marts.roll_rates") == MONTHS - 1
    assert q("SELECT count(DISTINCT month_end) FROM marts.delinquency_rates") == MONTHS
    # each portfolio holds one currency; 'all' once per currency: USD and cards-ca's CAD
    assert q("SELECT list(DISTINCT currency ORDER BY currency) FROM staging.accounts") == ["CAD", "USD"]
    assert q("SELECT count(*) FROM marts.delinquency_rates") == MONTHS * (portfolios + 2)
    # vintage curves: each vintage opened in a reporting month, per portfolio and per currency ('all'), at
    # every age up to the last month end, counted here from staging alone
    assert q("SELECT count(*) FROM marts.vintage_curves") == q("""
        WITH r AS (SELECT min(month_end) AS first, max(month_end) AS last FROM staging.reporting_months),
             pools AS (SELECT DISTINCT portfolio, currency, last_day(opened_on) AS v FROM staging.accounts, r
                       WHERE last_day(opened_on) BETWEEN r.first AND r.last
                       UNION ALL SELECT DISTINCT 'all', currency, last_day(opened_on) FROM staging.accounts, r
                       WHERE last_day(opened_on) BETWEEN r.first AND r.last)
        SELECT sum(datediff('month', v, r.last) + 1) FROM pools, r""")
    assert q("SELECT min(vintage) FROM marts.vintage_curves") == q(
        "SELECT strftime(min(month_end), '%Y-%m') FROM staging.reporting_months")
    assert q("SELECT count(*) FROM marts.aging") == q(
        "SELECT count(*) FROM (SELECT DISTINCT month_end, portfolio, currency, bucket FROM marts.account_month "
        "UNION ALL SELECT DISTINCT month_end, 'all', currency, bucket FROM marts.account_month)")
    assert q("SELECT count(*) FROM marts.roll_forward") == MONTHS * (portfolios + 2)
    assert q("SELECT count(*) FROM marts.roll_forward WHERE difference <> 0") == 0
    assert q("SELECT count(*) FROM audit.source_files WHERE rows_read <> rows_loaded + rows_rejected") == 0
    assert q("SELECT count(*) FROM audit.rejected_rows") == 0  # the sample is contract-valid
    # the USD book's 'all' cure rows: one per month and delinquent from-bucket that any USD portfolio has
    assert q("SELECT count(*) FROM marts.cure_rates WHERE portfolio = 'all' AND currency = 'USD'") == q(
        "SELECT count(*) FROM (SELECT DISTINCT month_end, from_bucket FROM marts.cure_rates "
        "WHERE portfolio <> 'all' AND currency = 'USD')") == 67
    assert q("SELECT count(*) FROM staging.complaints") == 31


def test_dashboards_exist_and_hold_no_account_id(sample_run):
    _, con, settings = sample_run
    files = sorted(os.listdir(settings.reports))
    assert files == [".arrears-run", "aging.html", "charge_offs.html", "complaints.html", "cure_rates.html",
                     "data", "definitions.html", "delinquency.html", "forecast.html", "index.html", "plotly.min.js",
                     "quarterly.html", "roll_forward.html", "roll_rates.html", "vintages.html", "workbooks"]
    outcome = sample_run[0]
    assert open(os.path.join(settings.reports, ".arrears-run")).read() == outcome.run_id + "\n"  # the run that wrote them
    files.remove(".arrears-run")
    # the exports: the CSV of every chart and table, one workbook per reporting month
    files = [f for f in files if f not in ("data", "workbooks")]
    files += [f"data/{f}" for f in sorted(os.listdir(os.path.join(settings.reports, "data")))]
    months = [m for (m,) in con.execute("SELECT strftime(month_end, '%Y-%m') FROM staging.reporting_months "
                                        "ORDER BY 1").fetchall()]
    assert sorted(os.listdir(os.path.join(settings.reports, "workbooks"))) == [f"arrears-{m}.xlsx" for m in months]
    ids = {r[0] for r in con.execute("SELECT account_id FROM staging.accounts").fetchall()}
    pattern = re.compile("|".join(sorted({re.escape(i) for i in ids}, key=len, reverse=True)))
    for name in files:
        if name == "plotly.min.js":
            continue
        text = open(os.path.join(settings.reports, name), encoding="utf-8").read()
        assert "account_id" not in text, name
        # account ids are matched as whole tokens (not inside longer numbers)
        hits = [m.group(0) for m in pattern.finditer(text)
                if not text[max(0, m.start() - 1):m.start()].isalnum() and not text[m.end():m.end() + 1].isalnum()]
        assert hits == [], (name, hits[:5])
    for month in (months[0], months[-1]):  # every string of a workbook (cells, sheet names) is in its XML
        with zipfile.ZipFile(os.path.join(settings.reports, "workbooks", f"arrears-{month}.xlsx")) as book:
            text = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
        assert "account_id" not in text and not [i for i in ids if f">{i}<" in text], month


def test_refused_file_stops_the_run_naming_file_and_columns(tmp_path, capsys):
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "accounts_2026-01.csv").write_text(
        "account_id,portfolio,product_type,opened_on,currency,credit_limit,skip_trace_phone\n"
        "A1,cards-us,revolving,2026-01-02,USD,100.00,555\n")
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "ledger_2026-01.csv").write_text("entry_id,account_id,posted_on,entry_type,amount\n")
    code = cli(["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"),
                "--reports", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 1
    assert "accounts/accounts_2026-01.csv" in err and "skip_trace_phone" in err and "refused" in err
    assert not (tmp_path / "r" / "index.html").exists()


def test_a_warehouse_named_after_a_schema_is_refused_with_the_reason(tmp_path, capsys):
    """DuckDB names the database after its file: raw.duckdb would make the schema raw ambiguous."""
    code = cli(["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "raw.duckdb"),
                "--reports", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert "raw.duckdb" in err and "ambiguous" in err and "warehouse.duckdb" in err
    assert not (tmp_path / "raw.duckdb").exists()
