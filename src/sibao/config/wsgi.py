import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
application = get_wsgi_application()

# Load every URL pattern now, then take what is loaded out of the garbage collector's scans:
# a full collection walks every object of a loaded app (≈ 180 000) and holds all of a worker's
# threads meanwhile — about 80 ms measured, the tail of a checkpoint's verifications
# (docs/benchmarks.md). Frozen, the longest pause measured was about 11 ms. Each worker
# process runs this once after its imports; what it allocates later is collected as usual.
get_resolver().reverse_dict  # noqa: B018 — populates every include
gc.collect()
gc.freeze()
