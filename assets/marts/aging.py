"""marts.aging: how the book is spread across delinquency buckets at each month end."""

import duckdb

from .common import PORTFOLIO, by_portfolio


def build_aging(con: duckdb.DuckDBPyConnection) -> int:
    """marts.aging — one row per month_end × portfolio × bucket (portfolio 'all' = the whole book).

    accounts = number of account-month rows in the bucket; balance = their balance at the month end;
    past_due_amount = their past-due amounts. Buckets are those of marts.account_month: the eight
    open DPD ranges and the terminal states charged_off / closed (an account appears in a terminal
    bucket once, at the month end it became terminal). Reads only marts.account_month; only buckets
    holding at least one account have a row."""
    con.execute(f"""CREATE OR REPLACE TABLE marts.aging AS
        SELECT month_end, {PORTFOLIO}, CAST(bucket AS VARCHAR) AS bucket, count(*) AS accounts,
               CAST(sum(balance) AS DECIMAL(18,2)) AS balance,
               CAST(sum(past_due_amount) AS DECIMAL(18,2)) AS past_due_amount
        FROM marts.account_month
        {by_portfolio("month_end, bucket")}
        ORDER BY month_end, portfolio, bucket""")
    return con.execute("SELECT count(*) FROM marts.aging").fetchall()[0][0]
