"""The REST API under /api/v1/: its root, each app's routes (the app's own api_urls.py), one line per app,
and problem+json for any other path."""

from django.urls import Resolver404, include, path, re_path, resolve, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, renderer_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


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
    path("", include("turath.core.api_urls")),
    path("", include("turath.register.api_urls")),
    path("", include("turath.vocabulary.api_urls")),
    path("", include("turath.heritage.api_urls")),
    path("", include("turath.matching.api_urls")),
    path("", include("turath.cases.api_urls")),
    path("", include("turath.custody.api_urls")),
    # Last: anything else under /api/v1/ is an unknown endpoint (also paths with a newline in them).
    re_path(r"^(?P<rest>[\s\S]*)$", api_not_found, name="api-not-found"),
]
