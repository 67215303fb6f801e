"""Small cells: a rate computed over few accounts is shown with its count beside it, never bare.

A rate whose denominator (the accounts it is computed over: the from-bucket of a roll or cure rate, the
open accounts of a delinquency rate) is below `MIN_ACCOUNTS` is a small cell. It is still shown (unlike a
complaint figure under 5 complaints, `dashboards.suppression`, which is withheld), but marked so that a
"100.0%" of two accounts does not read as a trend: in a heatmap cell the text carries an asterisk and
the count ("100.0%*<br>n=2"); on a line the point is drawn hollow with "n=2" written beside it. The
counts are in the figure itself, visible without hovering. `SMALL_CELL_NOTE` explains the mark.
"""

from __future__ import annotations

MIN_ACCOUNTS = 30
SMALL_CELL_NOTE = (
    f"Small cells: a rate computed over fewer than {MIN_ACCOUNTS} accounts is marked with its count n (the "
    "accounts it is computed over): in a matrix cell as \u201c100.0%* n=2\u201d, on a line as a hollow point "
    "with \u201cn=2\u201d beside it."
)


def small(n) -> bool:
    """True when a rate rests on fewer than MIN_ACCOUNTS accounts (a rate over no known count is not marked)."""
    return n is not None and n < MIN_ACCOUNTS


def rate_text(rate, n) -> str:
    """A rate as cell text: "43.2%", or "100.0%*<br>n=2" for a small cell; "" when there is no rate."""
    if rate is None:
        return ""
    return f"{rate:.1%}*<br>n={n:,}" if small(n) else f"{rate:.1%}"


def point_labels(counts: list) -> list:
    """Text beside each point of a line: "n=2" at a small cell, None elsewhere."""
    return [f"n={n:,}" if small(n) else None for n in counts]


def point_symbols(symbol: str, counts: list) -> list[str]:
    """The marker of each point of a line: hollow (`symbol`-open) at a small cell."""
    return [f"{symbol}-open" if small(n) else symbol for n in counts]
