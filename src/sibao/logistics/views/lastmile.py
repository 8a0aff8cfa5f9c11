"""Pages of the lastmile area: receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06)."""

urlpatterns: list = []
