"""The dashboard: one page whose charts read the /api/ endpoints with the session's login."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecomanalytics.api.catalogue import METRICS
from ecomanalytics.api.permissions import ANALYSTS_GROUP
from ecomanalytics.money import revenue_measure
from ecomanalytics.periods import today

from .revenue_measure import revenue_measure_sentence


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    # The same rule as the API's CanReadMetrics: anyone else would only see 403s,
    # so the page tells them what access they need instead of drawing error states.
    can_read_metrics = user.is_staff or user.groups.filter(name=ANALYSTS_GROUP).exists()
    context = {
        "can_read_metrics": can_read_metrics,
        # Date presets count back from the shop's today, not the browser's.
        "shop_today": today().isoformat(),
        "shop_time_zone": settings.TIME_ZONE,
        "currency": settings.CURRENCY,
        # The ⓘ texts: each metric's declaration, by id with "_" for ".".
        "metrics": {key.replace(".", "_"): metric for key, metric in METRICS.items()},
        # The revenue-based panels say which money revenue is (REVENUE_MEASURE).
        "revenue_measure": revenue_measure_sentence(revenue_measure()),
    }
    return render(request, "dashboard/index.html", context)
