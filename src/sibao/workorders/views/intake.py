"""Pages of the intake area: demand filing, attachments, bulk import, intake queue, demand page (DEM-01)."""

urlpatterns: list = []
