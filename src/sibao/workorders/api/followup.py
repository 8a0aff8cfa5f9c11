"""API of the followup area: review, rework, visits, enterprise rating, appeals, whole history (DEM-05)."""
