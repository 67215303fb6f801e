"""The laws of marts.vintage_curves (docs/spec/metrics.md, "Vintage curves"): cumulative figures never fall as a
vintage ages, the pools add up to the accounts opened in the reporting range, 'all' is the sum of its portfolios."""

from checks.sql import Invariant

TABLE = "marts.vintage_curves"
_POOL = "portfolio, currency, vintage"
_PREVIOUS = f"WINDOW w AS (PARTITION BY {_POOL} ORDER BY months_on_book)"

INVARIANTS = [
    Invariant(TABLE, "cumulative_figures_never_fall",
              "Within a vintage (portfolio, currency), from one age to the next: ever_30_accounts, "
              "ever_60_accounts, ever_90_accounts, cum_gross_charge_off and cum_recoveries never fall, and "
              "accounts and origination_exposure stay the same (a static pool).",
              f"""SELECT * FROM (
                    SELECT month_end, {_POOL}, months_on_book, ever_30_accounts, lag(ever_30_accounts) OVER w AS prev_30,
                           ever_60_accounts, lag(ever_60_accounts) OVER w AS prev_60,
                           ever_90_accounts, lag(ever_90_accounts) OVER w AS prev_90,
                           cum_gross_charge_off, lag(cum_gross_charge_off) OVER w AS prev_gross,
                           cum_recoveries, lag(cum_recoveries) OVER w AS prev_recoveries,
                           accounts, lag(accounts) OVER w AS prev_accounts,
                           origination_exposure, lag(origination_exposure) OVER w AS prev_exposure
                    FROM {TABLE} {_PREVIOUS})
                 WHERE ever_30_accounts < prev_30 OR ever_60_accounts < prev_60 OR ever_90_accounts < prev_90
                    OR cum_gross_charge_off < prev_gross OR cum_recoveries < prev_recoveries
                    OR accounts <> prev_accounts OR origination_exposure <> prev_exposure"""),
    Invariant(TABLE, "ever_30_at_least_ever_60_at_least_ever_90",
              "On every row accounts >= ever_30_accounts >= ever_60_accounts >= ever_90_accounts (an account at "
              "dpd 90 or more was at dpd 30 and 60 or more; a charge-off counts in all three).",
              f"""SELECT month_end, {_POOL}, months_on_book, accounts, ever_30_accounts, ever_60_accounts, ever_90_accounts
                  FROM {TABLE}
                  WHERE NOT (accounts >= ever_30_accounts AND ever_30_accounts >= ever_60_accounts
                             AND ever_60_accounts >= ever_90_accounts)"""),
    Invariant(TABLE, "ages_are_contiguous_month_ends",
              "month_end = last_day(vintage + months_on_book months), and each vintage has one row at every age "
              "from 0 to its latest month end (as many rows as ages).",
              f"""SELECT month_end, {_POOL}, months_on_book, NULL::BIGINT AS ages, NULL::BIGINT AS rows FROM {TABLE}
                  WHERE month_end <> last_day(CAST(vintage || '-01' AS DATE) + to_months(months_on_book))
                  UNION ALL
                  SELECT max(month_end), {_POOL}, NULL, max(months_on_book) + 1, count(*) FROM {TABLE}
                  GROUP BY {_POOL} HAVING count(*) <> max(months_on_book) + 1 OR min(months_on_book) <> 0"""),
    Invariant(TABLE, "pools_are_the_accounts_opened_in_range",
              "At age 0 the vintages' accounts add up, per portfolio and currency (and 'all' per currency), to "
              "the accounts of staging.accounts opened in a reporting month (older accounts are left out).",
              f"""WITH opened AS (
                    SELECT coalesce(portfolio, 'all') AS portfolio, currency, count(*) AS accounts
                    FROM staging.accounts
                    WHERE last_day(opened_on) IN (SELECT month_end FROM staging.reporting_months)
                    GROUP BY GROUPING SETS ((portfolio, currency), (currency))),
                  pooled AS (SELECT portfolio, currency, sum(accounts) AS accounts FROM {TABLE}
                             WHERE months_on_book = 0 GROUP BY ALL)
                  SELECT portfolio, currency, o.accounts AS opened_in_range, p.accounts AS in_vintages
                  FROM opened o FULL JOIN pooled p USING (portfolio, currency)
                  WHERE o.accounts IS DISTINCT FROM p.accounts"""),
    Invariant(TABLE, "all_is_the_sum_of_its_portfolios",
              "Each 'all' row equals the sum of the portfolio rows of its currency, vintage and age (every count "
              "and amount; the rates are recomputed from the sums).",
              f"""WITH s AS (
                    SELECT month_end, currency, vintage, months_on_book, sum(accounts) AS accounts,
                           sum(origination_exposure) AS origination_exposure, sum(ever_30_accounts) AS ever_30_accounts,
                           sum(ever_60_accounts) AS ever_60_accounts, sum(ever_90_accounts) AS ever_90_accounts,
                           sum(cum_gross_charge_off) AS cum_gross_charge_off, sum(cum_recoveries) AS cum_recoveries,
                           sum(cum_net_loss) AS cum_net_loss, sum(open_accounts) AS open_accounts,
                           sum(open_balance) AS open_balance
                    FROM {TABLE} WHERE portfolio <> 'all' GROUP BY ALL),
                  a AS (SELECT * FROM {TABLE} WHERE portfolio = 'all')
                  SELECT month_end, currency, vintage, months_on_book, a.accounts AS all_accounts, s.accounts AS sum_accounts,
                         a.cum_net_loss AS all_cum_net_loss, s.cum_net_loss AS sum_cum_net_loss
                  FROM a FULL JOIN s USING (month_end, currency, vintage, months_on_book)
                  WHERE a.accounts IS DISTINCT FROM s.accounts
                     OR a.origination_exposure IS DISTINCT FROM s.origination_exposure
                     OR a.ever_30_accounts IS DISTINCT FROM s.ever_30_accounts
                     OR a.ever_60_accounts IS DISTINCT FROM s.ever_60_accounts
                     OR a.ever_90_accounts IS DISTINCT FROM s.ever_90_accounts
                     OR a.cum_gross_charge_off IS DISTINCT FROM s.cum_gross_charge_off
                     OR a.cum_recoveries IS DISTINCT FROM s.cum_recoveries
                     OR a.cum_net_loss IS DISTINCT FROM s.cum_net_loss
                     OR a.open_accounts IS DISTINCT FROM s.open_accounts
                     OR a.open_balance IS DISTINCT FROM s.open_balance
                     OR abs(a.ever_30_rate - a.ever_30_accounts / a.accounts) > 1e-12
                     OR abs(a.ever_90_rate - a.ever_90_accounts / a.accounts) > 1e-12"""),
]
