def register(router):
    # --- fleet: vehicles, drivers, transport whitelist, demo data (LOG-01) ---
    from sibao.logistics.api import fleet as fleet_api

    router.register("vehicles", fleet_api.VehicleViewSet, basename="vehicle")
    router.register("drivers", fleet_api.DriverViewSet, basename="driver")
    # --- passes: pass applications, decisions, signed QR passes, revocation list (LOG-02) ---
    from sibao.logistics.api import passes as passes_api

    router.register("vehicle-passes", passes_api.VehiclePassViewSet, basename="vehicle-pass")
    router.register("pass-keys", passes_api.PassKeyViewSet, basename="pass-key")
    router.register(
        "pass-revocations", passes_api.PassRevocationViewSet, basename="pass-revocation"
    )
    # --- checkpoint: checkpoints, green-channel verification, check log (LOG-03) ---
    from sibao.logistics.api import checkpoint as checkpoint_api

    router.register("checkpoints", checkpoint_api.CheckpointViewSet, basename="checkpoint")
    router.register(
        "checkpoint-checks", checkpoint_api.CheckpointCheckViewSet, basename="checkpoint-check"
    )
    # --- trips: closed-loop trips, sample-and-go, late positives (LOG-04) ---
    from sibao.logistics.api import trips as trips_api

    router.register("trips", trips_api.TripViewSet, basename="trip")
    router.register("trip-samples", trips_api.TripSampleViewSet, basename="trip-sample")
    # --- lastmile: receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06) ---
    from sibao.logistics.api import lastmile as lastmile_api

    router.register(
        "receiving-points", lastmile_api.ReceivingPointViewSet, basename="receiving-point"
    )
    router.register("delivery-plans", lastmile_api.DeliveryPlanViewSet, basename="delivery-plan")
    router.register("supply-stations", lastmile_api.SupplyStationViewSet, basename="supply-station")
    router.register("road-closures", lastmile_api.RoadClosureViewSet, basename="road-closure")
    router.register("green-channels", lastmile_api.GreenChannelViewSet, basename="green-channel")
    router.register("toll-discounts", lastmile_api.TollDiscountViewSet, basename="toll-discount")
    from sibao.logistics.api import (
        checkpoint,  # noqa: F401
        fleet,  # noqa: F401
        lastmile,  # noqa: F401
        passes,  # noqa: F401
        trips,  # noqa: F401
    )
