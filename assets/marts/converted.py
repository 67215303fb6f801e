"""marts.*_converted: the money marts' figures converted into the reporting currency at the lender's
month-end rates (staging.fx_rates), in tables of their own, apart from the native figures.

How each column converts is declared once, below (`CONVERTED`: table → column → rule), and one builder
per table is generated from it (`builder`). The rules (docs/spec/metrics.md, "Converted figures"):

* every figure of a row with month_end m is converted at the rate of m (the month-end rate of the
  month the row reports), so the roll-forward still foots in the converted row;
* a converted row is built from the native rows of the same month_end, portfolio and keys in every
  currency that has a rate for m (the reporting currency itself has rate 1): `portfolio = 'all'` is the
  native 'all' rows of those currencies, so it never re-runs a mart over converted accounts;
* COUNT: summed over the currencies;
* MONEY: Σ native × rate in exact DECIMAL arithmetic, rounded to the cent half away from zero once,
  at the end;
* BALANCING: a money figure computed from the row's other converted figures so that the row foots
  (roll_forward.opening_balance, charge_offs.net_charge_off); it can differ from its own native figure
  × rate by the rounding of the figures it is computed from (at most a cent per figure);
* WEIGHTED(w): a rate averaged over the currencies weighted by its denominator w (a count as it is, a
  money figure converted at the rate: balance_rate weighted by the converted from-bucket balance);
  currencies whose rate is NULL are left out, NULL when every one is;
* SHARE(column, key): the converted figure over its sum across the rows of the same month_end,
  portfolio and key (roll rates: the from-bucket);
* RATIO(num, den): recomputed from the converted figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from assets.sql import sql_literal

from .common import MONEY, MONEY_LIMIT, in_months, write_months

COUNT, MONEY_RULE, BALANCING, WEIGHTED, SHARE, RATIO = "count", "money", "balancing", "weighted", "share", "ratio"


@dataclass(frozen=True)
class Rule:
    kind: str
    arg: str = ""  # BALANCING: the expression; WEIGHTED: the weight column; SHARE, RATIO: the numerator
    den: str = ""  # RATIO: the denominator; SHARE: the key whose rows (with month_end, portfolio) the share is of


count, money = Rule(COUNT), Rule(MONEY_RULE)


def weighted(weight: str) -> Rule:
    return Rule(WEIGHTED, weight)


@dataclass(frozen=True)
class Converted:
    """One converted table: the native mart it converts, the native keys besides month_end, portfolio and
    currency, and each value column's rule, in the native column order."""
    native: str
    keys: tuple[str, ...]
    columns: dict[str, Rule]

    @property
    def name(self) -> str:
        return f"{self.native}_converted"


DQ = {f"dq{n}_{k}_rate": weighted("open_accounts" if k == "account" else "open_balance")
      for n in (30, 60, 90) for k in ("account", "balance")}

CONVERTED: dict[str, Converted] = {c.name: c for c in (
    Converted("marts.aging", ("bucket",), {"accounts": count, "balance": money, "past_due_amount": money}),
    Converted("marts.roll_rates", ("from_bucket", "to_bucket"), {
        "accounts": count, "balance": money,
        "account_rate": Rule(SHARE, "accounts", "from_bucket"), "balance_rate": Rule(SHARE, "balance", "from_bucket")}),
    Converted("marts.cure_rates", ("from_bucket",), {
        "accounts": count, "balance": money, "cured_accounts": count,
        "cure_rate": Rule(RATIO, "cured_accounts", "accounts"), "balance_cure_rate": weighted("balance"),
        "cured_within_3m_rate": weighted("accounts"), "redefault_6m_rate": weighted("cured_accounts")}),
    Converted("marts.delinquency_rates", (), {
        "open_accounts": count, "open_balance": money,
        **{k: DQ[k] for n in (30, 60, 90) for k in (f"dq{n}_account_rate", f"dq{n}_balance_rate")}}),
    Converted("marts.charge_offs", (), {
        "gross_charge_off": money, "recoveries": money,
        "net_charge_off": Rule(BALANCING, "gross_charge_off - recoveries"),
        "average_balance": money,
        "nco_rate_annualized": Rule(RATIO, "net_charge_off * 12", "average_balance")}),
    Converted("marts.roll_forward", (), {
        "opening_balance": Rule(BALANCING, "closing_balance + credits + charge_offs - debits + difference"),
        "debits": money, "credits": money, "charge_offs": money, "closing_balance": money, "difference": money}),
)}
# The columns every converted table adds after the native ones.
EXTRA_COLUMNS = ("converted_from", "fx_rates", "not_converted")


def rates_sql(reporting_currency: str) -> str:
    """SELECT month_end, currency, rate, source_file: the fx rates of every reporting month, and the
    reporting currency at rate 1 where no file lists it (source_file NULL). Empty when no reporting
    currency is set: nothing is converted."""
    rc = sql_literal(reporting_currency)
    return f"""SELECT month_end, currency, rate, source_file FROM staging.fx_rates WHERE {rc} <> ''
        UNION ALL
        SELECT month_end, {rc}, 1, NULL FROM staging.reporting_months m
        WHERE {rc} <> '' AND NOT EXISTS (SELECT 1 FROM staging.fx_rates f
                                         WHERE f.month_end = m.month_end AND f.currency = {rc})"""


def rate_text(rate: str) -> str:
    """SQL: the rate as written, without trailing zeros (0.7312000000 → 0.7312, 1.0000000000 → 1)."""
    return f"rtrim(rtrim(CAST({rate} AS VARCHAR), '0'), '.')"


