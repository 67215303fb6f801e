"""CFPB debt-collection issue taxonomy: the crosswalk from issue wording to `issue_group`.

Where the rules come from
    docs/spec/metrics.md (Complaints) lists the seven current CFPB debt-collection issues and says
    that pre-2017 wording maps onto them "through a crosswalk; an issue outside both lists is kept and
    reported as `other`". The crosswalk is data, not code: `issue_crosswalk.csv` next to this module,
    one row per issue wording with columns

    `issue`        the wording as the CFPB publishes it (or published it before April 2017)
    `issue_group`  the current issue it belongs to (a current issue maps to itself)
    `source`       `current` | `legacy`
    `note`         why the mapping holds (free text, for reviewers; never used in SQL)

    Two issues (`Communication tactics`, `False statements or representation`) kept the same wording
    across the 2017 change: they appear once, as `current`, and so also match legacy rows.

How an issue is matched
    By the issue text alone (the product is not consulted): leading/trailing blanks are trimmed, runs of
    white space inside are collapsed to one space, and the comparison ignores case. Anything else, an
    empty or NULL issue included, is `other`. Nothing is dropped: an unmatched complaint keeps its issue
    text in `staging.complaints.issue` and is counted under `other`.

Conduct issues
    `CONDUCT_ISSUES` is metrics.md's list, verbatim. It is a list of *issue groups*: a legacy
    complaint such as `Taking/threatening an illegal action` is a conduct complaint because its group,
    `Took or threatened to take negative or legal action`, is on the list.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.sql import sql_literal

CROSSWALK_CSV = Path(__file__).with_name("issue_crosswalk.csv")
CROSSWALK_TABLE = "staging.issue_crosswalk"
OTHER = "other"
SOURCES = ("current", "legacy")

#: Issue groups whose complaints describe how collection was conducted (metrics.md, Complaints).
CONDUCT_ISSUES: tuple[str, ...] = (
    "Communication tactics",
    "Electronic communications",
    "False statements or representation",
    "Took or threatened to take negative or legal action",
    "Threatened to contact someone or share information improperly",
)


def current_issues(path: str | Path = CROSSWALK_CSV) -> tuple[str, ...]:
    """The current CFPB debt-collection issues, in the crosswalk's (metrics.md's) order."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(r["issue"].strip() for r in csv.DictReader(fh)
                     if r["source"].strip().lower() == "current" and r["issue"].strip() == r["issue_group"].strip())


def issue_key_sql(expr: str) -> str:
    """SQL for the match key of an issue expression: blanks collapsed and trimmed, lower case."""
    return f"lower(trim(regexp_replace({expr}, '\\s+', ' ', 'g')))"


def issue_group_sql(expr: str, table: str = CROSSWALK_TABLE) -> str:
    """SQL expression mapping the issue in ``expr`` to its issue group, ``'other'`` when unmatched.

    A scalar subquery on ``staging.issue_crosswalk`` (one row per key, enforced by ``load_crosswalk``);
    DuckDB turns it into a join, so it stays set-based. The subquery exposes only the columns
    ``crosswalk_key`` and ``crosswalk_group``, so an unqualified ``expr`` such as ``issue`` binds to the
    outer query's column, not to the crosswalk's own ``issue``. Example::

        SELECT complaint_id, {issue_group_sql('c.issue')} AS issue_group FROM raw.complaints c
    """
    return (
        "COALESCE((SELECT x.crosswalk_group FROM (SELECT issue_key AS crosswalk_key, "
        f"issue_group AS crosswalk_group FROM {table}) x WHERE x.crosswalk_key = {issue_key_sql(expr)}), "
        f"{sql_literal(OTHER)})"
    )


def conduct_sql(group_expr: str) -> str:
    """SQL predicate: the issue group in ``group_expr`` is a conduct issue (NULL-safe: NULL → false)."""
    return f"coalesce({group_expr} IN ({', '.join(sql_literal(i) for i in CONDUCT_ISSUES)}), false)"


def load_crosswalk(con: duckdb.DuckDBPyConnection, path: str | Path = CROSSWALK_CSV) -> int:
    """Create ``staging.issue_crosswalk`` from the crosswalk CSV; return its row count.

    Columns: ``issue``, ``issue_group``, ``source``, ``note``, ``issue_key`` (the match key of
    ``issue``) and ``conduct`` (the group is in ``CONDUCT_ISSUES``). The file is checked before the
    table is replaced; any of these stops with an error naming the file:

    - a column of ``issue,issue_group,source`` missing, or an empty ``issue``/``issue_group``;
    - ``source`` other than ``current``/``legacy``;
    - two rows with the same match key (the mapping would be ambiguous);
    - an ``issue_group`` that is not itself a ``current`` issue mapped to itself;
    - a conduct issue missing from the current issues.
    """
    path = Path(path)
    rel = con.read_csv(str(path), header=True, all_varchar=True, sep=",", quotechar='"')
    columns = {c.strip().lower(): '"' + c.replace('"', '""') + '"' for c in rel.columns}
    missing = [c for c in ("issue", "issue_group", "source") if c not in columns]
    if missing:
        raise ValueError(f"{path}: issue crosswalk lacks column(s) {', '.join(missing)}")
    issue, group = f"trim({columns['issue']})", f"trim({columns['issue_group']})"
    table = rel.project(
        f"{issue} AS issue, {group} AS issue_group, lower(trim({columns['source']})) AS source, "
        f"{columns.get('note', 'NULL')}::VARCHAR AS note, {issue_key_sql(issue)} AS issue_key, "
        f"{conduct_sql(group)} AS conduct"
    )
    rows = table.fetchall()

    problems: list[str] = []
    seen: dict[str, str] = {}
    current = {r[0] for r in rows if r[2] == "current" and r[0] == r[1]}
    for line, (issue_text, group_text, source, _note, key, _conduct) in enumerate(rows, start=2):
        if not issue_text or not group_text:  # line 1 is the header
            problems.append(f"line {line}: empty issue or issue_group")
            continue
        if source not in SOURCES:
            problems.append(f"line {line}: source {source!r} is not one of {', '.join(SOURCES)}")
        if key in seen:
            problems.append(f"line {line}: issue {issue_text!r} has the same match key as {seen[key]!r}")
        seen[key] = issue_text
        if group_text not in current:
            problems.append(f"line {line}: issue_group {group_text!r} is not a current issue mapped to itself")
    problems += [f"conduct issue {c!r} is not a current issue" for c in CONDUCT_ISSUES if c not in current]
    if problems:
        raise ValueError(f"{path}: invalid issue crosswalk: " + "; ".join(problems))

    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(f"DROP TABLE IF EXISTS {CROSSWALK_TABLE}")
    table.order("source, issue").create(CROSSWALK_TABLE)
    return len(rows)
