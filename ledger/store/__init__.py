"""Persistence of the ledger: tables, transactions with retries, and the repository."""
