from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from .views import dashboard


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on every page without an icon link (the
    admin, the browsable API): the static file, instead of a 404 in the log."""

    permanent = True

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static("favicon.ico")


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
]
