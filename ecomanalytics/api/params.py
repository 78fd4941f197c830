"""Query parameters shared by every metric endpoint, validated by DRF serializers.

A bad value, an unknown parameter or a repeated one is a 400 whose body names the
parameter. A bucketed series is capped at MAX_BUCKETS buckets per request.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, TypeVar

from rest_framework import serializers

from ..catalogue import Parameter
from ..filters import MetricFilters
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
        return super().to_internal_value(data)


# The dates a period may name: wide enough for any shop's history and plans, narrow
# enough that a period's "previous" window and its YYYY-MM labels stay valid dates.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class PeriodDateField(serializers.DateField):
    """A YYYY-MM-DD date between EARLIEST_DATE and LATEST_DATE."""

    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            raise serializers.ValidationError(
                f"Date must be between {EARLIEST_DATE} and {LATEST_DATE}."
            )
        return parsed


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
    country = serializers.CharField(
        required=False,
        max_length=64,
        help_text="Customer country (session country for sessions).",
    )
    category = serializers.CharField(
        required=False, max_length=128, help_text="Product category name."
    )

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
        if start and end and granularity in BUCKET_COUNTERS:
            check_bucket_count(start, end, granularity)
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
