"""The monthly Excel workbooks (dashboards.workbooks) from the hand-made marts (`hand_marts`,
tests/dashboards/conftest.py), read back with openpyxl: the sheets, header rows, formats and known values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest


SHEETS = ["About", "aging", "aging_converted", "charge_offs", "charge_offs_converted", "complaint_metrics",
          "complaints_by_bucket", "cure_rates", "cure_rates_converted", "delinquency_rates",
          "delinquency_rates_converted", "roll_forward", "roll_forward_converted", "roll_rates", "roll_rates_converted",
          "vintage_curves"]


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    hand_marts.build_reports(out)
    return out


@pytest.fixture(scope="module")
def october(reports) -> openpyxl.Workbook:
    return openpyxl.load_workbook(reports / "workbooks" / "arrears-2026-10.xlsx")


def _rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]


def test_one_workbook_per_month_linked_from_the_index(reports):
    assert sorted(p.name for p in (reports / "workbooks").iterdir()) == [
        "arrears-2026-08.xlsx", "arrears-2026-09.xlsx", "arrears-2026-10.xlsx"]
    index = (reports / "index.html").read_text("utf-8")
    assert "<h2>Downloads</h2>" in index
    assert index.index('href="workbooks/arrears-2026-10.xlsx"') < index.index('href="workbooks/arrears-2026-08.xlsx"')
    for month in ("2026-08", "2026-09", "2026-10"):
        assert f'<a href="workbooks/arrears-{month}.xlsx" download>{month} (Excel)</a>' in index


def test_sheets_headers_and_frozen_rows(october):
    assert october.sheetnames == SHEETS  # never account_month
    about = {r[0]: r[1] for r in october["About"].iter_rows(values_only=True)}
    assert about["As of"] == "2026-10-31" and "aggregates" in about["What"]
    assert about["Sheets"] == ", ".join(SHEETS[1:])
    assert [c.value for c in october["delinquency_rates"][1]] == [
        "month_end", "portfolio", "open_accounts", "open_balance", "dq30_account_rate", "dq30_balance_rate",
        "dq60_account_rate", "dq60_balance_rate", "dq90_account_rate", "dq90_balance_rate"]
    assert [c.value for c in october["aging"][1]] == ["month_end", "portfolio", "bucket", "accounts", "balance",
                                                     "past_due_amount"]
    for name in SHEETS[1:]:
        assert october[name].freeze_panes == "A2", name
        assert all(c.font.b for c in october[name][1]), name


def test_known_cells_with_their_formats(october):
    dq = {r["portfolio"].value: r for r in _rows(october["delinquency_rates"])}
    assert list(dq) == ["all", "cards", "loans"]  # the month's rows only, ORDER BY ALL
    date_cell, money, count, rate = (dq["all"][c] for c in ("month_end", "open_balance", "open_accounts",
                                                             "dq30_account_rate"))
    assert date_cell.is_date and date_cell.value == datetime(2026, 10, 31) and date_cell.number_format == "yyyy-mm-dd"
    assert (money.value, money.number_format) == (174004.25, "#,##0.00")  # 58000.75*3 + 2
    assert (count.value, count.number_format) == (353, "#,##0")  # 117*3 + 2
    assert (rate.value, rate.number_format) == (0.08, "0.00%")  # 0.06 + 2/100
    roll = [r for r in _rows(october["roll_rates"]) if r["from_bucket"].value == "dpd_60_89"]
    assert [(r["portfolio"].value, r["to_bucket"].value, r["accounts"].value, r["balance"].value,
             r["account_rate"].value, r["balance_rate"].value) for r in roll] == [
        ("all", "dpd_90_119", 37, 12345.67, 0.4321, 0.5123)]
    co = {r["portfolio"].value: r for r in _rows(october["charge_offs"])}
    assert co["cards"]["nco_rate_annualized"].number_format == "0.00%"
    assert co["cards"]["gross_charge_off"].value == 2469.12  # 1234.56 * 2
    assert len(_rows(october["aging"])) == 18  # 3 portfolios x 6 buckets


def test_months_hold_their_own_rows_and_small_cells_stay_blank(reports, hand_marts):
    august = openpyxl.load_workbook(reports / "workbooks" / "arrears-2026-08.xlsx")
    assert august.sheetnames == SHEETS
    assert _rows(august["roll_rates"]) == [] and _rows(august["complaints_by_bucket"]) == []  # none that month
    assert {r["month_end"].value for r in _rows(august["aging"])} == {datetime(2026, 8, 31)}
    cm = openpyxl.load_workbook(reports / "workbooks" / "arrears-2026-10.xlsx")["complaint_metrics"]
    loans = next(r for r in _rows(cm) if (r["portfolio"].value, r["issue_group"].value) == ("loans", "all"))
    assert loans["complaints"].value is None and loans["complaints_per_1000"].value is None  # 4 complaints
    assert loans["open_accounts"].value == 117  # not a complaint figure
    values = {str(c.value) for row in cm.iter_rows() for c in row if c.value is not None}
    assert not values & set(hand_marts.SUPPRESSED_VALUES)


# ---- the worker process (dashboards.workbook_writer) ------------------------------------------------------

def _workbook_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "workbooks").iterdir())}


def test_the_worker_writes_the_same_bytes_as_this_process(reports, hand_marts, tmp_path, monkeypatch):
    """The hand-made marts are far below WORKER_FROM_CELLS (no worker in `reports`); with the threshold at
    0 the worker takes months from the earliest on while this process draws the pages: the same files."""
    from dashboards import workbooks

    started = []
    real_popen = workbooks.subprocess.Popen
    monkeypatch.setattr(workbooks.subprocess, "Popen", lambda *a, **k: started.append(a[0]) or real_popen(*a, **k))
    monkeypatch.setattr(workbooks, "WORKER_FROM_CELLS", 0)
    hand_marts.build_reports(tmp_path)
    assert started and started[0][1:] == ["-m", "dashboards.workbook_writer"]
    assert _workbook_files(tmp_path) == _workbook_files(reports)
    assert len(_workbook_files(reports)) == 3


def test_a_worker_that_dies_leaves_its_months_to_this_process(reports, hand_marts, tmp_path, monkeypatch):
    """A worker that exits at once (as if killed): every month is written here, the same bytes."""
    import sys

    from dashboards import workbooks

    real_popen = workbooks.subprocess.Popen
    monkeypatch.setattr(workbooks.subprocess, "Popen",
                        lambda args, **k: real_popen([sys.executable, "-c", "pass"], **k))
    monkeypatch.setattr(workbooks, "WORKER_FROM_CELLS", 0)
    hand_marts.build_reports(tmp_path)
    assert _workbook_files(tmp_path) == _workbook_files(reports)


def test_an_error_in_the_worker_fails_the_build_naming_the_month(hand_marts, tmp_path, monkeypatch):
    """The worker answers every request with an error: the build raises it, naming the month, and the
    worker is stopped (no process left behind)."""
    import sys

    from dashboards import workbooks

    failing = ("import sys; from assets.pipe import receive, send\n"
               "while True:\n"
               "    try: m, t, s = receive(sys.stdin.buffer)\n"
               "    except EOFError: break\n"
               "    send(sys.stdout.buffer, (False, 'ValueError: no such format'))\n")
    procs = []
    real_popen = workbooks.subprocess.Popen

    def popen(args, **k):
        procs.append(real_popen([sys.executable, "-c", failing], **k))
        return procs[-1]

    monkeypatch.setattr(workbooks.subprocess, "Popen", popen)
    monkeypatch.setattr(workbooks, "WORKER_FROM_CELLS", 0)
    # this process writes the latest months; keep it from reaching the worker's first month first
    monkeypatch.setattr(workbooks, "render", lambda *a: __import__("time").sleep(1) or b"")
    with pytest.raises(RuntimeError, match=r"^the workbook of 2026-08: ValueError: no such format$"):
        hand_marts.build_reports(tmp_path)
    assert procs and procs[0].poll() is not None
