"""gunicorn's settings for every server of the project: the Dockerfile's, the bench's
and the tests' gunicorn read this file from their working directory (the project's
root), so they serve alike. Command-line options (--bind, --workers) come on top.

Request limits (docs/operations.md, "Request limits"): gunicorn's defaults, stated
here; a request over them never reaches Django and is answered 414 or 431 as JSON by
the worker class.
"""

# The request line (method, path, query string, protocol): the dashboard's longest
# URLs are under 300 bytes.
limit_request_line = 4094
# Header fields per request, and bytes per field (the session and CSRF cookies
# share one Cookie field).
limit_request_fields = 100
limit_request_field_size = 8190

worker_class = "ecomanalytics.ops.gunicorn_worker.JsonLimitsSyncWorker"

# Modules a request would otherwise import on first use, imported as each worker
# starts. None now: the forecasts are fitted at the refresh and served from storage,
# and statsforecast (about 180 MB) is left out of the workers on purpose; only an
# on-demand forecast imports it, once per worker (2-4 s).
WARM_IMPORTS: tuple[str, ...] = ()


def post_worker_init(worker: object) -> None:  # gunicorn: the app is loaded
    import importlib

    for module in WARM_IMPORTS:
        importlib.import_module(module)
