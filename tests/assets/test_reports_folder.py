"""What a reports folder may hold (assets.publishing.reports_folder_problem) and which of its files a close
stores (assets.published.report_files): the pages, plotly.min.js, the run marker and the dashboards'
exports (data/*.csv, workbooks/*.xlsx)."""

from __future__ import annotations

from assets.published import report_files
from assets.publishing import reports_folder_problem


def _folder(tmp_path):
    reports = tmp_path / "reports"
    (reports / "data").mkdir(parents=True)
    (reports / "workbooks").mkdir()
    for name in ("index.html", "aging.html", "plotly.min.js", ".arrears-run", "data/aging-balance.aging.csv",
                 "workbooks/arrears-2026-10.xlsx"):
        (reports / name).write_text("x")
    return reports


def test_a_folder_the_dashboards_wrote_is_a_reports_folder(tmp_path):
    reports = _folder(tmp_path)
    assert reports_folder_problem(str(reports)) is None
    assert report_files(str(reports)) == [".arrears-run", "aging.html", "data/aging-balance.aging.csv", "index.html",
                                          "plotly.min.js", "workbooks/arrears-2026-10.xlsx"]


def test_other_files_in_the_export_folders_are_refused(tmp_path):
    reports = _folder(tmp_path)
    (reports / "data" / "notes.txt").write_text("mine")
    (reports / "evidence").mkdir()
    problem = reports_folder_problem(str(reports))
    assert problem is not None and "holds files the dashboards did not write (data/, evidence/)" in problem
