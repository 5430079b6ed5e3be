"""Member organisations, sectors, networks and territories."""
