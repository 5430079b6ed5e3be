"""Orders between members, held and settled in the ledger."""
