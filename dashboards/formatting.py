"""Numbers as text for tables and the index, and text as a fixed HTML id."""

from __future__ import annotations

import re


def fmt_int(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def fmt_money(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def fmt_rate(value) -> str:
    return "—" if value is None else f"{value:.2%}"


def fmt_per_mille(value) -> str:
    """A rate per 1,000 (per mille, not a percentage)."""
    return "—" if value is None else f"{value:,.2f}"


def slug(text: str) -> str:
    """Lower-case letters, digits and dashes, for div ids."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
