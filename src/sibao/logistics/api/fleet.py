"""API of the fleet area: vehicles, drivers, transport whitelist, demo data (LOG-01)."""
