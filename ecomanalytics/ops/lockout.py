"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, credentials: dict[str, Any] | None, *args: Any, **kwargs: Any
) -> HttpResponse:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "registration/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
            "username": (credentials or {}).get("username")
            or request.POST.get("username", ""),
        },
        status=429,
    )
