"""Delivery: the daily push, its ledger-backed runs, pacing within platform limits, retries."""
