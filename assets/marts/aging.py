"""marts.aging: how the book is spread across delinquency buckets at each month end."""

from datetime import date

import duckdb

from .common import PORTFOLIO, TO_DATE, by_portfolio, create_money_table, in_months


def build_aging(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.aging — one row per month_end × portfolio × currency × bucket (portfolio 'all' = the whole
    book in that currency; amounts in different currencies are never added).

    accounts = number of account-month rows in the bucket; balance = their balance at the month end;
    past_due_amount = their past-due amounts. Buckets are those of marts.account_month: the eight
    open DPD ranges and the terminal states charged_off / closed (an account appears in a terminal
    bucket once, at the month end it became terminal). Reads only marts.account_month; only buckets
    holding at least one account have a row. A sum that does not fit the money type stops the build
    (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    return create_money_table(con, "marts.aging", f"""
        SELECT month_end, {PORTFOLIO}, CAST(bucket AS VARCHAR) AS bucket, count(*) AS accounts,
               sum(balance) AS balance, sum(past_due_amount) AS past_due_amount
        FROM marts.account_month WHERE {in_months(months)}
        {by_portfolio("month_end, bucket")}""",
        {"balance": TO_DATE, "past_due_amount": TO_DATE}, keys=("bucket",), order="month_end, portfolio, currency, bucket", months=months)
