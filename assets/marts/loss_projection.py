"""marts.loss_projection: the book's open balance run forward 12 months through its averaged roll rates."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from assets.domain import OPEN_BUCKETS

from .common import TO_DATE, create_money_table, in_months, row_order
from .markov import project
from .roll_rate_averages import averaged_matrices

MONTHS_AHEAD = 12
KEYS = ("window_months", "weighting", "months_ahead")
BALANCES = tuple(f"{b}_balance" for b in OPEN_BUCKETS)


def build_loss_projection(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.loss_projection — one row per month_end × portfolio × currency × window_months × weighting ×
    months_ahead (1 … 12): where the book's open balance at m goes in the next 12 months, with no new
    business (no new accounts, no new drawings, interest or fees: only the balance at m moves).

    The start vector v₀ is the open buckets' balances at m (marts.aging); v_k = v_{k−1} · P with P the
    book's averaged matrix (marts.roll_rate_averages, an open bucket with no row staying where it is).
    `<bucket>_balance` = v_k per open bucket; charge_off (closed) = the balance projected to roll from
    the open buckets into charged_off (closed) in month k, v_{k−1} · P[·, charged_off]; open_balance =
    Σ of the bucket balances; cumulative_charge_off = Σ charge_off of months 1 … k.
    projected_month_end = the month end k months after m. Every money cell is rounded to the cent half
    away from zero, so the balance is conserved within rounding: open_balance + Σ charge_off + Σ closed
    of months 1 … k = the open balance at m. Reads marts.roll_rate_averages and marts.aging of m.
    A run over a range of reporting months rebuilds only those months' rows."""
    start = {}
    for m, portfolio, currency, bucket, balance in con.execute(f"""
            SELECT month_end, portfolio, currency, bucket, CAST(balance AS DOUBLE) FROM marts.aging
            WHERE {in_months(months)} AND bucket IN ({', '.join(f"'{b}'" for b in OPEN_BUCKETS)})""").fetchall():
        start.setdefault((m, portfolio, currency), np.zeros(len(OPEN_BUCKETS)))[OPEN_BUCKETS.index(bucket)] = balance
    books, flows = [], []
    for book, q, r in averaged_matrices(con, months):
        balances, absorbed = project(start.get(book[:3], np.zeros(len(OPEN_BUCKETS))), q, r, MONTHS_AHEAD)
        books.extend([book] * MONTHS_AHEAD)
        flows.append(np.column_stack([np.arange(1, MONTHS_AHEAD + 1), balances, absorbed]))
    cells = np.vstack(flows) if flows else np.zeros((0, 1 + len(OPEN_BUCKETS) + 2))
    names = ["month_end", "portfolio", "currency", "window_months", "weighting"]
    types = [pa.date32(), pa.string(), pa.string(), pa.int32(), pa.string()]
    columns = [pa.array([b[i] for b in books], t) for i, t in enumerate(types)]
    columns.append(pa.array(cells[:, 0].astype(np.int32)))
    columns += [pa.array(cells[:, 1 + j]) for j in range(len(OPEN_BUCKETS) + 2)]
    con.register("_projection", pa.table(columns, names=[*names, "months_ahead", *BALANCES, "charge_off", "closed"]))
    try:
        return create_money_table(con, "marts.loss_projection", f"""
            WITH rounded AS (
                SELECT month_end, portfolio, currency, window_months, weighting, months_ahead,
                       last_day(month_end + to_months(months_ahead)) AS projected_month_end,
                       {', '.join(_cents(c) for c in (*BALANCES, 'charge_off', 'closed'))}
                FROM _projection)
            SELECT month_end, portfolio, currency, window_months, weighting, months_ahead, projected_month_end,
                   {', '.join(BALANCES)}, {' + '.join(BALANCES)} AS open_balance, charge_off, closed,
                   sum(charge_off) OVER (PARTITION BY month_end, portfolio, currency, window_months, weighting
                                         ORDER BY months_ahead) AS cumulative_charge_off
            FROM rounded""",
            {**{c: TO_DATE for c in BALANCES}, "open_balance": TO_DATE, "charge_off": TO_DATE, "closed": TO_DATE,
             "cumulative_charge_off": TO_DATE}, keys=KEYS, order=row_order(KEYS), months=months)
    finally:
        con.unregister("_projection")


def _cents(column: str) -> str:
    """Select item: the projected figure rounded to the cent half away from zero, as an exact decimal."""
    return f"CAST(round({column}, 2) AS DECIMAL(38,2)) AS {column}"
