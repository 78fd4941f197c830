"""A version number of the shop's data, bumped whenever the data changes.

Caches of metric results are keyed by it, so new data invalidates them all at once.
Writers call bump_data_version() after a load (generate_data, imports, rollup refresh);
admin edits bump it through model signals.

The value is a database row (ecomanalytics/ops), so a load in one process (an import
command) is seen by every web worker at its next request.
"""

from ecomanalytics.ops.data_version import bump_data_version, data_version

__all__ = ["bump_data_version", "data_version"]
