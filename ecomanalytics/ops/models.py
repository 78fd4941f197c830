"""State that every process of the site must agree on, kept in the database.

The web workers, the import commands and the roll-up refresh are separate processes;
a per-process cache cannot tell one of them that another changed the shop's data.
"""

from django.db import models


class DataVersion(models.Model):
    """One row (pk=1): the version of the shop's data, moved by every write.

    Metric responses are cached under it (api/caching.py), so a load in any process
    retires every worker's cached answers at once.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "data version"
        db_table = "ops_dataversion"  # named in data_version.READ_SQL

    def __str__(self) -> str:
        return f"data version {self.value}"
