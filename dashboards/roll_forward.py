"""roll_forward.html: the balance roll-forward bridge of marts.roll_forward, per portfolio and month.

A waterfall goes from the opening balance (the open balance at the previous month end) through the
month's debits, credits and charge-offs to the closing balance, with the reconciliation difference
written on the chart: "difference 0.00 — reconciles", or a warning naming the check that fails. The
closing bar is drawn at the mart's closing balance (not as plotly's computed total), so a difference
shows as a gap between the last step and the closing bar. Below it, the latest month per portfolio,
exact to the cent, and every month that does not reconcile.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from dashboards.changes import MONEY, Headline
from dashboards.chart_data import data_links
from dashboards.dimensions import currency_of, months, portfolio_label, portfolio_sort_key, portfolios
from dashboards.figures import figure_html, style, title_text
from dashboards.formatting import fmt_money
from dashboards.html_page import notice, section
from dashboards.page import Context, Page
from dashboards.reading import missing_notice, read_mart

TABLE = "marts.roll_forward"
# The invariant of checks/marts/invariants.py that holds the difference to 0.00 (dashboards import no checks).
CHECK = "marts.roll_forward:difference_is_zero"
FIGURES = ("opening_balance", "debits", "credits", "charge_offs", "closing_balance")
# The waterfall's bars: (column, label, plotly measure, sign of the bar)
STEPS = (
    ("opening_balance", "Opening balance", "absolute", 1),
    ("debits", "+ Debits", "relative", 1),
    ("credits", "− Credits", "relative", -1),
    ("charge_offs", "− Charge-offs", "relative", -1),
    ("closing_balance", "Closing balance", "absolute", 1),
)
DEFINITION = "opening + debits − credits − charge-offs = closing"
FIRST_MONTH = "no opening balance (first reporting month)"
RECONCILES = "difference 0.00 — reconciles"
OK_COLOR, WARN_COLOR, NEUTRAL_COLOR = "#2e7d32", "#c62828", "#546e7a"


def read(ctx: Context) -> pl.DataFrame | None:
    """The mart's rows, money as DECIMAL (exact to the cent)."""
    return read_mart(ctx, TABLE, "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, "
                     + ", ".join(FIGURES) + ", difference", "month_end, portfolio")


def difference_text(row: dict) -> str:
    """The reconciliation of one row in words: reconciles, the failed check, or no opening balance."""
    if row["opening_balance"] is None or row["difference"] is None:
        return FIRST_MONTH
    if row["difference"] == 0:
        return RECONCILES
    return f"difference {fmt_money(row['difference'], currency_of(row.get('portfolio', '')))} — does not reconcile: check {CHECK} fails"


def _difference_color(row: dict) -> str:
    text = difference_text(row)
    return OK_COLOR if text == RECONCILES else NEUTRAL_COLOR if text == FIRST_MONTH else WARN_COLOR


def bars(row: dict) -> list[float | None]:
    """The waterfall's bars of one row: opening, debits, −credits, −charge-offs, closing (None: no bar)."""
    return [None if row[column] is None else float(sign * row[column]) for column, _, _, sign in STEPS]


