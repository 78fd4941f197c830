"""Staff-only upload pages under /admin/imports/: the same importers as the commands."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import get_valid_filename

from .events import import_events_file
from .forms import ImportUploadForm
from .orders import import_orders_file
from .parsing import ImportFileError
from .report import ImportReport


@dataclass(frozen=True, slots=True)
class UploadKind:
    title: str
    description: str
    run: Callable[..., ImportReport]


UPLOAD_KINDS: dict[str, UploadKind] = {
    "generic-orders": UploadKind(
        "Orders (generic CSV)",
        "One row per order line: order_id, placed_at, customer_id, status, sku, "
        "quantity, unit_price, and optional product, customer and channel columns.",
        lambda path, **options: import_orders_file(
            path, file_format="generic", **options
        ),
    ),
    "shopify-orders": UploadKind(
        "Orders (Shopify export)",
        "Shopify's orders export CSV, one row per line item.",
        lambda path, **options: import_orders_file(
            path, file_format="shopify", **options
        ),
    ),
    "events": UploadKind(
        "Web-session events",
        "One row per event: session_id, occurred_at, event_type, traffic_source, "
        "device, and optional customer_id, country, sku, order_id.",
        import_events_file,
    ),
}


@staff_member_required
def import_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "admin/imports/index.html",
        {**admin.site.each_context(request), "title": "Imports", "kinds": UPLOAD_KINDS},
    )


@staff_member_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    upload_kind = UPLOAD_KINDS.get(kind)
    if upload_kind is None:
        raise Http404("No such import.")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    report: ImportReport | None = None
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="ecomanalytics-import-") as scratch:
            path = Path(scratch) / (get_valid_filename(upload.name) or "upload.csv")
            with path.open("wb") as destination:
                for chunk in upload.chunks():
                    destination.write(chunk)
            try:
                report = upload_kind.run(
                    path, skip_invalid=form.cleaned_data["skip_invalid"]
                )
            except ImportFileError as failure:
                error = str(failure)
    status = 400 if error or (report is not None and not report.written) else 200
    return render(
        request,
        "admin/imports/upload.html",
        {
            **admin.site.each_context(request),
            "title": f"Import: {upload_kind.title}",
            "kind": upload_kind,
            "form": form,
            "report": report,
            "error": error,
        },
        status=status,
    )
