def register(router):
    # --- spaces: space tree, place codes, badges (EPI-05) ---
    from sibao.places.api import spaces

    router.register("spaces", spaces.SpaceViewSet, basename="space")
    router.register("place-codes", spaces.PlaceCodeViewSet, basename="place-code")
    router.register("space-coverage", spaces.SpaceCoverageViewSet, basename="space-coverage")
    # --- scans: scan lists, owner check-out (EPI-06; gateway batches: /api/feeds/scan/) ---
    from sibao.places.api import scans

    router.register("scans", scans.ScanViewSet, basename="scan")
    router.register("place-presence", scans.PlacePresenceViewSet, basename="place-presence")
    # --- zones: zones, teams, shifts, dormitory rooms, bubble groups (EPI-13) ---
    from sibao.places.api import zones

    router.register("zones", zones.ZoneViewSet, basename="zone")
    router.register("teams", zones.TeamViewSet, basename="team")
    router.register("bubble-groups", zones.BubbleGroupViewSet, basename="bubble-group")
    router.register("shifts", zones.ShiftViewSet, basename="shift")
    router.register("dormitory-rooms", zones.DormitoryRoomViewSet, basename="dormitory-room")
    router.register("zone-checks", zones.ZoneCheckViewSet, basename="zone-check")
    # --- tracing: tracing jobs, synchronous trace (EPI-07) ---
    from sibao.places.api import tracing

    router.register("tracing-jobs", tracing.TracingJobViewSet, basename="tracing-job")
    pass
