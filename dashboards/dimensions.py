"""Portfolios and month ends, the other two keys of every mart: their order and labels.

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