def _waterfall(row: dict) -> go.Waterfall:
    ys = bars(row)
    first = row["opening_balance"] is None
    # the first reporting month has no opening balance: only the closing bar, the steps are not drawn
    measure = ["absolute"] * len(STEPS) if first else [m for _, _, m, _ in STEPS]
    text = [None if y is None or (first and column != "closing_balance") else fmt_money(sign * row[column], currency_of(row["portfolio"]))
            for (column, _, _, sign), y in zip(STEPS, ys)]
    if first:
        ys = [None] * (len(STEPS) - 1) + ys[-1:]
    return go.Waterfall(
        x=[label for _, label, _, _ in STEPS], y=ys, measure=measure, text=text, textposition="outside",
        name=f"{portfolio_label(row['portfolio'])} {row['month_end']}",
        connector={"line": {"color": "#90a4ae"}},
        increasing={"marker": {"color": "#ef6c00"}}, decreasing={"marker": {"color": "#1565c0"}},
        totals={"marker": {"color": "#455a64"}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    )


def _annotation(row: dict) -> dict:
    return {"text": html.escape(difference_text(row)), "xref": "paper", "yref": "paper", "x": 1, "y": 1.02,
            "xanchor": "right", "yanchor": "bottom", "showarrow": False,
            "font": {"color": _difference_color(row), "size": 13}, "bgcolor": "#ffffff",
            "bordercolor": _difference_color(row), "borderpad": 4}


def bridge(df: pl.DataFrame, as_of: str) -> go.Figure:
    """One waterfall per portfolio and month; a dropdown picks the portfolio, a slider the month (both start
    at 'all' and its latest month). The dropdown swaps in the chosen portfolio's slider."""
    rows = sorted(df.iter_rows(named=True), key=lambda r: (portfolio_sort_key(r["portfolio"]), r["month_end"]))
    fig = go.Figure()
    for r in rows:
        fig.add_trace(_waterfall(r))
    n = len(rows)

    def title(r: dict) -> str:
        return title_text(f"Balance roll-forward — {portfolio_label(r['portfolio'])}, month ending {r['month_end']}",
                          DEFINITION, as_of)

    def view(i: int) -> tuple[dict, dict]:
        return {"visible": [j == i for j in range(n)]}, {"annotations": [_annotation(rows[i])], "title.text": title(rows[i])}

    def slider(p: str) -> dict:
        idx = [i for i, r in enumerate(rows) if r["portfolio"] == p]
        return {"active": len(idx) - 1, "currentvalue": {"prefix": "Month end: "}, "pad": {"t": 40},
                "steps": [{"label": rows[i]["month_end"][:7], "method": "update", "args": list(view(i))}
                          for i in idx]}

    groups = portfolios(df)
    latest = {p: max(i for i, r in enumerate(rows) if r["portfolio"] == p) for p in groups}
    start = latest[groups[0]]
    for j, trace in enumerate(fig.data):
        trace.visible = j == start
    style(fig, "", DEFINITION, as_of, height=560)
    fig.update_layout(
        title_text=title(rows[start]),
        annotations=[_annotation(rows[start])],
        showlegend=False,
        margin={"l": 90, "r": 30, "t": 130, "b": 100},
        sliders=[slider(groups[0])],
        updatemenus=[{
            "type": "dropdown", "direction": "down", "active": 0, "x": 0.0, "xanchor": "left", "y": 1.16,
            "yanchor": "bottom", "showactive": True,
            "buttons": [{"label": f"Portfolio: {portfolio_label(p)}", "method": "update",
                         "args": [view(latest[p])[0], {**view(latest[p])[1], "sliders": [slider(p)]}]}
                        for p in groups],
        }] if len(groups) > 1 else [],
    )
    fig.update_yaxes(title_text="Balance", tickformat=",")
    return fig


def latest_table(df: pl.DataFrame, as_of: str) -> str:
    """The five figures and the difference of the latest month, per portfolio, exact to the cent."""
    rows = sorted((r for r in df.iter_rows(named=True) if r["month_end"] == as_of),
                  key=lambda r: portfolio_sort_key(r["portfolio"]))
    body = "\n".join(
        "<tr><td>{}</td>{}<td>{}</td></tr>".format(
            html.escape(portfolio_label(r["portfolio"])),
            "".join(f"<td>{fmt_money(r[c], currency_of(r['portfolio']))}</td>" for c in FIGURES),
            f'<span style="color:{_difference_color(r)}">{html.escape(difference_text(r))}</span>')
        for r in rows)
    return ('<table class="headline" id="rf-latest">\n<thead><tr><th>Portfolio</th><th>Opening balance</th>'
            "<th>Debits</th><th>Credits</th><th>Charge-offs</th><th>Closing balance</th><th>Difference</th>"
            f"</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n" + data_links("rf-latest"))


def failures(df: pl.DataFrame) -> str:
    """Every month and portfolio that does not reconcile (a warning naming the check), or that all do."""
    bad = [r for r in df.iter_rows(named=True) if r["difference"] is not None and r["difference"] != 0]
    if not bad:
        first, last = min(months(df)), max(months(df))
        return (f'<p class="note" id="rf-reconciles">Every month from {html.escape(first)} to '
                f"{html.escape(last)} reconciles to the cent in every portfolio (difference 0.00; the first "
                "reporting month has no opening balance).</p>")
    lines = "; ".join(f"{r['month_end']} {portfolio_label(r['portfolio'])}: difference {fmt_money(r['difference'], currency_of(r['portfolio']))}"
                      for r in sorted(bad, key=lambda r: (r["month_end"], portfolio_sort_key(r["portfolio"]))))
    return notice(f"Warning: the check {CHECK} fails — opening + debits − credits − charge-offs ≠ closing in "
                  f"{lines}.")


def render(ctx: Context) -> str:
    df = read(ctx)
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(months(df))
    return (
        section(
            "Roll-forward bridge",
            "From the open balance at the previous month end, plus debits (disbursements, purchases, interest, "
            "fees, payment reversals), less credits (payments, credit adjustments, waivers) and charge-offs "
            "posted in the month, to the balance of all accounts at the month end. The text above the chart "
            "is the reconciliation difference; pick the portfolio in the dropdown and the month with the "
            "slider.",
            figure_html(bridge(df, as_of), "rf-bridge"),
        )
        + section(f"Latest month: {as_of}", "Per portfolio, exact to the cent; difference = opening + debits "
                  "− credits − charge-offs − closing, which must be 0.00.", latest_table(df, as_of) + failures(df))
    )


# The sentence at the top: the month's change of the closing balance of the whole book.
HEADLINE = Headline(TABLE, "closing balance", MONEY, "closing_balance::DOUBLE AS closing_balance",
                    "month_end, portfolio", lambda rows: rows[0]["closing_balance"])

PAGE = Page(
    slug="roll_forward",
    title="Balance roll-forward",
    summary="The month's bridge from opening to closing balance (debits, credits, charge-offs), reconciled "
    "to the cent, per portfolio.",
    intro="The balance roll-forward reconciles the book to the ledger: the open balance at the previous "
    "month end, plus the month's debits, less its credits and charge-offs, equals the month-end balance "
    "to the cent (the difference must be 0.00). In the first reporting month there is no opening balance.",
    tables=(TABLE,),
    render=render,
    optional=True,
    headline=HEADLINE,
)
