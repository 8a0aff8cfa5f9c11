"""Every write to the command models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.command import actions``."""

# --- emergency ---
from sibao.command.actions.emergency import *  # noqa: F403

# --- incidents ---
from sibao.command.actions.incidents import *  # noqa: F403

# --- oversight ---
from sibao.command.actions.oversight import *  # noqa: F403

# --- escalation ---
# isort: split
from sibao.command.actions.escalation import *  # noqa: F403
