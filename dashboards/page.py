"""What a page is (`Page`) and what it is rendered with (`Context`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import duckdb


@dataclass(frozen=True)
class Context:
    con: duckdb.DuckDBPyConnection
    as_of: str | None  # latest month_end over the marts the pages read (ISO), None when all are empty
    pages: tuple["Page", ...]  # the pages being built, for the navigation bar


@dataclass(frozen=True)
class Page:
    """One dashboard page: `render(ctx)` returns the HTML body (sections, figures, notices)."""

    slug: str
    title: str
    summary: str  # one sentence, shown on the index
    intro: str  # a short explanation (HTML) under the page title
    tables: tuple[str, ...]  # marts tables it reads
    render: Callable[[Context], str]
    optional: bool = False  # built only when all of `tables` exist

    @property
    def filename(self) -> str:
        return f"{self.slug}.html"
