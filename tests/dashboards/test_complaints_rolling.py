"""The complaints page's rolling 3-month view (dashboards/rolling_view.py): figures added up by hand from the
hand-made marts (tests/dashboards/conftest.py: three month ends, so one full window, the one ending at
2026-10-31) and from a small by-bucket table made here; the "Monthly / Rolling 3 months" switch."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import build_reports, complaints_by_bucket
from dashboards.rolling_view import mostly_suppressed, window_months, with_view_switch

from .plotly_figures import figures

SUPPRESSED_CELL = '<td title="suppressed: fewer than 5 complaints" style="color:#757575">suppressed</td>'


@pytest.fixture(scope="module")
def page(hand_marts, tmp_path_factory) -> str:
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    out = tmp_path_factory.mktemp("reports")
    build_reports(con, str(out))
    con.close()
    return (Path(out) / "complaints.html").read_text("utf-8")


def _switch(fig: dict) -> dict:
    (menu,) = [m for m in fig["layout"]["updatemenus"] if m["type"] == "buttons"]
    return menu


def _rolling_y(fig: dict) -> dict[str, list]:
    """The rolling view's y values by trace (name, n-th trace of that name)."""
    ys = _switch(fig)["buttons"][1]["args"][0]["y"]
    seen: dict[str, int] = {}
    out = {}
    for trace, y in zip(fig["data"], ys):
        k = seen[trace["name"]] = seen.get(trace["name"], -1) + 1
        out[(trace["name"], k)] = y
    return out


def test_window_months():
    assert window_months("2026-10-31") == ["2026-08-31", "2026-09-30", "2026-10-31"]
    assert window_months("2026-02-28") == ["2025-12-31", "2026-01-31", "2026-02-28"]


def test_charts_have_the_switch_and_open_monthly_when_not_mostly_suppressed(page):
    figs = figures(page)
    for div in ("cmp-per-1000-by-issue", "cmp-conduct", "cmp-by-bucket", "cmp-timeliness"):
        menu = _switch(figs[div])
        assert [b["label"] for b in menu["buttons"]] == ["Monthly", "Rolling 3 months"], div
        assert menu["active"] == 0, div  # the hand-made monthly views are not mostly suppressed
        assert [b["method"] for b in menu["buttons"]] == ["update", "update"]
        assert "visible" not in menu["buttons"][1]["args"][0]  # the portfolio dropdown keeps working
        assert menu["buttons"][1]["args"][1]["title.text"].startswith(
            figs[div]["layout"]["title"]["text"].split("<br>")[0] + " — rolling 3 months")
    assert not any(m["type"] == "buttons" for m in figs["cmp-backlog"]["layout"].get("updatemenus", []))


def test_rolling_values_by_issue_group(page, hand_marts):
    y = _rolling_y(figures(page)["cmp-per-1000-by-issue"])
    # all portfolios (all issues 12 + 13 + 14 = 39 complaints over 351 + 352 + 353 = 1,056 account-months)
    assert y[("All issues", 0)] == [None, None, 36.93]  # 39 / 1,056 x 1,000 = 36.931...
    assert y[("Communication tactics", 0)] == [None, None, 17.05]  # 18 / 1,056
    assert y[("Electronic communications", 0)] == [None, None, 8.52]  # 9 / 1,056: shown (3 a month each)
    assert y[("Other issues", 0)] == [None, None, 11.36]  # 3 + 4 + 5 = 12 / 1,056
    # cards: 24 / 708, 15 / 708, 9 / 708; loans: 12 / 351, Communication tactics 3 -> suppressed
    assert y[("All issues", 1)] == [None, None, 33.9]
    assert y[("Communication tactics", 1)] == [None, None, 21.19]
    assert y[("Other issues", 1)] == [None, None, 12.71]
    assert y[("All issues", 2)] == [None, None, 34.19]
    assert y[("Communication tactics", 2)] == [None, None, None]
    strips = [v for (name, _), v in y.items() if name.startswith("Suppressed")]
    assert len(strips) == 3  # one per portfolio in both views
    hover = _switch(figures(page)["cmp-per-1000-by-issue"])["buttons"][1]["args"][0]["hovertext"]
    assert [h for h in hover if h and any(h)] == [[None, None, "Communication tactics: suppressed: fewer than 5 complaints"]]
    for value in hand_marts.SUPPRESSED_VALUES:
        assert value not in page, value


