"""Pages of the common area: similar demands, clusters, common issues, batch handling, policy reserve (DEM-04)."""

urlpatterns: list = []
