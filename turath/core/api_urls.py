"""core's API routes (under /api/v1/): the agencies and the caller's own tokens."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api_schema  # noqa: F401  (registers the bearer-token scheme)
from .agency_api import AgencyViewSet
from .token_api import TokenViewSet

router = SimpleRouter(trailing_slash=True)
router.register("agencies", AgencyViewSet, basename="agency")
router.register("tokens", TokenViewSet, basename="token")

urlpatterns = [path("", include(router.urls))]
