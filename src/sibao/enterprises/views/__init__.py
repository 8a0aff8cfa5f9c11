"""The enterprises app's pages, one module per area (registry, criteria and applications,
whitelist and coverage, chain links and checks, the public pages)."""
