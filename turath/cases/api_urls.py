"""The API routes of cases (under /api/v1/): reports, seizures, restitution cases, alerts."""

from django.urls import include, path

from .api import router

urlpatterns = [path("", include(router.urls))]
