"""Delinquency buckets as the pages show them: the codes in display order, their labels, colours, line
dashes and markers.

The codes and their order are the warehouse's (`assets.domain`: the values of the marts' `bucket`,
`from_bucket` and `to_bucket` columns); this module adds only how a page shows them. Labels are DPD
ranges; the "M1/M2" cycle labels are not used.
"""

from __future__ import annotations

from assets.domain import BUCKET_NAMES, DELINQUENT_BUCKETS, OPEN_BUCKETS

__all__ = ["BUCKETS", "BUCKET_COLOR", "BUCKET_DASH", "BUCKET_LABEL", "BUCKET_NAMES", "BUCKET_ORDER", "BUCKET_OUTLINE",
           "BUCKET_SYMBOL", "DELINQUENT_BUCKETS", "OPEN_BUCKETS", "UNKNOWN_COLOR", "bucket_color", "bucket_label",
           "bucket_sort_key", "buckets_shown"]

BUCKET_LABEL = {
    "current": "Current",
    "dpd_1_29": "1–29 DPD",
    "dpd_30_59": "30–59 DPD",
    "dpd_60_89": "60–89 DPD",
    "dpd_90_119": "90–119 DPD",
    "dpd_120_149": "120–149 DPD",
    "dpd_150_179": "150–179 DPD",
    "dpd_180_plus": "180+ DPD",
    "charged_off": "Charged off",
    "closed": "Closed",
}
# One colour per bucket, ordered by severity: the open buckets take ColorBrewer's sequential YlOrRd
# scheme (Cynthia Brewer, colorbrewer2.org, 9 classes, marked colour-blind safe there; its palest class
# #ffffcc is left out, too faint on white), light for Current to dark red for 180+ DPD; the terminal
# states are greys, charged off dark, closed light, so they never read as one more step of the scale.
BUCKET_COLOR = {
    "current": "#ffeda0",
    "dpd_1_29": "#fed976",
    "dpd_30_59": "#feb24c",
    "dpd_60_89": "#fd8d3c",
    "dpd_90_119": "#fc4e2a",
    "dpd_120_149": "#e31a1c",
    "dpd_150_179": "#bd0026",
    "dpd_180_plus": "#800026",
    "charged_off": "#252525",
    "closed": "#bdbdbd",
}
# Lines of buckets differ by dash and marker too, never by colour alone (neighbouring buckets are close
# in hue); markers are outlined in BUCKET_OUTLINE so the pale ones stay visible on white.
BUCKET_DASH = {
    "current": "solid",
    "dpd_1_29": "dot",
    "dpd_30_59": "dash",
    "dpd_60_89": "longdash",
    "dpd_90_119": "dashdot",
    "dpd_120_149": "longdashdot",
    "dpd_150_179": "solid",
    "dpd_180_plus": "dot",
    "charged_off": "dash",
    "closed": "longdash",
}
BUCKET_SYMBOL = {
    "current": "circle",
    "dpd_1_29": "square",
    "dpd_30_59": "diamond",
    "dpd_60_89": "triangle-up",
    "dpd_90_119": "triangle-down",
    "dpd_120_149": "pentagon",
    "dpd_150_179": "hexagon",
    "dpd_180_plus": "star",
    "charged_off": "x",
    "closed": "cross",
}
BUCKET_OUTLINE = "#424242"
UNKNOWN_COLOR = "#607d8b"  # a bucket code the list does not know
for _styled in (BUCKET_LABEL, BUCKET_COLOR, BUCKET_DASH, BUCKET_SYMBOL):
    if set(_styled) != set(BUCKET_NAMES):
        raise ValueError(f"dashboards.buckets styles {sorted(_styled)}, the warehouse has {sorted(BUCKET_NAMES)}")

BUCKETS: tuple[tuple[str, str], ...] = tuple((code, BUCKET_LABEL[code]) for code in BUCKET_NAMES)
BUCKET_ORDER = {code: i for i, code in enumerate(BUCKET_NAMES)}


def bucket_label(code: str) -> str:
    return BUCKET_LABEL.get(code, code)


def bucket_sort_key(code: str) -> tuple[int, str]:
    """Display order; a code the list does not know goes last (by name)."""
    return (BUCKET_ORDER.get(code, len(BUCKETS)), code)


def bucket_color(code: str) -> str:
    return BUCKET_COLOR.get(code, UNKNOWN_COLOR)


def buckets_shown(admitted, present) -> list[str]:
    """The buckets a chart lists, in display order: every bucket its definition admits (`admitted`, e.g.
    all ten, or the delinquent ones), whether or not it has rows, so that every legend holds them all;
    and any code in the data (`present`) the list does not know, last."""
    admitted = list(admitted)
    return admitted + sorted({b for b in present if b not in BUCKET_ORDER and b not in admitted})
