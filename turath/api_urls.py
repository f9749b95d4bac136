"""The REST API under /api/v1/: each app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from turath.register.api.views import CulturalObjectViewSet
from turath.vocabulary.api import ConceptViewSet

router = DefaultRouter(trailing_slash=True)
router.register("objects", CulturalObjectViewSet, basename="object")
router.register("concepts", ConceptViewSet, basename="concept")

urlpatterns = [path("", include(router.urls))]
