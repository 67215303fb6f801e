"""marts.roll_rate_averages: the monthly transition matrices of marts.roll_rates pooled over 3, 6 and 12 months."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import numpy as np

from assets.domain import OPEN_BUCKETS, TERMINAL_STATUSES

from .common import TO_PREVIOUS, create_money_table, in_months, row_order

WINDOWS = (3, 6, 12)
WEIGHTINGS = ("accounts", "balance")
KEYS = ("window_months", "weighting", "from_bucket", "to_bucket")


def build_roll_rate_averages(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.roll_rate_averages — the averaged transition matrix of each book: one row per month_end ×
    portfolio × currency × window_months × weighting × from_bucket × to_bucket with at least one account.

    The window of month m and length w (3, 6 or 12 months) is the marts.roll_rates months m−w+1 … m (each
    the later month of its pair m−1 → m); a book's window is averaged only when all w of its months have
    roll rates for that book, so a 12-month window first appears in the 13th reporting month.
    The average is pooled, not a mean of monthly rates: accounts = Σ accounts(from→to) over the window,
    from_accounts = Σ accounts(from→any); balance and from_balance the same sums of the balances at m−1.
    weighting `accounts`: rate = accounts / from_accounts; weighting `balance`: rate = balance /
    from_balance, and a from_bucket whose from_balance is 0 has no balance rows (unobserved by balance).
    Every from_bucket's rates sum to 1. These matrices drive the roll-rate loss forecast
    (marts.lifetime_loss_rates, marts.loss_projection). Reads marts.roll_rates of m−11 … m.
    A run over a range of reporting months rebuilds only those months' rows."""
    windows = ", ".join(str(w) for w in WINDOWS)
    return create_money_table(con, "marts.roll_rate_averages", f"""
        WITH ends AS (SELECT DISTINCT month_end, portfolio, currency FROM marts.roll_rates WHERE {in_months(months)}),
        src AS (
            SELECT e.month_end, e.portfolio, e.currency, w.window_months, r.month_end AS rate_month,
                   r.from_bucket, r.to_bucket, r.accounts, r.balance
            FROM ends e CROSS JOIN (SELECT unnest([{windows}]) AS window_months) w
            JOIN marts.roll_rates r ON r.portfolio = e.portfolio AND r.currency = e.currency
                 AND r.month_end <= e.month_end
                 AND r.month_end > last_day(e.month_end - to_months(w.window_months))),
        whole AS (  -- the windows all of whose months have roll rates for the book
            SELECT month_end, portfolio, currency, window_months FROM src GROUP BY ALL
            HAVING count(DISTINCT rate_month) = window_months),
        cells AS (
            SELECT month_end, portfolio, currency, window_months::INTEGER AS window_months, from_bucket, to_bucket,
                   sum(accounts)::BIGINT AS accounts, sum(balance) AS balance
            FROM src SEMI JOIN whole USING (month_end, portfolio, currency, window_months) GROUP BY ALL),
        framed AS (
            SELECT *, CAST(sum(accounts) OVER f AS BIGINT) AS from_accounts, sum(balance) OVER f AS from_balance
            FROM cells WINDOW f AS (PARTITION BY month_end, portfolio, currency, window_months, from_bucket))
        SELECT month_end, portfolio, currency, window_months, 'accounts' AS weighting, from_bucket, to_bucket,
               accounts, from_accounts, balance, from_balance, accounts / from_accounts AS rate
        FROM framed
        UNION ALL
        SELECT month_end, portfolio, currency, window_months, 'balance', from_bucket, to_bucket,
               accounts, from_accounts, balance, from_balance,
               CAST(balance AS DOUBLE) / CAST(from_balance AS DOUBLE)
        FROM framed WHERE from_balance <> 0""",
        {"balance": TO_PREVIOUS, "from_balance": TO_PREVIOUS}, keys=KEYS, order=row_order(KEYS), months=months)


# The chain's states: the open buckets (transient) in age order, then the absorbing charged_off, closed.
STATES = OPEN_BUCKETS + TERMINAL_STATUSES
_INDEX = {b: i for i, b in enumerate(STATES)}

Book = tuple[date, str, str, int, str]  # month_end, portfolio, currency, window_months, weighting


def averaged_matrices(con: duckdb.DuckDBPyConnection, months) -> Iterator[tuple[Book, np.ndarray, np.ndarray]]:
    """Each averaged matrix of marts.roll_rate_averages in `months` as (book, Q, R): Q the open → open
    block (8 × 8), R the open → (charged_off, closed) block (8 × 2), rows in OPEN_BUCKETS order. An open
    bucket with no row in the matrix (no account there in the window, or no balance when weighted by
    balance) gets the identity row: no evidence of movement, it stays where it is."""
    rows = con.execute(f"""
        SELECT month_end, portfolio, currency, window_months, weighting, from_bucket, to_bucket, rate
        FROM marts.roll_rate_averages WHERE {in_months(months)}
        ORDER BY month_end, portfolio, currency, window_months, weighting""").fetchall()
    n = len(OPEN_BUCKETS)
    book, p, seen = None, None, None
    for m, portfolio, currency, w, weighting, f, t, rate in rows:
        key = (m, portfolio, currency, w, weighting)
        if key != book:
            if book is not None:
                yield book, *_blocks(p, seen, n)
            book, p, seen = key, np.zeros((n, len(STATES))), np.zeros(n, dtype=bool)
        p[_INDEX[f], _INDEX[t]] = rate
        seen[_INDEX[f]] = True
    if book is not None:
        yield book, *_blocks(p, seen, n)


def _blocks(p: np.ndarray, seen: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    for i in np.flatnonzero(~seen):
        p[i, i] = 1.0
    return p[:, :n], p[:, n:]
