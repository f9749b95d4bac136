"""The API routes of custody (under /api/v1/): facilities and the custody of objects."""

from django.urls import include, path

from .api import router

urlpatterns = [path("", include(router.urls))]
