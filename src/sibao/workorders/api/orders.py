"""API of the orders area: routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02)."""
