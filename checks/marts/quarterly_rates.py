"""Invariants of marts.quarterly_rates: each row recomputed from the marts it is built from (the quarter-end
row of marts.delinquency_rates, the quarter's three months of marts.charge_offs), and its `all` rows from
its portfolio rows."""

from checks.sql import Invariant

TABLE = "marts.quarterly_rates"
RATES = ("dq30_account_rate", "dq30_balance_rate", "dq90_account_rate", "dq90_balance_rate")
AMOUNTS = ("gross_charge_off", "recoveries", "net_charge_off")

# The quarter ends whose three months are all reporting months (the only month ends with rows).
_COMPLETE = """(SELECT r.month_end FROM staging.reporting_months r
                WHERE month(r.month_end) % 3 = 0
                  AND (SELECT count(*) FROM staging.reporting_months p
                       WHERE p.month_end BETWEEN last_day(r.month_end - INTERVAL 2 MONTH) AND r.month_end) = 3)"""
_KEY = "month_end, portfolio, currency"

INVARIANTS = [
    Invariant(
        TABLE, "month_end_is_a_whole_quarter",
        "Every row's month_end is the last month end of a calendar quarter (March, June, September, December) "
        "whose three months are all reporting months, and `quarter` names that quarter (`2026Q2`).",
        f"""SELECT {_KEY}, quarter FROM {TABLE}
            WHERE month_end NOT IN {_COMPLETE}
               OR quarter IS DISTINCT FROM strftime(month_end, '%Y') || 'Q' || quarter(month_end)"""),
    Invariant(
        TABLE, "quarter_end_is_the_delinquency_rates_row",
        "open_accounts, open_balance and the 30+ and 90+ rates of a row are those of the marts.delinquency_rates "
        "row of the same month end, portfolio and currency (0, 0.00 and no rates when the book had no open "
        "account then), and every such row of a whole quarter's last month end has its quarterly row.",
        f"""WITH d AS (SELECT * FROM marts.delinquency_rates WHERE month_end IN {_COMPLETE})
            SELECT {_KEY}, q.open_accounts, d.open_accounts AS dq_open_accounts, q.open_balance,
                   d.open_balance AS dq_open_balance, {', '.join(f'q.{r}, d.{r} AS dq_{r}' for r in RATES)}
            FROM {TABLE} q FULL JOIN d USING ({_KEY})
            WHERE q.month_end IS NULL
               OR q.open_accounts IS DISTINCT FROM coalesce(d.open_accounts, 0)
               OR q.open_balance IS DISTINCT FROM coalesce(d.open_balance, 0)
               OR {' OR '.join(f'q.{r} IS DISTINCT FROM d.{r}' for r in RATES)}"""),
    Invariant(
        TABLE, "charge_offs_are_the_quarter_sums",
        "gross_charge_off, recoveries and net_charge_off of a row are the sums of the quarter's three months of "
        "marts.charge_offs for the same portfolio and currency, and a book with a charge-off row in a whole "
        "quarter has its quarterly row.",
        f"""WITH c AS (
                SELECT last_day(date_trunc('quarter', month_end) + INTERVAL 2 MONTH) AS month_end, portfolio, currency,
                       {', '.join(f'sum({a}) AS {a}' for a in AMOUNTS)}
                FROM marts.charge_offs GROUP BY ALL)
            SELECT {_KEY}, {', '.join(f'q.{a}, c.{a} AS summed_{a}' for a in AMOUNTS)}
            FROM {TABLE} q FULL JOIN (SELECT * FROM c WHERE month_end IN {_COMPLETE}) c USING ({_KEY})
            WHERE q.month_end IS NULL
               OR {' OR '.join(f'q.{a} IS DISTINCT FROM coalesce(c.{a}, 0)' for a in AMOUNTS)}"""),
    Invariant(
        TABLE, "average_balance_and_annualised_rate",
        "average_balance is the mean of the open balances of marts.delinquency_rates at the quarter's three month "
        "ends (0.00 where the book had no open account), rounded to the cent half away from zero, and "
        "nco_rate_annualized = net_charge_off × 4 / average_balance (NULL when the average is 0).",
        f"""WITH b AS (
                SELECT q.month_end, q.portfolio, q.currency, q.average_balance, q.net_charge_off,
                       q.nco_rate_annualized, coalesce(sum(d.open_balance), 0) AS three_balances
                FROM {TABLE} q LEFT JOIN marts.delinquency_rates d
                  ON d.portfolio = q.portfolio AND d.currency = q.currency
                 AND d.month_end BETWEEN last_day(q.month_end - INTERVAL 2 MONTH) AND q.month_end
                GROUP BY ALL)
            SELECT {_KEY}, average_balance, three_balances, net_charge_off, nco_rate_annualized FROM b
            WHERE average_balance IS DISTINCT FROM round(three_balances / 3, 2)
               OR (average_balance = 0) <> (nco_rate_annualized IS NULL)
               OR abs(nco_rate_annualized - CAST(net_charge_off AS DOUBLE) * 4 / CAST(average_balance AS DOUBLE))
                  > 1e-12 * greatest(1, abs(nco_rate_annualized))"""),
    Invariant(
        TABLE, "all_is_the_sum_of_its_portfolios",
        "Each `all` row's open_accounts, open_balance, gross_charge_off, recoveries and net_charge_off equal the "
        "sums of the portfolio rows of the same quarter and currency (never of two currencies); its "
        "average_balance within half a cent per row summed (each row is rounded to the cent).",
        f"""WITH s AS (SELECT month_end, currency, count(*) AS n, sum(open_accounts) AS open_accounts,
                              sum(open_balance) AS open_balance, sum(average_balance) AS average_balance,
                              {', '.join(f'sum({a}) AS {a}' for a in AMOUNTS)}
                       FROM {TABLE} WHERE portfolio <> 'all' GROUP BY ALL),
                 a AS (SELECT * FROM {TABLE} WHERE portfolio = 'all')
            SELECT month_end, currency, {', '.join(f'a.{c} AS all_{c}, s.{c} AS portfolios_{c}' for c in
                                                  ('open_accounts', 'open_balance', 'average_balance', *AMOUNTS))}
            FROM a FULL JOIN s USING (month_end, currency)
            WHERE {' OR '.join(f'a.{c} IS DISTINCT FROM s.{c}' for c in ('open_accounts', 'open_balance', *AMOUNTS))}
               OR abs(a.average_balance - s.average_balance) > 0.005 * (s.n + 1)"""),
]
