"""Portfolios and month ends, the keys of every mart: their order and labels, and rows looked up by them.

Month ends are ISO text (the pages select `strftime(month_end, '%Y-%m-%d')`), so they sort as dates.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

ALL = "all"  # the portfolio value of the whole book


def portfolio_sort_key(portfolio: str) -> tuple[bool, str]:
    """'all' first, then the portfolios alphabetically."""
    return (portfolio != ALL, portfolio)


def portfolio_label(portfolio: str) -> str:
    return "All portfolios" if portfolio == ALL else portfolio


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
