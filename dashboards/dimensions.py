"""Portfolios and month ends, the keys of every mart: their order and labels, and rows looked up by them.

Month ends are ISO text (the pages select `strftime(month_end, '%Y-%m-%d')`), so they sort as dates.

Amounts in different currencies are never added (docs/spec/outputs.md): the money marts hold one row set
per portfolio *and currency*, and 'all' once per currency. A page therefore never shows a portfolio on its
own but a *book*, the pair (portfolio, currency): `dashboards.reading.read_mart` gives the `portfolio`
column of a mart with a `currency` column as the book key "cards-ca · CAD" (`book_key`), so that every
selector, line and table row is one currency's figures, labelled with it ("cards-ca (CAD)", "All
portfolios (USD)"). Marts without a currency (the complaint marts: counts, never money) keep the plain
portfolio.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

ALL = "all"  # the portfolio value of the whole book
BOOK_SEPARATOR = " · "


def book_key(portfolio: str, currency: str | None) -> str:
    """The key a page uses for one portfolio's figures in one currency ("cards-ca · CAD")."""
    return portfolio if currency is None else f"{portfolio}{BOOK_SEPARATOR}{currency}"


BOOK_SQL = f"portfolio || '{BOOK_SEPARATOR}' || currency"  # book_key in SQL


def split_book(key: str) -> tuple[str, str | None]:
    """(portfolio, currency) of a book key; currency None for a plain portfolio."""
    portfolio, sep, currency = key.partition(BOOK_SEPARATOR)
    return (portfolio, currency) if sep else (portfolio, None)


def is_all(key: str) -> bool:
    """Whether a portfolio or book key is the whole book ('all', in one currency)."""
    return split_book(key)[0] == ALL


def currency_of(key: str) -> str | None:
    return split_book(key)[1]


def portfolio_sort_key(portfolio: str) -> tuple[bool, str, str]:
    """'all' first (one per currency, by currency), then the portfolios alphabetically."""
    name, currency = split_book(portfolio)
    return (name != ALL, name, currency or "")


def portfolio_label(portfolio: str) -> str:
    """"All portfolios (USD)", "cards-ca (CAD)"; a plain portfolio (no currency) by its name."""
    name, currency = split_book(portfolio)
    label = "All portfolios" if name == ALL else name
    return label if currency is None else f"{label} ({currency})"


def portfolios(df: pl.DataFrame) -> list[str]:
    return sorted(set(df["portfolio"].to_list()), key=portfolio_sort_key)


def months(df: pl.DataFrame) -> list[str]:
    return sorted(set(df["month_end"].to_list()))


def previous_month_end(month_end: str) -> str:
    d = date.fromisoformat(month_end)
    return (d.replace(day=1) - timedelta(days=1)).isoformat()


def rows_by(df: pl.DataFrame, *columns: str) -> dict[tuple, dict]:
    """The rows of `df` as dicts, keyed by the tuple of their `columns` (month_end first)."""
    return {tuple(r[c] for c in columns): r for r in df.iter_rows(named=True)}


def over_months(rows: dict[tuple, dict], all_months: list[str], key: tuple, column: str, missing=None) -> list:
    """`column` of the row (month, *key) of `rows_by(df, "month_end", ...)` for every month; `missing`
    where there is no row (a trace carries every month, see `figures.month_axis`)."""
    return [rows[(m, *key)][column] if (m, *key) in rows else missing for m in all_months]
