"""The REST API under /api/v1/: routers for the read-only lists, explicit patterns for the register."""

from django.urls import Resolver404, include, path, re_path, resolve, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, renderer_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from turath.cases.api import router as cases_router
from turath.core import api_schema  # noqa: F401  (registers the bearer-token scheme)
from turath.core.agency_api import AgencyViewSet
from turath.core.token_api import TokenViewSet
from turath.custody.api import router as custody_router
from turath.heritage.api import router as heritage_router
from turath.register.api.views import object_routes
from turath.vocabulary.api import ConceptViewSet

router = SimpleRouter(trailing_slash=True)
router.register("concepts", ConceptViewSet, basename="concept")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("tokens", TokenViewSet, basename="token")
router.registry.extend(heritage_router.registry)


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
@renderer_classes([JSONRenderer])
def api_root(request):
    return Response({name: request.build_absolute_uri(reverse(view)) for name, view in (
        ("objects", "api-object-list"), ("concepts", "concept-list"), ("agencies", "agency-list"),
        ("openapi", "openapi"))})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@renderer_classes([JSONRenderer])
def api_not_found(request, rest=""):
    """Unknown API paths answer problem+json like every other API error (not the web UI's HTML page)."""
    hint = ""
    if not request.path.endswith("/"):
        try:
            if resolve(request.path + "/").url_name != "api-not-found":
                hint = f" Did you mean {request.path}/ ?"
        except Resolver404:
            pass
    raise NotFound("There is no such API endpoint." + hint)


urlpatterns = [
    path("", api_root, name="api-root"),
    *object_routes(),
    path("", include(router.urls)),
    path("", include("turath.matching.api")),
    path("", include(cases_router.urls)),
    path("", include(custody_router.urls)),
    # Last: anything else under /api/v1/ is an unknown endpoint (also paths with a newline in them).
    re_path(r"^(?P<rest>[\s\S]*)$", api_not_found, name="api-not-found"),
]
