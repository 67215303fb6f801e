"""Strict values (data-contract.md, "File format and values"): every field trimmed of surrounding spaces
before it is judged and stored trimmed; an amount is digits with an optional point and at most two
decimals, below 10^16; a date is exactly YYYY-MM-DD. Each table row is one ledger line: the expected
outcome is the amount or date loaded, or the exact rejection reason, worked out by hand."""

from __future__ import annotations

import itertools
import json
import random
import re
from datetime import date, datetime
from decimal import Decimal as D

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from assets.staging.rules import parsed_amount, parsed_date, trimmed

NOT_AN_AMOUNT = ("amount is not digits with an optional point and at most two decimals "
                 "(no sign, separators, underscores, exponents or inner spaces): '{}'")

# (text as delivered, the amount loaded or the exact reason)
AMOUNTS = [
    ("12.00", D("12.00")),
    ("12", D("12.00")),
    ("12.5", D("12.50")),
    ("0.01", D("0.01")),
    ("00012.30", D("12.30")),                          # leading zeros are digits
    (" 12.00 ", D("12.00")),                           # trimmed first (no longer "more than 2 decimals")
    ("0.5 ", D("0.50")),
    ("9999999999999999.99", D("9999999999999999.99")),  # the largest amount below 10^16
    ("1_000.00", NOT_AN_AMOUNT.format("1_000.00")),    # Python-style digit separator
    ("1_000", NOT_AN_AMOUNT.format("1_000")),
    ("1,000.00", NOT_AN_AMOUNT.format("1,000.00")),    # thousands separator
    ("12,50", NOT_AN_AMOUNT.format("12,50")),          # decimal comma
    ("1 000.00", NOT_AN_AMOUNT.format("1 000.00")),    # inner space
    ("12 .00", NOT_AN_AMOUNT.format("12 .00")),
    ("1e3", NOT_AN_AMOUNT.format("1e3")),              # exponents
    ("1e-2", NOT_AN_AMOUNT.format("1e-2")),
    ("0.1E1", NOT_AN_AMOUNT.format("0.1E1")),
    ("+5", NOT_AN_AMOUNT.format("+5")),                # a plus sign is a sign
    ("0x10", NOT_AN_AMOUNT.format("0x10")),            # hexadecimal
    ("１２", NOT_AN_AMOUNT.format("１２")),              # full-width digits
    ("٣", NOT_AN_AMOUNT.format("٣")),                  # Arabic-Indic digit
    ("NaN", NOT_AN_AMOUNT.format("NaN")),
    ("inf", NOT_AN_AMOUNT.format("inf")),
    ("Infinity", NOT_AN_AMOUNT.format("Infinity")),
    ("$12.00", NOT_AN_AMOUNT.format("$12.00")),
    ("12.00 USD", NOT_AN_AMOUNT.format("12.00 USD")),
    ("(12.00)", NOT_AN_AMOUNT.format("(12.00)")),      # accountants' negative
    ("1.2.3", NOT_AN_AMOUNT.format("1.2.3")),
    ("--5", NOT_AN_AMOUNT.format("--5")),
    ("- 5", NOT_AN_AMOUNT.format("- 5")),
    ("5-", NOT_AN_AMOUNT.format("5-")),
    ("-12.", NOT_AN_AMOUNT.format("-12.")),
    ("12.00\t", NOT_AN_AMOUNT.format("12.00\t")),      # only spaces are trimmed, not a tab
    ("\u00a012.00", NOT_AN_AMOUNT.format("\u00a012.00")),  # nor a no-break space
    ("12.", "amount has a point without decimals (write two decimals, e.g. 12.00): '12.'"),
    (".5", "amount has no digit before the point (write e.g. 0.5): '.5'"),
    (".50", "amount has no digit before the point (write e.g. 0.50): '.50'"),
    ("12.345", "amount has more than 2 decimals: '12.345'"),
    ("-5.005", "amount has more than 2 decimals: '-5.005'"),
    ("10000000000000000", "amount is not below 10^16: '10000000000000000'"),
    ("10000000000000000.00", "amount is not below 10^16: '10000000000000000.00'"),
    ("99999999999999999999.00", "amount is not below 10^16: '99999999999999999999.00'"),
    ("-5", "amount must be > 0: '-5'"),                # a minus sign: non-positive
    (" -5.00 ", "amount must be > 0: '-5.00'"),
    ("-0.00", "amount must be > 0: '-0.00'"),
    ("-10000000000000000", "amount must be > 0: '-10000000000000000'"),
    ("0", "amount must be > 0: '0'"),
    ("0.00", "amount must be > 0: '0.00'"),
    ("", "missing required field amount"),
    ("   ", "missing required field amount"),          # spaces only: empty once trimmed
]

