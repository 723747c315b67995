"""Settings for bench/web_bench.py only: the project's settings plus a bare JSON view.

Never used in production: the bare view lives in bench/bench_urls.py, not in config/urls.py.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
