"""Rate limits for integrations: only token-authenticated requests are throttled.

The dashboard (session auth) is a person clicking; an integration is a loop, and a
runaway loop should hit 429 before it hurts the database.

The counters live in the "shared" cache (a database table, or Redis with REDIS_URL),
so N gunicorn workers allow the rate once, not N times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.core.cache import BaseCache, caches
from django.utils.connection import ConnectionProxy
from rest_framework.authentication import TokenAuthentication
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenClientRateThrottle(SimpleRateThrottle):
    """Per-user rate for token clients; the rate is DEFAULT_THROTTLE_RATES["token"].

    Set it with the API_THROTTLE_RATE environment variable, e.g. "1000/hour".
    """

    scope = "token"
    # The proxy resolves to the "shared" cache of the current thread: a BaseCache.
    cache = cast(BaseCache, ConnectionProxy(caches, "shared"))

    def get_rate(self) -> str | None:
        # SimpleRateThrottle copies the rates when the module is imported; reading them
        # per request lets override_settings (and a reloaded settings) take effect.
        # Rates are strings like "1000/hour" (SimpleRateThrottle.THROTTLE_RATES says
        # so); djangorestframework-stubs type this setting's values as numbers.
        rates = cast("dict[str, str | None]", api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            return None  # not a token client: no limit
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
