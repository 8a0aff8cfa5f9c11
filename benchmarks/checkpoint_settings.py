"""Settings of the checkpoint benchmark's server: the project's own, plus one bare endpoint
(``benchmarks.checkpoint_urls``). Used only by ``benchmarks/checkpoint_verify.py``."""

from sibao.config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.checkpoint_urls"