def converted_sql(table: Converted, reporting_currency: str, months=None) -> str:
    """The SELECT of one converted table's rows (see the module)."""
    rules, keys = table.columns, table.keys
    group = ", ".join(("month_end", "portfolio", *keys))

    def weight(col: str) -> str:
        return f"CAST({col} * _rate AS DOUBLE)" if rules[col].kind == MONEY_RULE else f"CAST({col} AS DOUBLE)"

    summed = []
    for col, r in rules.items():
        if r.kind == COUNT:
            summed.append(f"CAST(sum({col}) AS BIGINT) AS {col}")  # a count, as the native mart's
        elif r.kind == MONEY_RULE:
            summed.append(f"round(sum({col} * _rate), 2) AS {col}")
        elif r.kind == WEIGHTED:
            summed.append(f"sum({col} * {weight(r.arg)}) FILTER (WHERE {col} IS NOT NULL) "
                          f"/ nullif(sum({weight(r.arg)}) FILTER (WHERE {col} IS NOT NULL), 0) AS {col}")
    balancing = [f"{r.arg} AS {c}" for c, r in rules.items() if r.kind == BALANCING]
    derived = [f"CAST({r.arg} AS DOUBLE) / nullif(CAST({r.den} AS DOUBLE), 0) AS {c}" if r.kind == RATIO else
               f"CAST({r.arg} AS DOUBLE) / nullif(CAST(sum({r.arg}) OVER (PARTITION BY month_end, portfolio, {r.den}) "
               f"AS DOUBLE), 0) AS {c}"
               for c, r in rules.items() if r.kind in (RATIO, SHARE)]
    files = "coalesce(' (' || _fx_file || ')', '')"
    return f"""
        WITH rates AS ({rates_sql(reporting_currency)}),
        native AS (SELECT * FROM {table.native} WHERE {in_months(months)}),
        joined AS (SELECT n.*, r.rate AS _rate, r.source_file AS _fx_file
                   FROM native n JOIN rates r USING (month_end, currency)),
        missing AS (SELECT month_end, portfolio, string_agg(DISTINCT currency, ', ' ORDER BY currency) AS not_converted
                    FROM native n ANTI JOIN rates r USING (month_end, currency) GROUP BY month_end, portfolio),
        summed AS (
            SELECT {group}, {', '.join(summed)},
                   string_agg(DISTINCT currency, ', ' ORDER BY currency) AS converted_from,
                   string_agg(DISTINCT currency || ' ' || {rate_text('_rate')} || {files}, '; '
                              ORDER BY currency || ' ' || {rate_text('_rate')} || {files}) AS fx_rates
            FROM joined GROUP BY {group}),
        balanced AS (SELECT *{''.join(', ' + b for b in balancing)} FROM summed),
        derived AS (SELECT *{''.join(', ' + d for d in derived)} FROM balanced)
        SELECT month_end, portfolio, {sql_literal(reporting_currency)} AS currency,
               {''.join(k + ', ' for k in keys)}{', '.join(rules)},
               converted_from, fx_rates, m.not_converted
        FROM derived LEFT JOIN missing m USING (month_end, portfolio)"""


def build_converted(con: duckdb.DuckDBPyConnection, name: str, reporting_currency: str = "",
                    months: tuple[date, date] | None = None) -> int:
    """Write the converted table `name` (its rows of `months`); see the module and the builders below."""
    table = CONVERTED[name]
    money_cols = [c for c, r in table.columns.items() if r.kind in (MONEY_RULE, BALANCING)]
    scratch = "_conv_" + name.replace(".", "_")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {scratch} AS {converted_sql(table, reporting_currency, months)}")
        for col in money_cols:
            bad = con.execute(f"SELECT month_end, portfolio, {col} FROM {scratch} WHERE abs({col}) >= {MONEY_LIMIT} "
                              "ORDER BY month_end, portfolio LIMIT 1").fetchone()
            if bad:
                raise ValueError(f"{name}: portfolio {bad[1]}, month ending {bad[0]}: {col} {bad[2]} converted into "
                                 f"{reporting_currency} does not fit {MONEY}, the output contract's money type")
        cast = ", ".join(f"CAST({c} AS {MONEY}) AS {c}" for c in money_cols)
        write_months(con, name, f"SELECT * REPLACE ({cast}) FROM {scratch}", months,
                     ", ".join(("month_end", "portfolio", *table.keys)))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {scratch}")
    return con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]


def builder(name: str):
    """The builder of one converted table, with the docstring the Dagster UI shows for it."""
    table = CONVERTED[name]

    def build(con: duckdb.DuckDBPyConnection, reporting_currency: str = "",
              months: tuple[date, date] | None = None) -> int:
        return build_converted(con, name, reporting_currency, months)

    rules = "; ".join(f"{c}: {r.kind}" + (f" ({r.arg}{' / ' + r.den if r.den else ''})" if r.arg else "")
                      for c, r in table.columns.items())
    build.__name__ = f"build_{name.split('.')[1]}"
    build.__doc__ = f"""{name} — the figures of {table.native} converted into the reporting currency (arrears
run --reporting-currency) at the lender's month-end rates (staging.fx_rates): same columns and keys, with
currency = the reporting currency, plus converted_from (the source currencies of the row, sorted),
fx_rates (every rate applied, with its file) and not_converted (the portfolio's currencies left out that
month for want of a rate; NULL when none). Kept apart from the native figures, so a native row and a
converted row never share a key.

Every figure of month m is converted at the rate of m; a row sums the native rows of every currency
with a rate (the reporting currency at 1); 'all' = the native 'all' rows of those currencies. Money:
Σ native × rate, exact, rounded to the cent half away from zero once; counts summed; rates recomputed
from the converted figures or weighted by their denominator. Per column: {rules}.
Empty when no reporting currency is set. A run over a range of reporting months rebuilds only those
months' rows."""
    return build


BUILDERS = {name: builder(name) for name in CONVERTED}
