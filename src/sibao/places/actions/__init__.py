"""Every write to the places models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.places import actions``."""

from sibao.places.actions.scans import *  # noqa: F403
from sibao.places.actions.spaces import *  # noqa: F403
from sibao.places.actions.tracing import *  # noqa: F403
from sibao.places.actions.zones import *  # noqa: F403
