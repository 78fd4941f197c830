"""Upload pages under /admin/imports/: the same importers as the commands.

Staff status opens the admin; an import also needs the model permissions it
exercises (UploadKind.permissions): a staff user who may not add or change orders in
the admin may not create or change them by uploading a file either. Superusers have
every permission. Anonymous and non-staff visitors are sent to the admin login;
staff without the permissions get 403.
"""

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
from .refunds import import_refunds_file
from .report import ImportReport


@dataclass(frozen=True, slots=True)
class UploadKind:
    title: str
    description: str
    run: Callable[..., ImportReport]
    permissions: tuple[str, ...]

    def allowed(self, user: object) -> bool:
        return user.has_perms(self.permissions)  # type: ignore[attr-defined]


# What the orders import writes: customers (new, and changed email or country), orders
# (new, changed status), products (new, renamed), categories (new), the lines of a
# re-imported order (deleted, then inserted again) and so its refunds' lines
# (allocated again), and the refund a Shopify export records (new, changed, gone).
ORDER_IMPORT_PERMISSIONS = (
    "store.add_order",
    "store.change_order",
    "store.add_orderitem",
    "store.change_orderitem",
    "store.delete_orderitem",
    "store.add_customer",
    "store.change_customer",
    "store.add_product",
    "store.change_product",
    "store.add_category",
    "store.add_refund",
    "store.change_refund",
    "store.delete_refund",
    "store.add_refundline",
    "store.delete_refundline",
)
# What the refunds import writes: refunds (new, replaced), their lines (deleted and
# allocated again when a refund is replaced), and the status of an order refunded in
# full.
REFUND_IMPORT_PERMISSIONS = (
    "store.add_refund",
    "store.change_refund",
    "store.add_refundline",
    "store.delete_refundline",
    "store.change_order",
)
# What the events import writes: customers (new), sessions (new, moved start), events.
EVENT_IMPORT_PERMISSIONS = (
    "store.add_customer",
    "store.add_websession",
    "store.change_websession",
    "store.add_sessionevent",
)


UPLOAD_KINDS: dict[str, UploadKind] = {
    "generic-orders": UploadKind(
        "Orders (generic CSV)",
        "One row per order line: order_id, placed_at, customer_id, status, sku, "
        "quantity, unit_price, and optional product, customer and channel columns.",
        lambda path, **options: import_orders_file(
            path, file_format="generic", **options
        ),
        ORDER_IMPORT_PERMISSIONS,
    ),
    "shopify-orders": UploadKind(
        "Orders (Shopify export)",
        "Shopify's orders export CSV, one row per line item.",
        lambda path, **options: import_orders_file(
            path, file_format="shopify", **options
        ),
        ORDER_IMPORT_PERMISSIONS,
    ),
    "refunds": UploadKind(
        "Refunds",
        "One row per refund, or per returned line: refund_id, order_id, refunded_at, "
        "amount, and optional sku and quantity.",
        import_refunds_file,
        REFUND_IMPORT_PERMISSIONS,
    ),
    "events": UploadKind(
        "Web-session events",
        "One row per event: session_id, occurred_at, event_type, traffic_source, "
        "device, and optional customer_id, country, sku, order_id.",
        import_events_file,
        EVENT_IMPORT_PERMISSIONS,
    ),
}


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "admin/imports/forbidden.html",
        {**admin.site.each_context(request), "title": "Imports", "reason": reason},
        status=403,
    )


@staff_member_required
def import_index(request: HttpRequest) -> HttpResponse:
    """The imports this user may run; 403 when there is none."""
    kinds = {
        slug: kind for slug, kind in UPLOAD_KINDS.items() if kind.allowed(request.user)
    }
    if not kinds:
        return _forbidden(request, "You have no permission to import data.")
    return render(
        request,
        "admin/imports/index.html",
        {**admin.site.each_context(request), "title": "Imports", "kinds": kinds},
    )


@staff_member_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    upload_kind = UPLOAD_KINDS.get(kind)
    if upload_kind is None:
        raise Http404("No such import.")
    if not upload_kind.allowed(request.user):
        return _forbidden(
            request,
            "This import needs the permissions to add and change what it writes: "
            + ", ".join(upload_kind.permissions)
            + ".",
        )
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
