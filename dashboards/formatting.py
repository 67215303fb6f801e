"""Numbers as text for tables and the index, and text as a fixed HTML id."""

from __future__ import annotations

import re


def fmt_int(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def fmt_money(value, currency: str | None = None) -> str:
    """An amount to the cent, followed by its currency where the figure has one ("1,234.56 USD")."""
    if value is None:
        return "—"
    return f"{value:,.2f}" if currency is None else f"{value:,.2f} {currency}"


def fmt_rate(value) -> str:
    return "—" if value is None else f"{value:.2%}"


def fmt_per_mille(value) -> str:
    """A rate per 1,000 (per mille, not a percentage)."""
    return "—" if value is None else f"{value:,.2f}"


def slug(text: str) -> str:
    """Lower-case letters, digits and dashes, for div ids."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
