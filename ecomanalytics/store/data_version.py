"""A version number of the shop's data, bumped whenever the data changes.

Caches of metric results are keyed by it, so new data invalidates them all at once.
Writers call bump_data_version() after a load (generate_data, imports, rollup refresh);
admin edits bump it through model signals.
"""

from django.core.cache import cache

DATA_VERSION_KEY = "ecomanalytics:data-version"


def data_version() -> int:
    version = cache.get_or_set(DATA_VERSION_KEY, 1, timeout=None)
    # None only from a callable default that returns None; ours is the number 1.
    return 1 if version is None else int(version)


def bump_data_version() -> int:
    try:
        return cache.incr(DATA_VERSION_KEY)
    except ValueError:
        cache.set(DATA_VERSION_KEY, 2, timeout=None)
        return 2
