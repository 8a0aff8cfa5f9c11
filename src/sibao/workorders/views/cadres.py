"""Pages of the cadres area: liaison cadres, their units and overdue items, demo data (DEM-06)."""

urlpatterns: list = []
