"""The base of every metric response serializer: DRF's output, read faster.

DRF reads each field through Field.get_attribute, which checks every step of the
source against collections.abc.Mapping and inspect's callables; a sales table of
36 months x 10 fields spent about a fifth of its request time there. Metric rows
are dataclasses and dicts, so each field's source is read here with getattr or a
key lookup, and any field this cannot read plainly (a missing attribute, a field
with its own get_attribute) goes through DRF's own path, with its defaults and
skips. The declared fields stay what the OpenAPI schema is generated from.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_DRF_GET_ATTRIBUTE = serializers.Field.get_attribute
_UNREADABLE = object()
# Read with a plain getattr/key lookup: (response key, source steps, field);
# steps is None where DRF's own get_attribute must read the field.
Plan = list[tuple[str, tuple[str, ...] | None, serializers.Field]]


class ResponseSerializer(serializers.Serializer):
    """A read-only serializer with DRF's representation of each field."""

    _plan: Plan | None = None

    def _reading_plan(self) -> Plan:
        if self._plan is None:
            self._plan = [
                (
                    str(field.field_name),
                    tuple(field.source_attrs)
                    if type(field).get_attribute is _DRF_GET_ATTRIBUTE
                    else None,
                    field,
                )
                for field in self._readable_fields
            ]
        return self._plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        represented: dict[str, Any] = {}
        for name, steps, field in self._reading_plan():
            try:
                value = _UNREADABLE if steps is None else _read(instance, steps)
                if value is _UNREADABLE:
                    value = field.get_attribute(instance)
            except SkipField:
                continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                represented[name] = None
            else:
                represented[name] = field.to_representation(value)
        return represented


def _read(instance: Any, steps: tuple[str, ...]) -> Any:
    """The value at the source steps, or _UNREADABLE where DRF's rules apply: a step
    that is missing or callable (DRF calls methods, and a missing step takes the
    field's default, null or omission)."""
    value = instance
    for step in steps:
        if type(value) is dict:
            if step not in value:
                return _UNREADABLE
            value = value[step]
        else:
            value = getattr(value, step, _UNREADABLE)
            if value is _UNREADABLE:
                return _UNREADABLE
        if callable(value):
            return _UNREADABLE
    return value
