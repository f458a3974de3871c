"""The WSGI application `make loadtest` runs under gunicorn: the app itself
plus the trivial signed-in page it compares against (bench_trust)."""

import bench_trust

from schoolsocial.wsgi import application  # noqa: F401  (gunicorn's entry point)

bench_trust._install_trivial_view()