def test_rolling_conduct_and_timeliness(page):
    figs = figures(page)
    y = _rolling_y(figs["cmp-conduct"])
    bars = "Conduct complaints per 1,000 delinquent accounts"
    assert y[(bars, 0)] == [None, None, 150.0]  # 6 + 6 + 6 = 18 over 40 x 3 = 120 delinquent account-months
    assert y[(bars, 1)] == [None, None, 100.0]  # cards: 2 a month (suppressed monthly), 6 / 60
    assert y[(bars, 2)] == [None, None, None]  # loans: 1 a month, 3 in 3 months
    assert y[("30+ DPD account rate (right axis)", 0)] == pytest.approx([0.06, 0.07, 0.08])  # unchanged
    y = _rolling_y(figs["cmp-timeliness"])
    assert y[("Answered within 15 days", 0)] == [None, None, 0.9]  # 9 + 9 + 9 of 30
    assert y[("Closed within 60 days", 0)] == [None, None, 0.7826]  # 8 + 8 + 2 of 10 + 10 + 3 = 18 / 23
    assert y[("Answered within 15 days", 1)] == [None, None, 0.75]  # cards 3 of 4 a month: 9 / 12
    assert y[("Answered within 15 days", 2)] == [None, None, 0.5]  # loans 0.4321 x 4 -> 2 of 4 a month: 6 / 12


def test_three_month_table(page):
    table = page[page.index('<table class="headline" id="cmp-rolling">'):]
    table = table[:table.index("</table>")]
    assert "<tr><td>All portfolios</td><td>39</td><td>36.93</td><td>150.00</td><td>90.00%</td><td>78.26%</td></tr>" in table
    assert "<tr><td>cards</td><td>24</td><td>33.90</td><td>100.00</td><td>75.00%</td><td>50.00%</td></tr>" in table
    assert f"<tr><td>loans</td><td>12</td><td>34.19</td>{SUPPRESSED_CELL}<td>50.00%</td><td>50.00%</td></tr>" in table


BUCKETS = pl.DataFrame(
    [  # month_end, bucket, complaints, accounts (previous month end), per 1,000
        ("2026-07-31", "current", 2, 100, 20.0), ("2026-08-31", "current", 3, 110, 27.2727),
        ("2026-09-30", "current", 4, 120, 33.3333), ("2026-10-31", "current", 2, 130, 15.3846),
        ("2026-07-31", "dpd_1_29", 1, 10, 100.0), ("2026-08-31", "dpd_1_29", 1, 11, 90.9091),
        ("2026-09-30", "dpd_1_29", 2, 12, 166.6667), ("2026-10-31", "dpd_1_29", 6, 9, 666.6667),
        ("2026-07-31", "dpd_30_59", 4, 5, 800.0), ("2026-09-30", "dpd_30_59", 3, 4, 750.0),
        ("2026-10-31", "dpd_30_59", 5, 6, 833.3333),
    ],
    schema=["month_end", "bucket", "complaints", "accounts", "complaints_per_1000"], orient="row",
)


def test_rolling_by_bucket():
    rolled = complaints_by_bucket.rolling(BUCKETS)
    assert rolled.rows() == [
        ("2026-09-30", "current", 9, 330, 27.27),  # 2 + 3 + 4 over 100 + 110 + 120
        ("2026-09-30", "dpd_1_29", 4, 33, 121.21),  # 4 complaints: a row, suppressed on the chart
        ("2026-10-31", "current", 9, 360, 25.0),  # 3 + 4 + 2 over 110 + 120 + 130
        ("2026-10-31", "dpd_1_29", 9, 32, 281.25),  # 1 + 2 + 6 over 11 + 12 + 9
        # dpd_30_59 has no row in 2026-08: its accounts then are unknown, so no window holding it
    ]


def test_bucket_chart_opens_on_the_rolling_view_when_the_monthly_one_is_mostly_suppressed():
    monthly = complaints_by_bucket._figure(BUCKETS, BUCKETS, False)
    rolling = complaints_by_bucket._figure(complaints_by_bucket.rolling(BUCKETS), BUCKETS, True)
    # monthly: 6 (dpd_1_29, 2026-10) and 5 (dpd_30_59, 2026-10) shown; 9 points suppressed
    assert mostly_suppressed(monthly)
    fig = with_view_switch(monthly, rolling)
    menu = fig.layout.updatemenus[-1]
    assert menu.active == 1 and [b.label for b in menu.buttons] == ["Monthly", "Rolling 3 months"]
    shown = {t.name: list(t.y) for t in fig.data}
    assert shown["Current"] == [None, None, 27.27, 25.0]
    assert shown["1–29 DPD"] == [None, None, None, 281.25]  # 4 complaints in the window to 2026-09: suppressed
    assert shown["30–59 DPD"] == [None, None, None, None]
    assert list(fig.data[-1].hovertext) == [None, None, "1–29 DPD: suppressed: fewer than 5 complaints", None]
    assert fig.layout.title.text.startswith("Complaints per 1,000 accounts by delinquency bucket (previous month "
                                            "end) — rolling 3 months")
    assert menu.buttons[0].args[0]["y"][0] == [None, None, None, None]  # monthly 'current': 2, 3, 4, 2 complaints
