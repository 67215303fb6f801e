"""marts.complaint_metrics: complaints per month, portfolio and issue group, with their response figures.

Definitions: docs/spec/metrics.md (Complaints); columns: docs/spec/outputs.md; every choice the spec
leaves open is written down in docs/complaints.md and repeated, briefly, in the SQL comments.

Inputs (``docs/architecture.md``): ``staging.complaints`` (one row per complaint, latest version, with
``issue_group``), ``marts.account_month`` (portfolio, status, dpd and bucket of every account at every
reporting month end) and ``staging.reporting_months``. One set-based statement, which replaces the
table.

Conventions used below
- ``month_end`` of a complaint = last day of the month of ``received_on``.
- ``L`` = the latest reporting month end. Response and closure are judged *as of L*: a complaint
  counts as answered (closed) when ``responded_on`` (``closed_on``) is on or before L.
- A complaint's portfolio is the portfolio of its account's ``marts.account_month`` row at the
  complaint's month end; when the account has no row then, its latest earlier row, else its earliest
  later row. A complaint without account, or whose account has no row at all, has no portfolio and is
  counted only under portfolio ``all``.
- Dates the data does not give (CFPB imports, and any lender row like them): a complaint whose
  ``company_response`` is one of the three ``Closed with …`` values but whose ``closed_on`` is NULL is
  *closed, date unknown*; one whose ``company_response`` is not ``In progress`` but whose
  ``responded_on`` is NULL is *answered, date unknown* (closed implies answered). Such complaints are
  left out of the figures that need the missing date instead of being counted as late or still open
  (``Untimely response`` excepted: known not timely), and the extra columns ``dates_unknown`` and
  ``backlog_unknown`` show how many there are.
"""

from __future__ import annotations

import duckdb

from assets.sql import sql_list, sql_literal
from assets.staging.issue_groups import conduct_sql

#: Calendar days within which an answer is timely (metrics.md) and the closure window reported.
TIMELY_DAYS = 15
CLOSE_WITHIN_DAYS = 60
REPEAT_LOOKBACK_DAYS = 365

#: company_response values that say the complaint is closed (the contract's enum; "In progress" and
#: "Untimely response" do not). With closed_on NULL they mean "closed, date unknown".
CLOSED_RESPONSES = ("Closed with explanation", "Closed with non-monetary relief", "Closed with monetary relief")
IN_PROGRESS = "In progress"
UNTIMELY = "Untimely response"

