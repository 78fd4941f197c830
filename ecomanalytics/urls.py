from django.contrib import admin
from django.urls import include, path, re_path

from ecomanalytics.api.errors import api_not_found

from .api.schema_views import DocsView, SchemaView

# The admin's "View site" link (site_url) leads staff back to the dashboard.
admin.site.site_header = "ecomanalytics admin"
admin.site.site_title = "ecomanalytics admin"
admin.site.index_title = "Shop data"
admin.site.site_url = "/"

# A lost database or a stopped query is a 503 with Retry-After, not a 500.
handler500 = "ecomanalytics.ops.database_errors.server_error"

urlpatterns = [
    path("", include("ecomanalytics.health.urls")),
    path("admin/imports/", include("ecomanalytics.store.importing.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("ecomanalytics.api.urls")),
    # Unknown paths under /api/ answer JSON, as the API's other errors do.
    re_path(r"^api/(?P<unmatched>.*)$", api_not_found, name="api-not-found"),
    path("", include("ecomanalytics.dashboard.urls")),
]
