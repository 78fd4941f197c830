"""Upload pages of the importers, mounted at /admin/imports/."""

from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_index, name="index"),
    path("<slug:kind>/", views.import_upload, name="upload"),
]