NOT_A_DATE = "posted_on is not an ISO date (YYYY-MM-DD): '{}'"
DATES = [
    ("2026-01-05", date(2026, 1, 5)),
    ("2026-01-05 ", date(2026, 1, 5)),
    (" 2026-01-31", date(2026, 1, 31)),
    ("2026-1-5", NOT_A_DATE.format("2026-1-5")),
    ("2026-01-5 ", NOT_A_DATE.format("2026-01-5")),   # one-digit day with a trailing space
    ("2026-1-05 ", NOT_A_DATE.format("2026-1-05")),
    ("2026/01/05", NOT_A_DATE.format("2026/01/05")),
    ("20260105", NOT_A_DATE.format("20260105")),
    ("2026-01-32", NOT_A_DATE.format("2026-01-32")),
    ("2026-02-30", NOT_A_DATE.format("2026-02-30")),
    ("2026-13-01", NOT_A_DATE.format("2026-13-01")),
    ("+2026-01-05", NOT_A_DATE.format("+2026-01-05")),
    ("-026-01-05", NOT_A_DATE.format("-026-01-05")),   # a year before Christ to DuckDB's cast
    ("0000-01-01", NOT_A_DATE.format("0000-01-01")),   # year 0000: not a calendar year
    ("2026-01-05T00:00", NOT_A_DATE.format("2026-01-05T00:00")),
    ("2026-01-05 00:00:00", NOT_A_DATE.format("2026-01-05 00:00:00")),
    ("２０２６-01-05", NOT_A_DATE.format("２０２６-01-05")),
    ("26-01-05", NOT_A_DATE.format("26-01-05")),
    ("05/01/2026", NOT_A_DATE.format("05/01/2026")),
    ("2026-Jan-05", NOT_A_DATE.format("2026-Jan-05")),
    ("2026-01-05\t", NOT_A_DATE.format("2026-01-05\t")),
    ("2025-12-31", "posted_on 2025-12-31 is outside the file's month 2026-01"),
    ("", "missing required field posted_on"),
    ("  ", "missing required field posted_on"),
]


def _file(fmt: str) -> str:
    return f"ledger/ledger_2026-01.{fmt}"


def _one_account(landing, fmt):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", opened="2025-06-01")], fmt)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_amounts(landing, fmt):
    _one_account(landing, fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry(f"E{i}", "A1", "2026-01-10", "fee", text) for i, (text, _) in enumerate(AMOUNTS)], fmt)
    con = landing.ingest()
    assert landing.rejected(con) == {(_file(fmt), i + 2): want for i, (_, want) in enumerate(AMOUNTS)
                                     if isinstance(want, str)}
    assert dict(con.execute("SELECT entry_id, amount FROM staging.ledger").fetchall()) == {
        f"E{i}": want for i, (_, want) in enumerate(AMOUNTS) if isinstance(want, D)}
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE entity = 'ledger'").fetchall() == [(50, 8, 42)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_dates(landing, fmt):
    _one_account(landing, fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry(f"E{i}", "A1", text, "fee", "1.00") for i, (text, _) in enumerate(DATES)], fmt)
    con = landing.ingest()
    assert landing.rejected(con) == {(_file(fmt), i + 2): want for i, (_, want) in enumerate(DATES)
                                     if isinstance(want, str)}
    assert dict(con.execute("SELECT entry_id, posted_on FROM staging.ledger").fetchall()) == {
        f"E{i}": want for i, (_, want) in enumerate(DATES) if isinstance(want, date)}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_field_is_trimmed_and_stored_trimmed(landing, fmt):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        [" A1 ", " cards-us ", " revolving ", " 2025-06-01", "", " USD ", " 1000.00 ", "", " NY ", " none "],
        ["A2", "cards-us", "installment", "2025-06-01", "  ", "EUR", "", "5000.00", "  ", "   "],
    ], fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        [" E1 ", " A1", "2026-01-10 ", " purchase ", " 10.00", "  ", "  "],         # line 2: loaded trimmed
        ["E1", "A1", "2026-01-11", "fee", "1.00", "", ""],                           # line 3: the same key
        [" E2", "A2 ", "2026-01-12", "due ", "50.00", " 2026-01-25 ", ""],           # line 4: loaded
        ["E3", "A1", "2026-01-12", " fee", "1.00", " 2026-01-25", ""],               # line 5: due_on on a fee
    ], fmt)
    con = landing.ingest()
    assert con.execute("SELECT * EXCLUDE (source_file, line_number, account_key) FROM staging.accounts "
                       "ORDER BY account_id").fetchall() == [
        ("A1", "cards-us", "revolving", date(2025, 6, 1), None, "USD", D("1000.00"), None, "NY", "none"),
        ("A2", "cards-us", "installment", date(2025, 6, 1), None, "EUR", None, D("5000.00"), None, "none")]
    assert con.execute("SELECT entry_id, account_id, posted_on, entry_type, amount, due_on, reverses_entry_id "
                       "FROM staging.ledger ORDER BY entry_id").fetchall() == [
        ("E1", "A1", date(2026, 1, 10), "purchase", D("10.00"), None, None),
        ("E2", "A2", date(2026, 1, 12), "due", D("50.00"), date(2026, 1, 25), None)]
    f = _file(fmt)
    assert landing.rejected(con) == {
        (f, 3): f"duplicate entry_id 'E1' (first loaded from {f} line 2)",
        (f, 5): "due_on must be empty for entry_type fee"}
    # the rejected-rows table keeps the row as read, spaces included
    raw = con.execute("SELECT raw FROM audit.rejected_rows WHERE line_number = 5").fetchall()[0][0]
    assert json.loads(raw)["entry_type"] == " fee"


