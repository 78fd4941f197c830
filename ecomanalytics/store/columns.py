"""The database column behind a model field, for the SQL that the bulk writers build."""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Model


def concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The model's field `name`, which must have a column (not a reverse relation)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} has no column of its own")
    return field


def column_name(model: type[Model], name: str) -> str:
    """The name of the column that holds the model's field `name`, unquoted."""
    return str(concrete_field(model, name).column)
