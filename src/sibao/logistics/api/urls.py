def register(router):
    # --- fleet: vehicles, drivers, transport whitelist, demo data (LOG-01) ---
    # --- passes: pass applications, decisions, signed QR passes, revocation list (LOG-02) ---
    # --- checkpoint: checkpoints, green-channel verification, check log (LOG-03) ---
    # --- trips: closed-loop trips, sample-and-go, late positives (LOG-04) ---
    # --- lastmile: receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06) ---
    from sibao.logistics.api import (
        checkpoint,  # noqa: F401
        fleet,  # noqa: F401
        lastmile,  # noqa: F401
        passes,  # noqa: F401
        trips,  # noqa: F401
    )
