"""The roll-forward bridge page (roll_forward.html) from the hand-made marts.roll_forward of conftest.py:
the waterfall's bars are the mart's rows, the difference reads 0.00 where a row reconciles and names the
failed check where it does not, and the first reporting month shows no opening bar."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports, roll_forward
from dashboards.page import Context

RECONCILES = "difference 0.00 — reconciles"
FAILS = "difference 0.05 — does not reconcile: check marts.roll_forward:difference_is_zero fails"


@pytest.fixture(scope="module")
def con(hand_marts):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def bridge(con, hand_marts):
    ctx = Context(con=con, as_of=hand_marts.AS_OF, pages=(roll_forward.PAGE,))
    return roll_forward.bridge(roll_forward.read(ctx), hand_marts.AS_OF)


@pytest.fixture(scope="module")
def page(con, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("reports")
    build_reports(con, str(out))
    return (Path(out) / "roll_forward.html").read_text("utf-8")


def _trace(fig, label: str, month: str):
    [trace] = [t for t in fig.data if t.name == f"{label} {month}"]
    return trace


def test_bars_are_the_mart_row(bridge):
    cards = _trace(bridge, "cards", "2026-10-31")
    assert list(cards.x) == ["Opening balance", "+ Debits", "− Credits", "− Charge-offs", "Closing balance"]
    assert list(cards.measure) == ["absolute", "relative", "relative", "relative", "absolute"]
    # opening, debits, −credits, −charge_offs, closing of the hand row
    assert list(cards.y) == [116156.83, 20823.04, -19917.69, -823.04, 116239.14]
    assert list(cards.text) == ["116,156.83", "20,823.04", "-19,917.69", "-823.04", "116,239.14"]
    # the closing bar is the mart's closing balance (174,358.66), not the sum of the steps (174,358.71)
    assert list(_trace(bridge, "All portfolios", "2026-10-31").y)[-1] == 174358.66


def test_every_trace_equals_marts_roll_forward(con, bridge):
    rows = con.execute("SELECT strftime(month_end, '%Y-%m-%d'), portfolio, opening_balance, debits, credits, "
                       "charge_offs, closing_balance FROM marts.roll_forward WHERE opening_balance IS NOT NULL "
                       "ORDER BY 1, 2").fetchall()
    assert len(rows) == 6
    for month, portfolio, opening, debits, credits, charge_offs, closing in rows:
        label = "All portfolios" if portfolio == "all" else portfolio
        assert list(_trace(bridge, label, month).y) == [
            float(opening), float(debits), -float(credits), -float(charge_offs), float(closing)]
    assert len(bridge.data) == 9  # 3 portfolios x 3 months


def test_first_reporting_month_has_no_opening_bar(bridge):
    first = _trace(bridge, "loans", "2026-08-31")
    assert list(first.y) == [None, None, None, None, 58000.75]
    assert list(first.text) == [None, None, None, None, "58,000.75"]
    assert roll_forward.difference_text({"opening_balance": None, "difference": None}) == (
        "no opening balance (first reporting month)")


def test_difference_text():
    assert roll_forward.difference_text({"opening_balance": Decimal("1.00"), "difference": Decimal("0.00")}) == RECONCILES
    assert roll_forward.difference_text({"opening_balance": Decimal("1.00"), "difference": Decimal("0.05")}) == FAILS


def test_selectors_show_each_portfolio_and_month_with_its_difference(bridge):
    names = [t.name for t in bridge.data]
    # it opens on 'all' in the latest month, which does not reconcile in the hand book
    assert [t.name for t in bridge.data if t.visible] == ["All portfolios 2026-10-31"]
    assert [a.text for a in bridge.layout.annotations] == [FAILS]
    assert "month ending 2026-10-31" in bridge.layout.title.text
    menu = bridge.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == ["Portfolio: All portfolios", "Portfolio: cards", "Portfolio: loans"]
    cards = menu.buttons[1]
    trace_update, layout_update = cards.args
    assert [n for n, v in zip(names, trace_update["visible"]) if v] == ["cards 2026-10-31"]
    assert [a["text"] for a in layout_update["annotations"]] == [RECONCILES]
    [slider] = layout_update["sliders"]  # the dropdown swaps in the portfolio's month slider
    assert [s["label"] for s in slider["steps"]] == ["2026-08", "2026-09", "2026-10"]
    assert slider["active"] == 2
    first_step = slider["steps"][0]["args"]
    assert [n for n, v in zip(names, first_step[0]["visible"]) if v] == ["cards 2026-08-31"]
    assert [a["text"] for a in first_step[1]["annotations"]] == ["no opening balance (first reporting month)"]
    loans_latest = menu.buttons[2].args[1]["annotations"]
    assert [a["text"] for a in loans_latest] == [FAILS]


def test_page_latest_table_and_warning(page):
    assert ("<tr><td>cards</td><td>116,156.83</td><td>20,823.04</td><td>19,917.69</td><td>823.04</td>"
            f'<td>116,239.14</td><td><span style="color:#2e7d32">{RECONCILES}</span></td></tr>') in page
    assert ("<tr><td>loans</td><td>58,078.42</td><td>10,411.52</td><td>9,958.85</td><td>411.52</td>"
            f'<td>58,119.52</td><td><span style="color:#c62828">{FAILS}</span></td></tr>') in page
    assert ("Warning: the check marts.roll_forward:difference_is_zero fails — opening + debits − credits − "
            "charge-offs ≠ closing in 2026-10-31 All portfolios: difference 0.05; 2026-10-31 loans: difference "
            "0.05.") in page
    assert 'id="rf-bridge"' in page


def test_page_says_when_every_month_reconciles(hand_marts, tmp_path):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    con.execute("UPDATE marts.roll_forward SET closing_balance = closing_balance + difference, difference = 0 "
                "WHERE difference <> 0")
    build_reports(con, str(tmp_path))
    page = (tmp_path / "roll_forward.html").read_text("utf-8")
    assert "Every month from 2026-08-31 to 2026-10-31 reconciles to the cent in every portfolio" in page
    assert "does not reconcile" not in page and "Warning" not in page


def test_page_states_the_latest_change(page):
    # closing balance of 'all': 174,235.25 -> 174,358.66 = +123.41, +123.41 / 174,235.25 = +0.07 %
    assert ('<p class="change" id="latest-change">In the month ending 2026-10-31 the closing balance of all '
            "portfolios rose from 174,235.25 to 174,358.66 (+123.41, +0.07%).</p>") in page


def test_the_check_named_is_the_roll_forward_invariant():
    from checks.marts.invariants import INVARIANTS

    table, name = roll_forward.CHECK.split(":")
    assert [(i.table, i.name) for i in INVARIANTS if i.table == table] == [(table, name)]
