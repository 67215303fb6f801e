"""Fixtures of the raw-layer tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def valid(landing):
    """A valid landing: accounts and ledger for January 2026, one entry."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS,
                      [landing.entry("E1", "A1", "2026-01-20", "fee", "1.00")])
    return landing
