"""Every write to the policies models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.policies import actions``."""

# --- catalogue ---
# --- matching ---
# --- uptake ---
