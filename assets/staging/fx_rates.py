"""staging.fx_rates: the lender's month-end exchange rates (fx/fx_YYYY-MM.csv), typed and checked."""

from __future__ import annotations

import duckdb

from assets.raw.contract import RATE_TYPE
from assets.sql import sql_literal

from .rejects import add_rejects, save_rejects, survivors, type_rows


def build_fx_rates(con: duckdb.DuckDBPyConnection, reporting_currency: str = "") -> dict[str, int]:
    """staging.fx_rates — one row per month_end × currency of the fx files (data-contract.md, "fx"):
    `rate` = units of the reporting currency for one unit of `currency` at that month end, exactly as
    delivered (DECIMAL(18,10)), with the file and line it came from. Built with it:
    staging.fx_rejected (rows breaking a rule, with the reason; also in audit.rejected_rows).

    Rules: currency an ISO 4217 code; rate digits with an optional point and at most 10 decimals,
    > 0 and below 10^8 (no sign, separators or exponents); a currency at most once per file (every row
    of a currency listed twice is rejected: which of two rates is the lender's cannot be told); and,
    when a reporting currency is set (arrears run --reporting-currency), a rate for that currency itself
    must be exactly 1 (one unit of it is one unit of it: any other rate is a wrong file, rejected). The
    month of a rate is the month of its file. The rates are read by the converted marts
    (marts.*_converted); without a rate for a currency and month nothing in that currency is converted."""
    type_rows(con, "fx")
    add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    add_rejects(con, """
        SELECT source_file, line_number,
               'currency ''' || currency || ''' is listed ' || n || ' times in this file (lines '
               || lines || '): which rate applies cannot be told'
        FROM (SELECT source_file, line_number, currency, count(*) OVER w AS n,
                     string_agg(line_number::VARCHAR, ', ') OVER (w ORDER BY line_number
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lines
              FROM _typed WHERE reason IS NULL WINDOW w AS (PARTITION BY source_file, currency))
        WHERE n > 1""")
    if reporting_currency:
        add_rejects(con, f"""
            SELECT t.source_file, t.line_number,
                   'rate of the reporting currency ' || t.currency || ' must be 1: ''' || r.rate || ''''
            FROM _typed t JOIN raw.fx r USING (source_file, line_number)
            WHERE {survivors(con)} AND t.currency = {sql_literal(reporting_currency)} AND t.rate <> 1""")
    con.execute(f"""CREATE OR REPLACE TABLE staging.fx_rates AS
        SELECT last_day(file_month) AS month_end, currency, CAST(rate AS {RATE_TYPE}) AS rate,
               source_file, line_number
        FROM _typed t WHERE {survivors(con)}
        ORDER BY month_end, currency""")
    rejected = save_rejects(con, "fx")
    con.execute("DROP TABLE _typed")
    return {
        "rates": con.execute("SELECT count(*) FROM staging.fx_rates").fetchall()[0][0],
        "rejected": rejected,
    }