COMPLAINT_METRICS_SQL = f"""
CREATE OR REPLACE TABLE marts.complaint_metrics AS
WITH latest AS (
    SELECT max(month_end) AS l FROM staging.reporting_months
),
complaint AS (
    SELECT c.complaint_id, c.account_id, c.received_on, c.responded_on, c.closed_on,
           c.issue_group AS complaint_group,
           last_day(c.received_on) AS month_end,
           -- closed, date unknown: the response says closed but there is no closed_on
           coalesce(c.company_response IN {sql_list(CLOSED_RESPONSES)}
                    AND c.closed_on IS NULL, false) AS closed_unknown,
           -- answered, date unknown: any response but 'In progress' without responded_on
           coalesce(c.company_response <> {sql_literal(IN_PROGRESS)} AND c.responded_on IS NULL, false) AS answered_unknown,
           coalesce(c.company_response = {sql_literal(UNTIMELY)}, false) AS untimely_response
    FROM staging.complaints c
),
complaint_portfolio AS (  -- the account's row at the complaint's month end, else the nearest: earlier first
    SELECT c.complaint_id, am.portfolio
    FROM complaint c
    JOIN marts.account_month am ON am.account_id = c.account_id
    QUALIFY row_number() OVER (
        PARTITION BY c.complaint_id
        ORDER BY am.month_end > c.month_end, abs(am.month_end - c.month_end)) = 1
),
flagged AS (
    SELECT c.*,
           p.portfolio AS account_portfolio,
           -- timeliness: left out when answered at an unknown date (we cannot tell whether in time),
           -- except 'Untimely response' (known not timely: always in, never in the numerator); else
           -- left out only when unanswered at L with its 15 days not yet run out at L
           CASE WHEN c.answered_unknown THEN c.untimely_response
                ELSE NOT ((c.responded_on IS NULL OR c.responded_on > latest.l)
                          AND c.received_on + {TIMELY_DAYS} > latest.l)
           END AS timely_eligible,
           -- 60-day closure: left out when closed at an unknown date; else the same rule with closed_on
           -- and 60 days
           NOT c.closed_unknown
               AND NOT ((c.closed_on IS NULL OR c.closed_on > latest.l)
                        AND c.received_on + {CLOSE_WITHIN_DAYS} > latest.l) AS close_eligible,
           CASE WHEN c.closed_on <= latest.l THEN c.closed_on - c.received_on END AS days_to_close,
           -- repeat: the same account has another complaint received 1..365 days earlier
           c.account_id IS NOT NULL AND coalesce(count(*) OVER (
               PARTITION BY c.account_id ORDER BY c.received_on
               RANGE BETWEEN {REPEAT_LOOKBACK_DAYS} PRECEDING AND 1 PRECEDING), 0) > 0 AS is_repeat,
           {conduct_sql('c.complaint_group')} AS is_conduct
    FROM complaint c
    CROSS JOIN latest
    LEFT JOIN complaint_portfolio p USING (complaint_id)
),
sliced AS (  -- each complaint once per slice it belongs to: (its portfolio | all) x (its group | all)
    SELECT f.*, pf.portfolio, ig.issue_group
    FROM flagged f,
         unnest(CASE WHEN f.account_portfolio IS NULL THEN ['all']
                     ELSE [f.account_portfolio, 'all'] END) AS pf(portfolio),
         unnest([f.complaint_group, 'all']) AS ig(issue_group)
),
backlog AS (  -- open at d: received_on <= d and not closed on or before d (+1 received, -1 closed);
              -- closed at an unknown date: never counted as open, counted in backlog_unknown from receipt
    SELECT portfolio, issue_group, month_end,
           CAST(sum(sum(open_delta)) OVER (PARTITION BY portfolio, issue_group ORDER BY month_end) AS BIGINT)
               AS open_backlog,
           CAST(sum(sum(unknown_delta)) OVER (PARTITION BY portfolio, issue_group ORDER BY month_end) AS BIGINT)
               AS backlog_unknown
    FROM (
        SELECT portfolio, issue_group, month_end,
               CASE WHEN closed_unknown THEN 0 ELSE 1 END AS open_delta,
               CASE WHEN closed_unknown THEN 1 ELSE 0 END AS unknown_delta
        FROM sliced
        UNION ALL
        SELECT portfolio, issue_group, last_day(closed_on), -1, 0 FROM sliced WHERE closed_on IS NOT NULL
    )
    GROUP BY portfolio, issue_group, month_end
),
accounts AS (  -- open and delinquent (open, dpd >= 1) accounts per reporting month end, per portfolio and all
    SELECT am.month_end,
           CASE WHEN grouping(am.portfolio) = 1 THEN 'all' ELSE am.portfolio END AS portfolio,
           count(*) FILTER (WHERE am.status = 'open') AS open_accounts,
           count(*) FILTER (WHERE am.status = 'open' AND am.dpd >= 1) AS delinquent_accounts
    FROM marts.account_month am
    JOIN staging.reporting_months rm ON rm.month_end = am.month_end
    GROUP BY GROUPING SETS ((am.month_end, am.portfolio), (am.month_end))
)
SELECT s.month_end,
       s.portfolio,
       s.issue_group,
       count(*) AS complaints,
       1000.0 * count(*) / nullif(a.open_accounts, 0) AS complaints_per_1000,
       count(*) FILTER (WHERE s.timely_eligible AND s.responded_on - s.received_on <= {TIMELY_DAYS})
           / nullif(count(*) FILTER (WHERE s.timely_eligible), 0) AS timely_response_rate,
       count(*) FILTER (WHERE s.close_eligible AND s.closed_on - s.received_on <= {CLOSE_WITHIN_DAYS})
           / nullif(count(*) FILTER (WHERE s.close_eligible), 0) AS closed_within_60d_rate,
       CAST(median(s.days_to_close) AS DOUBLE) AS median_days_to_close,
       b.open_backlog,
       count(*) FILTER (WHERE s.is_repeat) / count(*) AS repeat_rate,
       CASE WHEN s.issue_group = 'all' THEN count(*) FILTER (WHERE s.is_conduct) END AS conduct_complaints,
       CASE WHEN s.issue_group = 'all'
            THEN 1000.0 * count(*) FILTER (WHERE s.is_conduct) / nullif(a.delinquent_accounts, 0)
       END AS conduct_per_1000_delinquent,
       a.open_accounts,
       CASE WHEN s.issue_group = 'all' THEN a.delinquent_accounts END AS delinquent_accounts,
       count(*) FILTER (WHERE s.answered_unknown OR s.closed_unknown) AS dates_unknown,
       b.backlog_unknown,
       count(*) FILTER (WHERE s.timely_eligible) AS timely_response_denominator,
       count(*) FILTER (WHERE s.close_eligible) AS closed_within_60d_denominator
FROM sliced s
LEFT JOIN accounts a ON a.month_end = s.month_end AND a.portfolio = s.portfolio
LEFT JOIN backlog b
       ON b.month_end = s.month_end AND b.portfolio = s.portfolio AND b.issue_group = s.issue_group
GROUP BY s.month_end, s.portfolio, s.issue_group, a.open_accounts, a.delinquent_accounts, b.open_backlog,
         b.backlog_unknown
ORDER BY s.month_end, s.portfolio, s.issue_group
"""

