"""marts.aging: how the book is spread across delinquency buckets at each month end."""

from datetime import date

import duckdb

from .common import (TO_DATE, account_rows, create_money_table, grouped, in_months, keys_of, portfolio_columns,
                     row_order)


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
    return _aging(con, "marts.aging", months, segmented=False)


def build_aging_by_segment(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.aging_by_segment — marts.aging per segment: one row per month_end × portfolio × currency ×
    segment × segment_value × bucket, the same figures over the account-months whose segment value
    (intermediate.account_segments, as of the month end) it is. segment is one of product_type, region,
    vintage_year, hardship_flag, limit_band; for each segment the rows of its values add up to the
    marts.aging row of the same month, portfolio, currency and bucket (docs/spec/metrics.md, "Segments").
    A run over a range of reporting months rebuilds only those months' rows."""
    return _aging(con, "marts.aging_by_segment", months, segmented=True)


def _aging(con: duckdb.DuckDBPyConnection, table: str, months, segmented: bool) -> int:
    keys = keys_of(segmented, "bucket")
    return create_money_table(con, table, f"""
        SELECT month_end, {portfolio_columns(segmented)}, CAST(bucket AS VARCHAR) AS bucket, count(*) AS accounts,
               sum(balance) AS balance, sum(past_due_amount) AS past_due_amount
        FROM {account_rows(segmented)} WHERE {in_months(months)}
        {grouped("month_end, bucket", segmented)}""",
        {"balance": TO_DATE, "past_due_amount": TO_DATE}, keys=keys, order=row_order(keys), months=months)
