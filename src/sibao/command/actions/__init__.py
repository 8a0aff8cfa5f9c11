"""Every write to the command models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.command import actions``."""

# --- emergency ---
# --- incidents ---
# --- oversight ---
# --- escalation ---
