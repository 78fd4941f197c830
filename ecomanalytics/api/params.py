"""Query parameters shared by every metric endpoint, validated by DRF serializers.

A bad value, an unknown parameter or a repeated one is a 400 whose body names the
parameter. A bucketed series is capped at MAX_BUCKETS buckets per request.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar, TypeVar

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..catalogue import Parameter
from ..filters import MetricFilters
from ..periods import resolve_window
from ..store.choices import Device, TrafficSource

P = TypeVar("P", bound="StrictQuerySerializer")

# Parameters DRF itself reads (content negotiation); allowed on every endpoint.
TRANSPORT_PARAMETERS = frozenset({"format"})


class StrictQuerySerializer(serializers.Serializer):
    """Rejects query parameters the endpoint does not know, and repeated ones.

    `?source=email&source=organic` would otherwise use the last value silently; every
    filter takes one value.
    """

    def to_internal_value(self, data: Any) -> Any:
        known = set(self.fields) | TRANSPORT_PARAMETERS
        unknown = sorted(set(data) - known)
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [
                        f"Unknown parameter. Known parameters: {', '.join(sorted(self.fields))}."
                    ]
                    for name in unknown
                }
            )
        repeated = sorted(
            name
            for name in data
            if hasattr(data, "getlist") and len(data.getlist(name)) > 1
        )
        if repeated:
            raise serializers.ValidationError(
                {
                    name: ["Give this parameter once; it takes a single value."]
                    for name in repeated
                }
            )
        # DRF reads `?start=` as a parameter not given; the schema says a date (or a
        # value of the enum, or at least one character), so an empty value is a 400.
        empty = sorted(name for name in data if data.get(name) == "")
        if empty:
            raise serializers.ValidationError(
                {
                    name: ["Empty value: give a value, or leave the parameter out."]
                    for name in empty
                }
            )
        return super().to_internal_value(data)


# The dates a period may name: wide enough for any shop's history and plans, narrow
# enough that a period's "previous" window and its YYYY-MM labels stay valid dates.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


# YYYY-MM-DD with ASCII digits and a year from 1900 to 2100, as the schema states it;
# the day is checked by parsing. Python alone also reads 20250101 and 2025-W01-1.
ISO_DAY = r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
_ISO_DAY = re.compile(ISO_DAY)


@extend_schema_field(
    {
        "type": "string",
        "format": "date",
        "pattern": ISO_DAY,
        "description": "YYYY-MM-DD, from 1900-01-01 to 2100-12-31.",
    }
)
class PeriodDateField(serializers.DateField):
    """A YYYY-MM-DD date between EARLIEST_DATE and LATEST_DATE."""

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, str) and not _ISO_DAY.match(value):
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise serializers.ValidationError(
                    f"Date must be between {EARLIEST_DATE} and {LATEST_DATE}."
                )
            raise serializers.ValidationError("Date must be YYYY-MM-DD.")
        parsed = super().to_internal_value(value)
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            raise serializers.ValidationError(
                f"Date must be between {EARLIEST_DATE} and {LATEST_DATE}."
            )
        return parsed


# A filter's value as the schema states it: any text without NUL (which no stored
# value holds; PostgreSQL cannot even compare it), matched exactly, spaces included.
NO_NUL = RegexValidator(r"^[^\x00]+$", "Null characters are not allowed.")


class FilterTextField(serializers.CharField):
    """A text filter (country, category): optional, exact, at least one character."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        # Kept as given: DRF's trimming made "?country=%20" a "may not be blank"
        # 400 that the schema (minLength 1) did not announce.
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("validators", [NO_NUL])
        super().__init__(**kwargs)