def test_typed_parquet(landing):
    """A typed Parquet ledger: DATE and DECIMAL(38,2) are taken as they are (the decimal must still fit
    below 10^16); a DOUBLE amount and a TIMESTAMP posted_on are judged from their text; strings are
    trimmed."""
    _one_account(landing, "csv")
    landing.path.joinpath("ledger").mkdir()
    pl.DataFrame({
        "entry_id": ["E1", "E2", "E3", "E4", "E5"],
        "account_id": [" A1", "A1", "A1", "A1", "A1"],
        "posted_on": [date(2026, 1, 5)] * 5,
        "entry_type": ["fee ", "fee", "fee", "fee", "fee"],
        "amount": [D("12.00"), D("10000000000000000.00"), D("-1.00"), D("0.00"), D("9999999999999999.99")],
        "due_on": [None] * 5, "reverses_entry_id": [None] * 5,
    }, schema_overrides={"amount": pl.Decimal(38, 2), "due_on": pl.Date, "reverses_entry_id": pl.Utf8}
    ).write_parquet(landing.path / "ledger" / "ledger_2026-01.parquet")
    pl.DataFrame({
        "entry_id": ["F1", "F2", "F3", "F4", "F5"],
        "account_id": ["A1"] * 5,
        "posted_on": [date(2026, 2, 1), date(2026, 2, 2), date(2026, 2, 3), date(2026, 2, 4), date(2026, 2, 5)],
        "entry_type": ["fee"] * 5,
        "amount": [12.5, 12.345, 1e16, float("nan"), -5.0],
        "due_on": [None] * 5, "reverses_entry_id": [None] * 5,
    }, schema_overrides={"due_on": pl.Date, "reverses_entry_id": pl.Utf8}
    ).write_parquet(landing.path / "ledger" / "ledger_2026-02.parquet")
    pl.DataFrame({"entry_id": ["M1"], "account_id": ["A1"], "posted_on": [datetime(2026, 3, 1)],
                  "entry_type": ["fee"], "amount": [D("1.00")], "due_on": [None], "reverses_entry_id": [None]},
                 schema_overrides={"due_on": pl.Date, "reverses_entry_id": pl.Utf8}
                 ).write_parquet(landing.path / "ledger" / "ledger_2026-03.parquet")
    con = landing.ingest()
    jan, feb = "ledger/ledger_2026-01.parquet", "ledger/ledger_2026-02.parquet"
    assert landing.rejected(con) == {
        (jan, 3): "amount is not below 10^16: '10000000000000000.00'",
        (jan, 4): "amount must be > 0: '-1.00'",
        (jan, 5): "amount must be > 0: '0.00'",
        (feb, 3): "amount has more than 2 decimals: '12.345'",
        (feb, 4): NOT_AN_AMOUNT.format("1e+16"),  # DuckDB's text of the DOUBLE 1e16
        (feb, 5): NOT_AN_AMOUNT.format("nan"),
        (feb, 6): "amount must be > 0: '-5.0'",
        ("ledger/ledger_2026-03.parquet", 2): "posted_on is not an ISO date (YYYY-MM-DD): '2026-03-01 00:00:00'",
    }
    assert con.execute("SELECT entry_id, account_id, entry_type, amount FROM staging.ledger ORDER BY 1").fetchall() == [
        ("E1", "A1", "fee", D("12.00")), ("E5", "A1", "fee", D("9999999999999999.99")), ("F1", "A1", "fee", D("12.50"))]


