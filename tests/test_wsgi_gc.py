"""The WSGI entry point loads the URL patterns and freezes what it loaded out of the garbage
collector's scans (a full collection of a loaded app paused a worker for tens of
milliseconds: docs/benchmarks.md, checkpoint verification)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.req("LOG-03")
def test_a_worker_freezes_its_loaded_objects():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="sibao.config.settings")
    env.setdefault("DATABASE_URL", f"sqlite:///{settings.BASE_DIR / 'var' / 'wsgi-gc.sqlite3'}")
    code = "import gc, sibao.config.wsgi; print(gc.get_freeze_count())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert int(out) > 50_000  # the app's modules, models and URL patterns
