"""Shared SQL pieces of the marts: the 'all' portfolio and month arithmetic."""


# Every mart has one row set per portfolio and one for the whole book, portfolio = 'all'.
def by_portfolio(keys: str) -> str:
    """GROUP BY clause producing per-portfolio rows and 'all' rows for the other `keys`."""
    return f"GROUP BY GROUPING SETS ((portfolio, {keys}), ({keys}))"


PORTFOLIO = "coalesce(portfolio, 'all') AS portfolio"


def prev_month_end(expr: str) -> str:
    return f"(date_trunc('month', {expr}) - INTERVAL 1 DAY)::DATE"


def next_month_end(expr: str, n: int = 1) -> str:
    return f"last_day(date_trunc('month', {expr}) + INTERVAL {n} MONTH)::DATE"
