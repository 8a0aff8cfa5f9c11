def register(router):
    # --- spaces: space tree, place codes, badges (EPI-05) ---
    # --- scans: scan lists, owner check-out (EPI-06; gateway batches: /api/feeds/scan/) ---
    # --- zones: zones, teams, shifts, dormitory rooms, bubble groups (EPI-13) ---
    # --- tracing: tracing jobs, synchronous trace (EPI-07) ---
    pass
