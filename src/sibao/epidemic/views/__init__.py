"""The epidemic-information pages, one module per area."""