def test_negative_limits_and_principals(landing):
    """credit_limit may be 0 but carries no sign: -0 is refused as not an amount, -5 as below 0."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1", credit_limit="0"),                          # line 2: ok, 0.00
        landing.account("A2", credit_limit="-0"),                         # line 3
        landing.account("A3", credit_limit="-5"),                         # line 4
        landing.account("A4", "installment", original_principal="-0"),   # line 5
        landing.account("A5", credit_limit="1e3"),                        # line 6
    ])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    con = landing.ingest()
    f = "accounts/accounts_2026-01.csv"
    assert landing.rejected(con) == {
        (f, 3): "credit_limit is not digits with an optional point and at most two decimals "
                "(no sign, separators, underscores, exponents or inner spaces): '-0'",
        (f, 4): "credit_limit must be >= 0: '-5'",
        (f, 5): "original_principal must be > 0: '-0'",
        (f, 6): "credit_limit is not digits with an optional point and at most two decimals "
                "(no sign, separators, underscores, exponents or inner spaces): '1e3'",
    }
    assert con.execute("SELECT account_id, credit_limit FROM staging.accounts").fetchall() == [("A1", D("0.00"))]


# ---- the cheap SQL formulations equal the contract's grammar -----------------------------------------
# rules.py tests values with contains/GLOB and one regular expression because they run on every ledger row.
# Each is compared here with a plain Python reading of the contract, over the tables above and every
# string of up to 4 characters from an alphabet of the characters that matter (plus a seeded sample of
# longer ones).

def _ref_trim(s: str) -> str:
    return s.strip(" ")


def _ref_amount(s: str) -> D | None:
    s = _ref_trim(s)
    if re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", s, re.ASCII) and D(s) < D(10) ** 16:
        return D(s).quantize(D("0.01"))
    return None


def _ref_date(s: str) -> date | None:
    s = _ref_trim(s)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s, re.ASCII):
        try:
            return date.fromisoformat(s)  # year 0001 on; no 02-30
        except ValueError:
            return None
    return None


def _tricky_strings() -> list[str]:
    alphabet = ["0", "1", "9", ".", "-", "+", " ", "e", "_", ",", "\t", "１", "a"]
    short = ["".join(p) for n in range(5) for p in itertools.product(alphabet, repeat=n)]
    rng = random.Random(20260105)
    longer = ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 22))) for _ in range(20000)]
    dates = [f"{y}-{m}-{d}" for y in ("2026", "0000", "0001", "9999", "202", "20266", " 2026", "2026 ")
             for m in ("01", "02", "1", "13", "00", " 1") for d in ("28", "29", "30", "31", "5", "00", "05 ")]
    tables = [t for t, _ in AMOUNTS + DATES]
    return short + longer + dates + tables + ["2024-02-29", "2023-02-29", "9999999999999999.99", "1" * 40]


def test_cheap_formulations_equal_the_contract_grammar():
    values = _tricky_strings()
    v = pa.table({"i": list(range(len(values))), "x": values})  # noqa: F841 (read by the SQL below)
    got = duckdb.connect().execute(f"""SELECT i, t, {parsed_amount('t')}, {parsed_date('t')}
        FROM (SELECT i, nullif({trimmed('x')}, '') AS t FROM v) ORDER BY i""").fetchall()
    assert len(got) == len(values)
    for (i, t, amount, day), s in zip(got, values):
        assert t == (_ref_trim(s) or None), repr(s)
        assert amount == _ref_amount(s), repr(s)
        assert day == _ref_date(s), repr(s)
