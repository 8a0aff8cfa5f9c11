"""Every write to the epidemic models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.epidemic import actions``."""

from sibao.epidemic.actions.arrivals import *  # noqa: F403
from sibao.epidemic.actions.feeds import *  # noqa: F403
from sibao.epidemic.actions.roster import *  # noqa: F403
from sibao.epidemic.actions.sentinel import *  # noqa: F403
from sibao.epidemic.actions.units import *  # noqa: F403
