"""staging.complaints: complaints typed and checked, latest version of each, with their CFPB issue group."""

from __future__ import annotations

import duckdb

from .accounts import rejected_accounts_sql, unknown_account_reason
from .issue_groups import issue_group_sql, load_crosswalk
from .rejects import add_rejects, save_rejects, survivors, type_rows


def build_complaints(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """staging.complaints: the latest version of each complaint_id, one row per complaint (a later
    month's file supersedes an earlier one, e.g. when the response is recorded), with its issue_group.
    Built with it: staging.complaint_versions (every valid row) and staging.complaints_rejected (rows
    breaking a rule, with the reason).

    Rules: the contract's column rules (required fields, ISO dates, channel and company_response enums),
    received_on not after the file's month end, responded_on and closed_on not before received_on and not
    after the file's month end, complaint_id unique within a file (first row kept), and an account_id,
    when given, must be in staging.accounts. Free text beyond the contract (narratives) is never read.
    issue_group maps the issue through the crosswalk in assets/staging/issue_crosswalk.csv ('other' when
    outside the CFPB debt-collection taxonomy, current or pre-2017).
    """
    load_crosswalk(con)
    type_rows(con, "complaints")
    add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    add_rejects(con, """
        SELECT source_file, line_number,
               'duplicate complaint_id ''' || complaint_id || ''' in this file (first at line ' || first_line || ')'
        FROM (SELECT source_file, line_number, complaint_id,
                     min(line_number) OVER (PARTITION BY source_file, complaint_id) AS first_line
              FROM _typed WHERE reason IS NULL)
        WHERE line_number > first_line""")
    add_rejects(con, f"""
        SELECT t.source_file, t.line_number, {unknown_account_reason("t", "r")}
        FROM _typed t LEFT JOIN ({rejected_accounts_sql()}) r USING (account_id)
        WHERE {survivors(con)} AND t.account_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM staging.accounts a WHERE a.account_id = t.account_id)""")
    con.execute(f"""CREATE OR REPLACE TABLE staging.complaint_versions AS
        SELECT * EXCLUDE (reason) FROM _typed t WHERE {survivors(con)}
        ORDER BY complaint_id, file_month, line_number""")
    con.execute(f"""CREATE OR REPLACE TABLE staging.complaints AS
        SELECT complaint_id, account_id, received_on, submitted_via, product, issue, sub_issue,
               responded_on, closed_on, company_response, {issue_group_sql('v.issue')} AS issue_group,
               source_file, line_number
        FROM staging.complaint_versions v
        QUALIFY row_number() OVER (PARTITION BY complaint_id ORDER BY file_month DESC, line_number DESC) = 1
        ORDER BY complaint_id""")
    rejected = save_rejects(con, "complaints")
    con.execute("DROP TABLE _typed")
    return {
        "complaints": con.execute("SELECT count(*) FROM staging.complaints").fetchall()[0][0],
        "versions": con.execute("SELECT count(*) FROM staging.complaint_versions").fetchall()[0][0],
        "rejected": rejected,
        "issue_group_other": con.execute(
            "SELECT count(*) FROM staging.complaints WHERE issue_group = 'other'").fetchall()[0][0],
    }
