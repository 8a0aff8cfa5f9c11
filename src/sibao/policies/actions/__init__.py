"""Every write to the policies models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.policies import actions``."""

# --- catalogue ---
from sibao.policies.actions.catalogue import *  # noqa: F403
from sibao.policies.actions.reserve import *  # noqa: F403

# --- matching ---
# isort: split
from sibao.policies.actions.matching import *  # noqa: F403

# isort: split
# --- uptake ---
from sibao.policies.actions.subsidies import *  # noqa: F403
from sibao.policies.actions.uptake import *  # noqa: F403
