"""The vocabulary's API routes (under /api/v1/): its concepts."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import ConceptViewSet

router = SimpleRouter(trailing_slash=True)
router.register("concepts", ConceptViewSet, basename="concept")

urlpatterns = [path("", include(router.urls))]
