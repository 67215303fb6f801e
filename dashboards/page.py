"""What a page is (`Page`), what it is rendered with (`Context`), and which tables a page may declare.

A page names the warehouse tables it reads in full ("marts.aging"). Only the aggregated marts qualify:
`check_table` refuses any other schema and the per-account tables of the marts schema, so a page cannot
even declare account-level data; the tables the pages being built declare are then the only ones
`dashboards.reading` reads (`Context.readable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import duckdb

SCHEMA = "marts"
# Tables of the marts schema that hold one row per account; no page may read them.
ACCOUNT_LEVEL_TABLES = frozenset({"marts.account_month"})
# Records every build reads besides the marts: the closes (which months are closed and restated, by whom).
RECORD_TABLES = frozenset({"published.closes"})


def check_table(table: str) -> None:
    """Raise ValueError unless `table` is a full name of an aggregated marts table ("marts.<name>") or one
    of the records every build reads (`RECORD_TABLES`)."""
    if table in RECORD_TABLES:
        return
    schema, dot, name = table.partition(".")
    if schema != SCHEMA or not dot or not name or "." in name:
        raise ValueError(f"a page reads only tables of the {SCHEMA} schema, named in full ('{SCHEMA}.<name>'), "
                         f"not {table!r}")
    if table in ACCOUNT_LEVEL_TABLES:
        raise ValueError(f"{table} holds one row per account; pages read only aggregated marts tables")


@dataclass(frozen=True)
class Context:
    con: duckdb.DuckDBPyConnection
    as_of: str | None  # latest month_end over the marts the pages read (ISO), None when all are empty
    pages: tuple["Page", ...]  # the pages being built, for the navigation bar
    # Closed months the run that draws the pages restates: (YYYY-MM, approved by, note) each
    restating: tuple[tuple[str, str, str], ...] = ()

    @property
    def readable(self) -> frozenset[str]:
        """The only tables a page may read: those the pages being built declare (`tables`, `also_reads`),
        and the records every build reads (`RECORD_TABLES`)."""
        return frozenset(t for p in self.pages for t in p.tables + p.also_reads) | RECORD_TABLES


@dataclass(frozen=True)
class Page:
    """One dashboard page: `render(ctx)` returns the HTML body (sections, figures, notices)."""

    slug: str
    title: str
    summary: str  # one sentence, shown on the index
    intro: str  # a short explanation (HTML) under the page title
    tables: tuple[str, ...]  # the marts tables it draws as its own, full names ("marts.aging")
    render: Callable[[Context], str]
    optional: bool = False  # built only when all of `tables` exist (but those of `absent_ok`)
    # Tables it also reads but that belong to another page (not required for `optional`, not its own).
    also_reads: tuple[str, ...] = ()
    # The latest month's change in words, shown under the intro (HTML; "" for none), e.g. a
    # `dashboards.changes.Headline`.
    headline: Callable[[Context], str] | None = None
    # Tables of `tables` a warehouse built by an earlier version may lack (e.g. the by-segment marts): the
    # page is still built, also when `optional`, and says where it would draw them that they are missing.
    absent_ok: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for table in self.tables + self.also_reads:
            check_table(table)
        if not set(self.absent_ok) <= set(self.tables):
            raise ValueError(f"absent_ok {self.absent_ok} must be tables the page draws as its own {self.tables}")

    @property
    def required(self) -> tuple[str, ...]:
        """The tables that must exist for an optional page to be built: `tables` but `absent_ok`."""
        return tuple(t for t in self.tables if t not in self.absent_ok)

    @property
    def filename(self) -> str:
        return f"{self.slug}.html"
