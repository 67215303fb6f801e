"""The fx files (data-contract.md, "fx"): read like every other input (raw.fx, hashed in raw.files), every row
loaded into staging.fx_rates or rejected with its file, line and reason (audit.rejected_rows), counted in
audit.source_files. Each row below is one line of fx/fx_2026-01.csv with its outcome worked out by hand."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal as D

from assets.staging.audit import build_rejected_rows, build_source_files
from assets.staging.fx_rates import build_fx_rates

JAN = "fx/fx_2026-01.csv"
NOT_A_RATE = ("rate is not a decimal > 0 (digits with an optional point and at most 10 decimals, no sign, "
              "separators or exponents): '{}'")
ROWS = [  # (line, currency, rate, the rate loaded or the exact reason)
    (2, "CAD", "0.7312", D("0.7312")),
    (3, "EUR", "1.0850000001", D("1.0850000001")),  # 10 decimals: kept exactly
    (4, "GBP", "1.27000000001", "rate has more than 10 decimals: '1.27000000001'"),
    (5, "JPY", "0", "rate must be > 0: '0'"),
    (6, "Cad", "0.73", "currency is not an ISO 4217 code: 'Cad' (did you mean 'CAD'?)"),
    (7, "CHF", "-1.1", NOT_A_RATE.format("-1.1")),
    (8, "MXN", "0.05", "currency 'MXN' is listed 2 times in this file (lines 8, 9): which rate applies cannot be told"),
    (9, "MXN", "0.051", "currency 'MXN' is listed 2 times in this file (lines 8, 9): which rate applies cannot be told"),
    (10, "USD", "0.99", "rate of the reporting currency USD must be 1: '0.99'"),
    (11, "AUD", "", "missing required field rate"),
    (12, "SEK", "1e-1", NOT_A_RATE.format("1e-1")),
    (13, "NOK", "123456789", "rate is not below 10^8: '123456789'"),
    (14, "SGD", " 1.3500 ", D("1.35")),  # trimmed first
]


def test_every_fx_row_is_loaded_or_rejected_with_its_reason(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [landing.entry("E1", "A1", "2026-01-20", "purchase",
                                                                            "100.00")])
    landing.write_csv("fx", "2026-01", ["currency", "rate"], [[c, r] for _, c, r, _ in ROWS])
    landing.write_csv("fx", "2026-02", ["rate", "currency"], [["1.0", "USD"], ["0.7251", "CAD"]])  # USD at 1: loaded
    con = landing.ingest()  # raw.fx read with the other entities
    assert build_fx_rates(con, reporting_currency="USD") == {"rates": 5, "rejected": 10}
    build_rejected_rows(con)
    build_source_files(con)

    assert con.execute("SELECT month_end, currency, rate, source_file, line_number FROM staging.fx_rates "
                       "ORDER BY month_end, currency").fetchall() == [
        (date(2026, 1, 31), "CAD", D("0.7312"), JAN, 2), (date(2026, 1, 31), "EUR", D("1.0850000001"), JAN, 3),
        (date(2026, 1, 31), "SGD", D("1.35"), JAN, 14),
        (date(2026, 2, 28), "CAD", D("0.7251"), "fx/fx_2026-02.csv", 3),
        (date(2026, 2, 28), "USD", D("1"), "fx/fx_2026-02.csv", 2)]
    assert con.execute("SELECT line_number, reason FROM audit.rejected_rows WHERE entity = 'fx' "
                       "ORDER BY line_number").fetchall() == [(n, r) for n, _, _, r in ROWS if isinstance(r, str)]
    # hashed and counted like every input: rows read = loaded + rejected
    digest = hashlib.sha256((landing.path / JAN).read_bytes()).hexdigest()
    assert con.execute("SELECT entity, sha256, rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE source_file = ?", [JAN]).fetchall() == [("fx", digest, 13, 3, 10)]


def test_without_a_reporting_currency_a_usd_rate_is_not_judged(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    landing.write_csv("fx", "2026-01", ["currency", "rate"], [["USD", "0.99"]])
    con = landing.ingest()
    assert build_fx_rates(con) == {"rates": 1, "rejected": 0}
