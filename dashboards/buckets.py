"""Delinquency buckets as the pages show them: the codes in display order, their labels and colours.

The codes and their order are the warehouse's (`assets.domain`: the values of the marts' `bucket`,
`from_bucket` and `to_bucket` columns); this module adds only how a page shows them. Labels are DPD
ranges; the "M1/M2" cycle labels are not used.
"""

from __future__ import annotations

from assets.domain import BUCKET_NAMES, DELINQUENT_BUCKETS, OPEN_BUCKETS

__all__ = ["BUCKETS", "BUCKET_COLOR", "BUCKET_LABEL", "BUCKET_ORDER", "DELINQUENT_BUCKETS", "OPEN_BUCKETS",
           "bucket_label", "bucket_sort_key"]

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
BUCKET_COLOR = {
    "current": "#2e7d32",
    "dpd_1_29": "#c0ca33",
    "dpd_30_59": "#fdd835",
    "dpd_60_89": "#ffb300",
    "dpd_90_119": "#fb8c00",
    "dpd_120_149": "#f4511e",
    "dpd_150_179": "#d32f2f",
    "dpd_180_plus": "#8e0000",
    "charged_off": "#424242",
    "closed": "#9e9e9e",
}
for _styled in (BUCKET_LABEL, BUCKET_COLOR):
    if set(_styled) != set(BUCKET_NAMES):
        raise ValueError(f"dashboards.buckets styles {sorted(_styled)}, the warehouse has {sorted(BUCKET_NAMES)}")

BUCKETS: tuple[tuple[str, str], ...] = tuple((code, BUCKET_LABEL[code]) for code in BUCKET_NAMES)
BUCKET_ORDER = {code: i for i, code in enumerate(BUCKET_NAMES)}


def bucket_label(code: str) -> str:
    return BUCKET_LABEL.get(code, code)


def bucket_sort_key(code: str) -> tuple[int, str]:
    """Display order; a code the list does not know goes last (by name)."""
    return (BUCKET_ORDER.get(code, len(BUCKETS)), code)
