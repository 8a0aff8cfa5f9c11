"""Every write to the enterprises app's models, one function each (architecture §2).

The functions live in one module per area and are re-exported here, so callers write
``from sibao.enterprises import actions`` and ``actions.submit_application(...)``.
"""

from sibao.enterprises.actions.chain import *  # noqa: F403
from sibao.enterprises.actions.checks import *  # noqa: F403
from sibao.enterprises.actions.criteria import *  # noqa: F403
from sibao.enterprises.actions.facts import *  # noqa: F403
from sibao.enterprises.actions.production import *  # noqa: F403
from sibao.enterprises.actions.registry import *  # noqa: F403
from sibao.enterprises.actions.whitelist import *  # noqa: F403
