"""The heritage list's API routes (under /api/v1/heritage/): places, nominations, incidents."""

from django.urls import include, path

from .api import router

urlpatterns = [path("", include(router.urls))]
