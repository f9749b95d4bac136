import logging
import re
import uuid

from django.conf import settings
from django.http import JsonResponse

from .context import Actor, current_actor

log = logging.getLogger("turath")


# A client's own request id, kept apart from ours: at most 64 characters of a safe set.
CLIENT_REQUEST_ID_MAX = 64
_CLIENT_REQUEST_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:/+=@-]")


def client_request_id(raw: str) -> str:
    """The client's X-Request-ID, bounded in length and charset ("" when nothing usable is left)."""
    return _CLIENT_REQUEST_ID_UNSAFE.sub("", raw[:4 * CLIENT_REQUEST_ID_MAX])[:CLIENT_REQUEST_ID_MAX]


class RequestContextMiddleware:
    """Gives each request an id and makes the acting user visible to the audit log.

    The id is always ours: a client's X-Request-ID could otherwise pose as (or collide with) the id
    of another request in the audit log. The client's id is kept apart, sanitised, in
    `request.client_request_id` and the audit entries' `client_request_id`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4())
        request.client_request_id = client_request_id(request.headers.get("X-Request-ID", ""))
        via = "api" if request.path.startswith("/api/") else "web"
        token = current_actor.set(Actor(via=via, request_id=request.request_id, request=request,
                                        client_request_id=request.client_request_id))
        try:
            response = self.get_response(request)
        finally:
            current_actor.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


# Every page: scripts, styles, images and connections from Turath itself only; no inline script or
# style (templates use static files), no plugins, no framing, forms post back to Turath only.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])


class SecurityHeadersMiddleware:
    """Headers every response gets unless its view chose them itself (user files set a sandbox CSP):
    - Content-Security-Policy;
    - Cache-Control "private, no-store" on API responses and on every page of a signed-in user, whose
      pages show restricted records (public pages to anonymous visitors may be cached);
    - with TURATH_SECURE_COOKIES=auto, cookies set over HTTPS are marked Secure."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        user = getattr(request, "user", None)
        restricted = request.path.startswith("/api/") or getattr(user, "is_authenticated", False)
        if restricted and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        if settings.TURATH_SECURE_COOKIES == "auto" and request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response


class FriendlyErrorMiddleware:
    """API clients get problem+json for unexpected errors; the traceback goes to the log only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None  # the 500.html template handles the web UI
        log.exception("unhandled error in %s (request %s)", request.path, getattr(request, "request_id", ""))
        return JsonResponse(
            {"type": "about:blank", "title": "Internal error", "status": 500,
             "detail": "The server could not complete the request.",
             "request_id": getattr(request, "request_id", "")},
            status=500, content_type="application/problem+json",
        )
