"""GET /api/filters/: the choices the dashboard's filters offer, and the data's span.

Only values present in the data are offered, so a filter never lists a source, device,
country or category that would match nothing at all.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..periods import data_span
from ..rollups.status import rollups_refreshed_at
from ..store.choices import Device, TrafficSource
from ..store.models import Category, Customer, Order, WebSession
from .params import StrictQuerySerializer, parse_query


class NoParams(StrictQuerySerializer):
    """The endpoint takes no parameters; any given one is a 400."""


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    # Field.label is an attribute of every field, this serializer too; but the
    # serializer's metaclass moves declared fields out of the class attributes, so
    # the response field named "label" does not replace it.
    label = serializers.CharField()  # type: ignore[assignment]


class SpanSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class FilterOptionsSerializer(serializers.Serializer):
    sources = ChoiceSerializer(many=True)
    devices = ChoiceSerializer(many=True)
    countries = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    data_span = SpanSerializer(allow_null=True)
    rollups_refreshed_at = serializers.DateTimeField(allow_null=True)


def _distinct(*columns: QuerySet) -> list[str]:
    """Sorted distinct non-empty values of one column over several tables (one UNION query)."""
    # order_by() clears the models' default ordering, which a compound query forbids.
    first, *others = (column.order_by() for column in columns)
    values = first.union(*others) if others else first.distinct()
    return sorted(value for value in values if value)


def _labelled(values: list[str], choices: type[TrafficSource | Device]) -> list[dict]:
    labels = dict(choices.choices)
    return [{"value": value, "label": labels.get(value, value)} for value in values]


class FilterOptionsView(APIView):
    """An APIView rather than a ViewSet's list action: the schema shows one object."""

    @extend_schema(
        parameters=[NoParams],
        responses=FilterOptionsSerializer,
        description=(
            "The traffic sources, devices and countries found on orders or sessions, "
            "the categories of the catalogue, and the data span (local days of the "
            "first and last order, any status; null when there are no orders)."
        ),
    )
    def get(self, request: Request) -> Response:
        parse_query(NoParams, request.query_params)
        sources = _distinct(
            Order.objects.values_list("traffic_source", flat=True),
            WebSession.objects.values_list("traffic_source", flat=True),
        )
        devices = _distinct(
            Order.objects.values_list("device", flat=True),
            WebSession.objects.values_list("device", flat=True),
        )
        countries = _distinct(
            Customer.objects.values_list("country", flat=True),
            WebSession.objects.values_list("country", flat=True),
        )
        categories = _distinct(Category.objects.values_list("name", flat=True))
        span = data_span()
        options = {
            "sources": _labelled(sources, TrafficSource),
            "devices": _labelled(devices, Device),
            "countries": countries,
            "categories": categories,
            "data_span": {"start": span.start, "end": span.end} if span else None,
            "rollups_refreshed_at": rollups_refreshed_at(),
        }
        return Response(FilterOptionsSerializer(options).data)
