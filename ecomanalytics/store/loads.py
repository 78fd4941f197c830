"""The signals the store sends around a bulk load, for the layers above it to act on.

Bulk loads write with SQL that sends no model signals; they send `rows_loaded` once
their rows are committed, so the roll-ups (which the store must not import) can
refresh the days the load touched.
"""

from django.dispatch import Signal

# Sent once a load has committed, with keyword arguments:
# - using: the database alias written;
# - since: the earliest moment (aware datetime) whose local day the load touched, or
#   None when any day may have changed;
# - build: True for the generator's fresh shop, False for an import. The roll-ups
#   no longer tell them apart: the first load of either builds them.
rows_loaded = Signal()

# Sent inside a load's transaction, before its rows commit, with keyword argument
# using: the roll-ups mark a refresh as pending, so the mark commits with the rows.
rows_loading = Signal()