def build_complaint_metrics(con: duckdb.DuckDBPyConnection) -> int:
    """marts.complaint_metrics — one row per month_end × portfolio × issue_group with at least one
    complaint (month_end: the last day of the month of `received_on`; portfolio and issue_group each
    also `all`).

    Every month of `staging.complaints` appears, also months outside the reporting months; there
    `complaints_per_1000`, `open_accounts` and `conduct_per_1000_delinquent` are NULL (no account
    figures exist for them), so that the `all`/`all` rows sum to `count(*) FROM staging.complaints`
    exactly.

    Columns (`docs/complaints.md` gives each rule and why):

    - `complaints`: complaints received in the month in the slice.
    - `complaints_per_1000`: `complaints` / `open_accounts` × 1,000; NULL when that is NULL or 0.
    - `timely_response_rate`: answered within 15 days (`responded_on - received_on <= 15`) /
      complaints of the month except those unanswered at L whose 15 days had not run out at L
      (`received_on + 15 > L`) and those answered at an unknown date; an `Untimely response`
      without `responded_on` stays in as not timely. NULL when that denominator is 0.
    - `closed_within_60d_rate`: the same with `closed_on` and 60 days; complaints closed at an
      unknown date are left out.
    - `median_days_to_close`: median of `closed_on - received_on` over complaints closed by L
      (those closed at an unknown date have no `closed_on` and do not enter it).
    - `open_backlog`: all complaints of the slice (any received month) open at `month_end`:
      `received_on <= month_end` and (`closed_on` NULL or after `month_end`), not counting
      complaints closed at an unknown date.
    - `repeat_rate`: complaints whose account had another complaint received 1-365 days earlier /
      all `complaints` of the row (complaints without account count, and are never repeats).
    - `conduct_complaints`, `conduct_per_1000_delinquent` (`issue_group = 'all'` rows only, NULL
      elsewhere): complaints whose issue group is a conduct issue, and that count per 1,000 delinquent
      accounts (open with dpd >= 1) of the portfolio at month end.
    - `open_accounts`, `delinquent_accounts`: the denominators, for audit (the latter on `all` rows).
    - `dates_unknown`: complaints of the row answered or closed at an unknown date (0 when none).
    - `backlog_unknown`: complaints of the slice received on or before `month_end` and closed at an
      unknown date, so open or closed at `month_end` for all we know (0 when none).
    - `timely_response_denominator`, `closed_within_60d_denominator`: the complaints the two rates
      are computed over (0 where the rate is NULL), for audit and for small-cell suppression.
    """
    con.execute(COMPLAINT_METRICS_SQL)
    return con.execute("SELECT count(*) FROM marts.complaint_metrics").fetchall()[0][0]