# Buckets one request may ask for: about 3 years of days (21 years of weeks, 91 of
# months). Day buckets from 1900 to 2100 were 6.6 MB and 7.4 s of one worker's time.
MAX_BUCKETS = 1100


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _weeks(start: date, end: date) -> int:
    return ((end - date.fromordinal(start.toordinal() - start.weekday())).days // 7) + 1


BUCKET_COUNTERS = {
    "day": lambda start, end: (end - start).days + 1,
    "week": _weeks,
    "month": _months,
}
COARSER = {"day": ("week", "month"), "week": ("month",), "month": ()}


def check_bucket_count(start: date, end: date, granularity: str) -> None:
    """ValidationError naming the limit and the alternatives above MAX_BUCKETS."""
    count = BUCKET_COUNTERS[granularity](start, end)
    if count <= MAX_BUCKETS:
        return
    alternatives = [f"granularity={coarser}" for coarser in COARSER[granularity]]
    alternatives.append("shorter periods asked one after another (start/end)")
    raise serializers.ValidationError(
        {
            "granularity": [
                f"{start} to {end} is {count:,} {granularity} buckets; at most "
                f"{MAX_BUCKETS:,} per request. Ask {' or '.join(alternatives)}."
            ]
        }
    )


class MetricParams(StrictQuerySerializer):
    """start/end and the filters; subclasses drop the filters that do not apply."""

    start = PeriodDateField(
        required=False,
        help_text=(
            "First day of the period (inclusive), YYYY-MM-DD, shop time zone; "
            "1900-01-01 to 2100-12-31."
        ),
    )
    end = PeriodDateField(
        required=False,
        help_text=(
            "Last day of the period (inclusive), YYYY-MM-DD, shop time zone; "
            "1900-01-01 to 2100-12-31."
        ),
    )
    # Field.source is an attribute of every field, this serializer too; but the
    # serializer's metaclass moves declared fields out of the class attributes, so
    # this query parameter named "source" does not replace it.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=TrafficSource.values, required=False, help_text="Traffic source."
    )
    device = serializers.ChoiceField(
        choices=Device.values, required=False, help_text="Device."
    )
    country = FilterTextField(
        max_length=64, help_text="Customer country (session country for sessions)."
    )
    category = FilterTextField(max_length=128, help_text="Product category name.")

    excluded_filters: ClassVar[tuple[str, ...]] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in self.excluded_filters:
            fields.pop(name, None)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end": ["end must not be before start."]}
            )
        granularity = attrs.get("granularity")
        if granularity in BUCKET_COUNTERS:
            # An open bound is the data span's, as the metric takes it: the cap
            # counts the buckets the answer would have (?start=1900-01-01 alone
            # was 46,000 day buckets).
            window = resolve_window(start, end)
            if window is not None and window.start <= window.end:
                check_bucket_count(window.start, window.end, granularity)
        return attrs

    def to_filters(self) -> MetricFilters:
        data = self.validated_data
        return MetricFilters(
            start=data.get("start"),
            end=data.get("end"),
            source=data.get("source"),
            device=data.get("device"),
            country=data.get("country") or None,
            category=data.get("category") or None,
        )


class SessionMetricParams(MetricParams):
    """Sessions have no category."""

    excluded_filters = ("category",)


def parse_query(params_class: type[P], query: Any) -> P:
    """Validate a request's query parameters; raises ValidationError (HTTP 400)."""
    params = params_class(data=query)
    params.is_valid(raise_exception=True)
    return params


def parameter_field(parameter: Parameter) -> serializers.Field:
    """The serializer field of a catalogue parameter: its allowed values and default."""
    help_text = parameter.description[:1].upper() + parameter.description[1:] + "."
    if parameter.choices:
        return serializers.ChoiceField(
            choices=list(parameter.choices),
            default=parameter.default,
            help_text=help_text,
        )
    if isinstance(parameter.default, str):
        raise TypeError(f"{parameter.name}: without choices, the default is an int")
    return serializers.IntegerField(
        min_value=parameter.minimum,
        max_value=parameter.maximum,
        default=parameter.default,
        help_text=help_text,
    )
