"""Every write to the epidemic models, one function each (architecture §2), one module per area,
re-exported here: ``from sibao.epidemic import actions``."""
