"""marts.complaints_by_bucket: complaints per 1,000 accounts by the delinquency bucket the account was in
the month before (definitions: docs/spec/metrics.md, Complaints; choices: docs/complaints.md)."""

from __future__ import annotations

import duckdb

from assets.domain import OPEN_BUCKETS
from assets.sql import sql_list

COMPLAINTS_BY_BUCKET_SQL = f"""
CREATE OR REPLACE TABLE marts.complaints_by_bucket AS
WITH previous AS (  -- each reporting month m with the accounts open at m-1 and their bucket then
    SELECT rm.month_end, am.account_id, am.bucket
    FROM staging.reporting_months rm
    JOIN marts.account_month am
      ON am.month_end = last_day(rm.month_end - INTERVAL 1 MONTH)
     AND am.status = 'open'
     AND am.bucket IN {sql_list(OPEN_BUCKETS)}
),
bucket_accounts AS (
    SELECT month_end, bucket, count(*) AS accounts FROM previous GROUP BY month_end, bucket
),
bucket_complaints AS (
    SELECT p.month_end, p.bucket, count(*) AS complaints
    FROM staging.complaints c
    JOIN previous p ON p.account_id = c.account_id AND p.month_end = last_day(c.received_on)
    GROUP BY p.month_end, p.bucket
)
SELECT k.month_end, CAST(k.bucket AS VARCHAR) AS bucket, k.complaints, a.accounts,
       1000.0 * k.complaints / a.accounts AS complaints_per_1000
FROM bucket_complaints k
JOIN bucket_accounts a ON a.month_end = k.month_end AND a.bucket = k.bucket
ORDER BY k.month_end, CAST(k.bucket AS VARCHAR)
"""


def build_complaints_by_bucket(con: duckdb.DuckDBPyConnection) -> int:
    """marts.complaints_by_bucket — one row per month_end × bucket with at least one complaint.

    For each reporting month m whose previous month end m-1 has `marts.account_month` rows, and each
    open bucket (`current` … `dpd_180_plus`): `accounts` = accounts open in that bucket at m-1;
    `complaints` = complaints received in m from those accounts; `complaints_per_1000` =
    complaints / accounts × 1,000. Rows only where `complaints` >= 1 (metrics.md: rows only where
    there is a complaint). Left out: complaints without account, complaints whose account had no row
    at m-1 or was charged off or closed then, and complaints received outside the reporting months
    or in the first reporting month (m-1 not observed).
    """
    con.execute(COMPLAINTS_BY_BUCKET_SQL)
    return con.execute("SELECT count(*) FROM marts.complaints_by_bucket").fetchall()[0][0]
