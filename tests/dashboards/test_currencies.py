"""Two currencies on the pages (issue 16, item 1): the hand-made marts (`hand_marts`) with their rows in USD
and a third portfolio, cards-ca, in CAD, whose 'all' rows are CAD rows of their own, as the warehouse
builds them. No page puts the two currencies under one key or one figure, and every money figure names its
currency."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports
from dashboards.dimensions import book_key, is_all, portfolio_label, portfolio_sort_key, split_book
from dashboards.formatting import fmt_money

from .plotly_figures import figures

MONEY_MARTS = ("aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs", "roll_forward")


def _add_cad_book(con: duckdb.DuckDBPyConnection) -> None:
    """Every money mart gets its `currency` column (the hand rows are USD), then cards-ca in CAD and 'all' in
    CAD (= cards-ca, the only CAD portfolio) for the latest two months; and the whole book converted to USD
    in October at CAD 0.74: open accounts 353 + 50 = 403, open balance 174,004.25 + 25,000.00 × 0.74 =
    192,504.25 (a cards-ca row converted too, which the pages do not draw: it repeats cards-ca at a rate)."""
    for mart in MONEY_MARTS:
        con.execute(f"ALTER TABLE marts.{mart} ADD COLUMN currency VARCHAR DEFAULT 'USD'")
    for portfolio in ("cards-ca", "all"):
        for month, accounts, balance in (("2026-09-30", 40, 20000.00), ("2026-10-31", 50, 25000.00)):
            con.execute("INSERT INTO marts.aging (month_end, portfolio, currency, bucket, accounts, balance, "
                        "past_due_amount) VALUES (?, ?, 'CAD', 'current', ?, ?, 0)", [month, portfolio, accounts, balance])
            con.execute("INSERT INTO marts.delinquency_rates (month_end, portfolio, currency, open_accounts, open_balance, "
                        "dq30_account_rate, dq30_balance_rate, dq60_account_rate, dq60_balance_rate, dq90_account_rate, "
                        "dq90_balance_rate) VALUES (?, ?, 'CAD', ?, ?, 0.1, 0.125, 0.05, 0.05, 0.0, 0.0)",
                        [month, portfolio, accounts, balance])
        con.execute("INSERT INTO marts.roll_forward (month_end, portfolio, currency, opening_balance, debits, credits, "
                    "charge_offs, closing_balance, difference) VALUES "
                    "('2026-10-31', ?, 'CAD', 20000.00, 7000.00, 2000.00, 0.00, 25000.00, 0.00)", [portfolio])
    for portfolio, accounts, balance in (("all", 403, 192504.25), ("cards-ca", 50, 18500.00)):
        con.execute("INSERT INTO marts.delinquency_rates_converted (month_end, portfolio, currency, open_accounts, "
                    "open_balance, dq30_balance_rate, converted_from, fx_rates) VALUES "
                    "('2026-10-31', ?, 'USD', ?, ?, 0.07, 'CAD, USD', 'CAD 0.74 (fx/fx_2026-10.csv); USD 1')",
                    [portfolio, accounts, balance])


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    _add_cad_book(con)
    build_reports(con, str(out))
    con.close()
    return out


def test_book_keys_labels_and_order():
    assert book_key("cards-ca", "CAD") == "cards-ca · CAD" and split_book("cards-ca · CAD") == ("cards-ca", "CAD")
    assert split_book("cards") == ("cards", None) and book_key("cards", None) == "cards"
    assert portfolio_label("all · USD") == "All portfolios (USD)" and portfolio_label("cards-ca · CAD") == "cards-ca (CAD)"
    assert portfolio_label("all") == "All portfolios"
    assert is_all("all · CAD") and not is_all("cards · USD")
    keys = ["loans · USD", "all · USD", "cards-ca · CAD", "all · CAD", "cards · USD"]
    assert sorted(keys, key=portfolio_sort_key) == ["all · CAD", "all · USD", "cards · USD", "cards-ca · CAD",
                                                    "loans · USD"]
    assert fmt_money(1234.5, "CAD") == "1,234.50 CAD" and fmt_money(None, "CAD") == "—"


def test_every_selector_lists_each_currency_apart(reports):
    aging = figures((reports / "aging.html").read_text("utf-8"))["aging-balance"]
    labels = [b["label"] for b in aging["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["Portfolio: All portfolios (CAD)", "Portfolio: All portfolios (USD)", "Portfolio: cards (USD)",
                      "Portfolio: cards-ca (CAD)", "Portfolio: loans (USD)"]
    # the CAD 'all' book shows the CAD rows only: 2026-10-31 current = 25,000.00 (not the USD book's 150,002.00)
    visible = aging["layout"]["updatemenus"][0]["buttons"][0]["args"][0]["visible"]
    shown = [t for t, v in zip(aging["data"], visible) if v]
    current = next(t for t in shown if t["name"] == "Current")
    assert current["y"][-1] == 25000.0 and current["y"][-2] == 20000.0
    assert current["hovertemplate"] == "Current: %{y:,.2f} CAD<extra></extra>"


def test_the_overview_keeps_currencies_apart_and_names_them(reports):
    index = (reports / "index.html").read_text("utf-8")
    size = re.search(r'<table class="headline changes" id="headline">(.*?)</table>', index, re.S).group(1)
    rows = re.findall(r"<tr><td>(All portfolios \([^<]*\))</td><td>([^<]*)</td><td>[^<]*</td><td>[^<]*</td>"
                      r"<td>([^<]*)</td>", size)
    # open accounts, then open balance (value cell) of the latest month: the CAD book's own figures; the USD
    # book's are the hand marts' (58,000.75 × 3 + 2)
    assert rows == [("All portfolios (CAD)", "50", "25,000.00 CAD"), ("All portfolios (USD)", "353", "174,004.25 USD"),
                    ("All portfolios (USD (converted))", "403", "192,504.25 USD (converted)")]
    assert "All portfolios (CAD)" in index and "All portfolios</td>" not in index
    assert "cards-ca (USD (converted))" not in index  # a single portfolio's converted row is not drawn


def test_the_bridge_names_the_currency_of_every_amount(reports):
    page = (reports / "roll_forward.html").read_text("utf-8")
    assert "<td>cards-ca (CAD)</td><td>20,000.00 CAD</td><td>7,000.00 CAD</td><td>2,000.00 CAD</td>" in page
    assert "<td>loans (USD)</td><td>58,078.42 USD</td>" in page
