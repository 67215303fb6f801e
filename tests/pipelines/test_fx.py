"""fx files through `arrears run --reporting-currency USD` (issue 16 item 1): a changed rate rebuilds only its
month's converted figures, leaves the native figures as they were, and in a closed month is a restatement
naming the fx file.

The book, worked out by hand (no dues, so every row is current):

| entry | account     | posted     | type     | amount |
|-------|-------------|------------|----------|--------|
| E1    | A1 (p1 USD) | 2026-08-05 | purchase | 100.00 |
| E2    | C1 (p2 CAD) | 2026-08-06 | purchase | 200.00 |
| E3    | A1          | 2026-09-10 | payment  |  40.00 |
| E4    | A1          | 2026-10-10 | payment  |  30.00 |
| E5    | C1          | 2026-10-12 | payment  |  50.00 |

Balances: A1 100 / 60 / 30 USD, C1 200 / 200 / 150 CAD at the ends of August, September, October.
Rates (fx/fx_YYYY-MM.csv, CAD → USD): August 0.75, September 0.74, October 0.73."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipelines.incremental import plan_run
from pipelines.settings import Settings

NATIVE = ("aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs", "roll_forward")


def write_fx(book, month: str, rate: str) -> None:
    path = book.landing / "fx" / f"fx_{month}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"currency,rate\nCAD,{rate}\n", encoding="utf-8")


def two_currencies(book) -> None:
    cad = {**book.account("C1", "2026-08-01", portfolio="p2"), "currency": "CAD"}
    book.write("accounts", "2026-08", [book.account("A1", "2026-08-01"), cad])
    book.write("ledger", "2026-08", [book.entry("E1", "A1", "2026-08-05", "purchase", "100.00"),
                                     book.entry("E2", "C1", "2026-08-06", "purchase", "200.00")])
    book.write("ledger", "2026-09", [book.entry("E3", "A1", "2026-09-10", "payment", "40.00")])
    book.write("ledger", "2026-10", [book.entry("E4", "A1", "2026-10-10", "payment", "30.00"),
                                     book.entry("E5", "C1", "2026-10-12", "payment", "50.00")])
    for month, rate in (("2026-08", "0.75"), ("2026-09", "0.74"), ("2026-10", "0.73")):
        write_fx(book, month, rate)


def all_open_balance(book) -> list[tuple]:
    return book.query("SELECT month_end::VARCHAR, open_balance, fx_rates FROM marts.delinquency_rates_converted "
                      "WHERE portfolio = 'all' ORDER BY 1")


def native(book) -> dict:
    return {t: sorted(map(str, book.query(f"SELECT * FROM marts.{t}"))) for t in NATIVE}


def test_a_changed_fx_file_rebuilds_its_month_and_leaves_the_native_figures(hand_book, capsys):
    book = hand_book()
    two_currencies(book)
    assert book.arrears("run", "--reporting-currency", "USD") == 0
    # 'all' = A1 in USD + C1 in CAD at the month's rate: Aug 100 + 200 × 0.75 = 250.00,
    # Sep 60 + 200 × 0.74 = 208.00, Oct 30 + 150 × 0.73 = 139.50
    assert all_open_balance(book) == [
        ("2026-08-31", D("250.00"), "CAD 0.75 (fx/fx_2026-08.csv); USD 1"),
        ("2026-09-30", D("208.00"), "CAD 0.74 (fx/fx_2026-09.csv); USD 1"),
        ("2026-10-31", D("139.50"), "CAD 0.73 (fx/fx_2026-10.csv); USD 1")]
    assert book.query("SELECT count(*) FROM audit.source_files WHERE entity = 'fx' AND rows_loaded = 1") == [(3,)]
    import json

    params = json.loads(book.query("SELECT parameters FROM audit.runs WHERE outcome = 'published'")[0][0])
    assert params["reporting_currency"] == "USD"
    before = native(book)

    write_fx(book, "2026-09", "0.70")  # September's rate re-sent
    settings = Settings.from_env(landing=str(book.landing), warehouse=str(book.warehouse), reports=str(book.reports),
                                 reporting_currency="USD")
    plan = plan_run(settings)
    assert (plan.first, plan.last, plan.full) == ("2026-09", "2026-10", False)
    assert "fx/fx_2026-09.csv changed (converted figures of 2026-09)" in plan.describe()
    capsys.readouterr()
    assert book.arrears("run", "--reporting-currency", "USD") == 0
    assert "rebuilds months 2026-09 … 2026-10" in capsys.readouterr().err
    # Sep: 60 + 200 × 0.70 = 200.00; Aug and Oct as before
    assert all_open_balance(book) == [
        ("2026-08-31", D("250.00"), "CAD 0.75 (fx/fx_2026-08.csv); USD 1"),
        ("2026-09-30", D("200.00"), "CAD 0.7 (fx/fx_2026-09.csv); USD 1"),
        ("2026-10-31", D("139.50"), "CAD 0.73 (fx/fx_2026-10.csv); USD 1")]
    assert native(book) == before  # the native figures do not read the rates

    # another reporting currency rebuilds every month
    settings = Settings.from_env(landing=str(book.landing), warehouse=str(book.warehouse), reports=str(book.reports))
    plan = plan_run(settings)
    assert plan.full and "the reporting currency changed (USD → none)" in plan.describe()


@pytest.mark.persistent_dagster
def test_a_changed_rate_of_a_closed_month_is_a_restatement_naming_the_fx_file(hand_book, capsys):
    book = hand_book()
    two_currencies(book)
    assert book.arrears("run", "--reporting-currency", "USD") == 0
    assert book.arrears("close", "2026-10", "--by", "alice") == 0
    manifest = book.query("SELECT manifest FROM published.closes")[0][0]
    assert '"source_file": "fx/fx_2026-10.csv"' in manifest  # the fx files are inputs of the close
    assert book.query("SELECT open_balance FROM published.delinquency_rates_converted WHERE portfolio = 'all'") == [
        (D("139.50"),)]
    old = (book.landing / "fx" / "fx_2026-10.csv").read_bytes()

    write_fx(book, "2026-10", "0.72")  # October's rate changed after the close: 30 + 150 × 0.72 = 138.00
    capsys.readouterr()
    assert book.arrears("run", "--reporting-currency", "USD") == 1
    err = capsys.readouterr().err
    assert "closed month changed, not published: 2026-10 (closed, 2026-10 v1): files fx/fx_2026-10.csv changed" in err
    import hashlib

    new_sha = hashlib.sha256((book.landing / "fx" / "fx_2026-10.csv").read_bytes()).hexdigest()
    assert book.query("SELECT cause_kind, source_file, old_sha256, new_sha256 FROM audit.restatements "
                      "WHERE cause_kind <> 'figures moved'") == [
        ("file changed", "fx/fx_2026-10.csv", hashlib.sha256(old).hexdigest(), new_sha)]
    moved = book.query("SELECT table_name, row_key, column_name, published_value, recomputed_value "
                       "FROM audit.restatements WHERE table_name = 'marts.delinquency_rates_converted' "
                       "AND column_name = 'open_balance' ORDER BY row_key")
    # p2: 150 × 0.73 = 109.50 → 150 × 0.72 = 108.00; all: 30 + 109.50 = 139.50 → 30 + 108.00 = 138.00
    assert moved == [
        ("marts.delinquency_rates_converted", '{"month_end":"2026-10-31","portfolio":"all","currency":"USD"}',
         "open_balance", "139.50", "138.00"),
        ("marts.delinquency_rates_converted", '{"month_end":"2026-10-31","portfolio":"p2","currency":"USD"}',
         "open_balance", "109.50", "108.00")]
    # no native figure moved: the rates are read by the converted marts only
    assert book.query("SELECT DISTINCT table_name FROM audit.restatements WHERE cause_kind = 'figures moved' "
                      "AND table_name NOT LIKE '%_converted'") == []
