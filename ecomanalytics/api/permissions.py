"""Who may read the metrics: active staff users and members of the analysts group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

ANALYSTS_GROUP = "analysts"


class CanReadMetrics(BasePermission):
    message = (
        "Reading metrics needs a staff account or membership of the analysts group."
    )

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return user.is_staff or user.groups.filter(name=ANALYSTS_GROUP).exists()
