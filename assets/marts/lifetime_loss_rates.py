"""marts.lifetime_loss_rates: the probability that a balance in each open bucket is eventually charged off."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from assets.domain import OPEN_BUCKETS

from .common import TO_DATE, create_money_table, in_months, row_order
from .markov import HORIZON_MONTHS, absorption
from .roll_rate_averages import averaged_matrices

KEYS = ("window_months", "weighting", "bucket")


def build_lifetime_loss_rates(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.lifetime_loss_rates — one row per month_end × portfolio × currency × window_months × weighting ×
    open bucket, for every averaged matrix of marts.roll_rate_averages.

    The averaged matrix is read as an absorbing chain: the eight open buckets transient, charged_off and
    closed absorbing; Q is its open → open block, R its open → absorbing block. For a bucket from which
    absorption is certain the lifetime probabilities are B = (I − Q)⁻¹ R (`horizon_months` NULL,
    `open_probability` 0). A bucket from which some reachable bucket is never left for charged_off or
    closed has no lifetime figure (I − Q is singular there): it gets the probabilities of being charged
    off or closed within 60 months, P⁶⁰, the rest `open_probability`, with `horizon_months` 60 and
    `horizon_limited` true. An open bucket with no row in the matrix (no account there in the window) is
    given the identity row (no evidence of movement: it stays), so it is horizon-limited with
    charge_off 0, closed 0, open 1, and the buckets that roll into it inherit the finite horizon.

    balance = the bucket's balance at m (marts.aging, 0 when it holds none); recovery_rate = Σ recoveries /
    Σ gross_charge_off of the book's marts.charge_offs over the reporting months among m−11 … m, clipped to
    [0, 1], 0 when nothing was charged off; expected_loss = balance × charge_off_probability ×
    (1 − recovery_rate), rounded to the cent half away from zero.
    A run over a range of reporting months rebuilds only those months' rows."""
    buckets = []
    for (m, portfolio, currency, w, weighting), q, r in averaged_matrices(con, months):
        a = absorption(q, r)
        for i, bucket in enumerate(OPEN_BUCKETS):
            buckets.append((m, portfolio, currency, w, weighting, bucket, float(a.charge_off[i]),
                            float(a.closed[i]), float(a.open[i]), bool(a.limited[i])))
    names = ("month_end", "portfolio", "currency", "window_months", "weighting", "bucket", "charge_off_probability",
             "closed_probability", "open_probability", "horizon_limited")
    types = (pa.date32(), pa.string(), pa.string(), pa.int32(), pa.string(), pa.string(), pa.float64(),
             pa.float64(), pa.float64(), pa.bool_())
    con.register("_lifetime", pa.table([pa.array([b[i] for b in buckets], t) for i, t in enumerate(types)],
                                       names=list(names)))
    try:
        return create_money_table(con, "marts.lifetime_loss_rates", f"""
            WITH recovery AS (
                SELECT e.month_end, e.portfolio, e.currency,
                       CASE WHEN sum(c.gross_charge_off) > 0
                            THEN least(greatest(sum(c.recoveries) / sum(c.gross_charge_off), 0), 1) ELSE 0 END
                           AS recovery_rate
                FROM (SELECT DISTINCT month_end, portfolio, currency FROM _lifetime) e
                LEFT JOIN marts.charge_offs c ON c.portfolio = e.portfolio AND c.currency = e.currency
                     AND c.month_end <= e.month_end AND c.month_end > last_day(e.month_end - INTERVAL 12 MONTH)
                GROUP BY ALL),
            rates AS (
                SELECT l.month_end, l.portfolio, l.currency, l.window_months, l.weighting, l.bucket,
                       coalesce(g.balance, 0) AS balance, l.charge_off_probability, l.closed_probability,
                       l.open_probability,
                       CASE WHEN l.horizon_limited THEN {HORIZON_MONTHS} END::INTEGER AS horizon_months,
                       l.horizon_limited, CAST(r.recovery_rate AS DOUBLE) AS recovery_rate
                FROM _lifetime l JOIN recovery r USING (month_end, portfolio, currency)
                LEFT JOIN marts.aging g ON g.month_end = l.month_end AND g.portfolio = l.portfolio
                     AND g.currency = l.currency AND g.bucket = l.bucket AND {in_months(months, 'g.month_end')})
            SELECT *, round(CAST(balance AS DOUBLE) * charge_off_probability * (1 - recovery_rate), 2) AS expected_loss
            FROM rates""",
            {"balance": TO_DATE, "expected_loss": TO_DATE}, keys=KEYS, order=row_order(KEYS), months=months)
    finally:
        con.unregister("_lifetime")
