"""ResponseSerializer answers exactly what DRF's Serializer answers for the same
fields and rows: the API's JSON must not change with the faster reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework import serializers

from ecomanalytics.api.fields import RateField, money_field
from ecomanalytics.api.responses import ResponseSerializer


@dataclass
class Figures:
    revenue: Decimal
    share: float | None

    @property
    def doubled(self) -> Decimal:
        return self.revenue * 2


@dataclass
class Period:
    label: str
    first_day: date
    figures: Figures
    note: str | None = None

    def describe(self) -> str:
        return f"{self.label} from {self.first_day}"


def _fields() -> dict[str, serializers.Field]:
    return {
        "label": serializers.CharField(),
        "first_day": serializers.DateField(),
        "revenue": money_field(source="figures.revenue"),
        "doubled": money_field(source="figures.doubled"),
        "share": RateField(source="figures.share"),
        "note": serializers.CharField(allow_null=True),
        "described": serializers.CharField(source="describe"),
        "missing": serializers.CharField(required=False),
        "with_default": serializers.CharField(default="n/a"),
        "whole": serializers.SerializerMethodField(),
    }


class DrfPeriod(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return _fields()

    def get_whole(self, period: Period | dict[str, Any]) -> str:
        return type(period).__name__


class FastPeriod(ResponseSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return _fields()

    def get_whole(self, period: Period | dict[str, Any]) -> str:
        return type(period).__name__


class DrfReport(serializers.Serializer):
    results = DrfPeriod(many=True)
    best = DrfPeriod(allow_null=True)


class FastReport(ResponseSerializer):
    results = FastPeriod(many=True)
    best = FastPeriod(allow_null=True)


PERIODS = [
    Period("2026-01", date(2026, 1, 1), Figures(Decimal("10.005"), 0.25)),
    Period("2026-02", date(2026, 2, 1), Figures(Decimal("0"), None), note="partial"),
]


@pytest.mark.parametrize(
    "report",
    [
        {"results": PERIODS, "best": PERIODS[0]},
        {"results": [], "best": None},
        # Dict rows: a key missing from one row is left out (required=False) or
        # takes its default, as DRF does.
        {
            "results": [
                {
                    "label": "2026-03",
                    "first_day": date(2026, 3, 1),
                    "figures": Figures(Decimal("1.10"), 1.0),
                    "note": None,
                    "describe": "March",
                }
            ],
            "best": None,
        },
    ],
)
def test_same_representation_as_drf(report: dict[str, Any]) -> None:
    assert FastReport(report).data == DrfReport(report).data


def test_a_missing_required_attribute_still_fails_loudly() -> None:
    class Strict(ResponseSerializer):
        absent = serializers.CharField()

    with pytest.raises(AttributeError, match="absent"):
        _ = Strict(PERIODS[0]).data
