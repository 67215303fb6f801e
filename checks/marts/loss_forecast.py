"""Invariants of the roll-rate loss forecast marts (docs/spec/metrics.md, "Roll-rate loss forecast"): the laws of
the averaged matrices, the absorption probabilities, the reserve, the projection and the backtest."""

from assets.domain import OPEN_BUCKETS
from checks.sql import Invariant

_BALANCES = [f"{b}_balance" for b in OPEN_BUCKETS]
_BOOK = "month_end, portfolio, currency, window_months, weighting"

INVARIANTS = [
    Invariant(
        "marts.roll_rate_averages", "from_rows_sum_to_one",
        "Each (month, portfolio, currency, window, weighting, from_bucket) row of the averaged matrix sums to 1 "
        "(within 1e-9), and its from_accounts / from_balance are the sums of its cells.",
        f"""SELECT {_BOOK}, from_bucket, sum(rate) AS rate_sum, sum(accounts) AS accounts,
                   max(from_accounts) AS from_accounts, sum(balance) AS balance, max(from_balance) AS from_balance
            FROM marts.roll_rate_averages GROUP BY ALL
            HAVING abs(sum(rate) - 1) > 1e-9 OR sum(accounts) <> max(from_accounts) OR min(from_accounts) <> max(from_accounts)
                OR sum(balance) <> max(from_balance) OR min(from_balance) <> max(from_balance)"""),
    Invariant(
        "marts.lifetime_loss_rates", "probabilities_are_a_distribution",
        "Every probability lies in [0, 1] and charge_off + closed + open = 1 (within 1e-9) on every row; "
        "a lifetime row (horizon_months NULL) has open_probability 0 and horizon_limited false, a finite-horizon "
        "row horizon_months 60 and horizon_limited true.",
        """SELECT month_end, portfolio, currency, window_months, weighting, bucket, charge_off_probability,
                  closed_probability, open_probability, horizon_months, horizon_limited
           FROM marts.lifetime_loss_rates
           WHERE least(charge_off_probability, closed_probability, open_probability) < -1e-9
              OR greatest(charge_off_probability, closed_probability, open_probability) > 1 + 1e-9
              OR abs(charge_off_probability + closed_probability + open_probability - 1) > 1e-9
              OR (horizon_months IS NULL AND (open_probability <> 0 OR horizon_limited))
              OR (horizon_months IS NOT NULL AND (horizon_months <> 60 OR NOT horizon_limited))"""),
    Invariant(
        "marts.lifetime_loss_rates", "balance_matches_aging",
        "Each bucket's balance is its marts.aging balance of the month (0.00 when aging has no row), and every "
        "book has its eight open buckets.",
        """SELECT l.month_end, l.portfolio, l.currency, l.window_months, l.weighting, l.bucket, l.balance,
                  a.balance AS aging_balance, count(*) OVER b AS buckets
           FROM marts.lifetime_loss_rates l
           LEFT JOIN marts.aging a USING (month_end, portfolio, currency, bucket)
           WINDOW b AS (PARTITION BY l.month_end, l.portfolio, l.currency, l.window_months, l.weighting)
           QUALIFY l.balance <> coalesce(a.balance, 0) OR count(*) OVER b <> 8"""),
    Invariant(
        "marts.roll_rate_reserve", "reserve_is_the_sum_of_expected_losses",
        "open_balance = Σ of the buckets' balance exactly; reserve = Σ of the buckets' expected_loss within the "
        "rounding (half a cent per bucket and half a cent for the reserve itself).",
        f"""WITH b AS (SELECT {_BOOK}, sum(balance) AS balance, sum(expected_loss) AS expected_loss, count(*) AS n
                       FROM marts.lifetime_loss_rates GROUP BY ALL)
            SELECT r.{_BOOK.replace(', ', ', r.')}, r.open_balance, b.balance AS bucket_balance, r.reserve,
                   b.expected_loss AS bucket_expected_loss
            FROM marts.roll_rate_reserve r LEFT JOIN b USING ({_BOOK})
            WHERE b.balance IS NULL OR r.open_balance <> b.balance
               OR abs(r.reserve - b.expected_loss) > 0.005 * (b.n + 1)"""),
    Invariant(
        "marts.loss_projection", "conserves_balance",
        "On every row open_balance = Σ of the bucket balances and cumulative_charge_off = Σ charge_off of months "
        "1 … k exactly; and open_balance + Σ charge_off + Σ closed of months 1 … k = the open balance at m "
        "(marts.aging) within the rounding of each cent-rounded cell.",
        f"""WITH p AS (
                SELECT *, sum(charge_off) OVER k AS charged_so_far, sum(closed) OVER k AS closed_so_far
                FROM marts.loss_projection
                WINDOW k AS (PARTITION BY {_BOOK} ORDER BY months_ahead)),
            s AS (SELECT month_end, portfolio, currency, sum(balance) AS start_balance FROM marts.aging
                  WHERE bucket IN ({', '.join(f"'{b}'" for b in OPEN_BUCKETS)}) GROUP BY ALL)
            SELECT p.{_BOOK.replace(', ', ', p.')}, p.months_ahead, p.open_balance, p.cumulative_charge_off,
                   p.closed_so_far, coalesce(s.start_balance, 0) AS start_balance
            FROM p LEFT JOIN s USING (month_end, portfolio, currency)
            WHERE p.open_balance <> {' + '.join(f'p.{c}' for c in _BALANCES)}
               OR p.cumulative_charge_off <> p.charged_so_far
               OR abs(p.open_balance + p.charged_so_far + p.closed_so_far - coalesce(s.start_balance, 0))
                  > 0.005 * ({len(_BALANCES)} + 2 * p.months_ahead) + 0.005"""),
    Invariant(
        "marts.loss_backtest", "actual_is_charge_offs_and_projected_is_projection",
        "actual_charge_off equals marts.charge_offs.gross_charge_off of the month and book (0.00 where it has no "
        "row); projected_charge_off equals marts.loss_projection.charge_off of (forecast_month_end, months_ahead); "
        "forecast_month_end is months_ahead months before month_end; error = projected − actual.",
        f"""SELECT t.{_BOOK.replace(', ', ', t.')}, t.months_ahead, t.forecast_month_end, t.projected_charge_off,
                   p.charge_off AS projection_charge_off, t.actual_charge_off, c.gross_charge_off, t.error
            FROM marts.loss_backtest t
            LEFT JOIN marts.charge_offs c USING (month_end, portfolio, currency)
            LEFT JOIN marts.loss_projection p ON p.month_end = t.forecast_month_end AND p.portfolio = t.portfolio
                 AND p.currency = t.currency AND p.window_months = t.window_months AND p.weighting = t.weighting
                 AND p.months_ahead = t.months_ahead
            WHERE t.actual_charge_off <> coalesce(c.gross_charge_off, 0)
               OR p.charge_off IS NULL OR t.projected_charge_off <> p.charge_off
               OR t.forecast_month_end <> last_day(t.month_end - to_months(t.months_ahead))
               OR t.error <> t.projected_charge_off - t.actual_charge_off"""),
]
