import logging
import uuid

from django.http import JsonResponse

from .context import Actor, current_actor

log = logging.getLogger("turath")


class RequestContextMiddleware:
    """Gives each request an id and makes the acting user visible to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        via = "api" if request.path.startswith("/api/") else "web"
        token = current_actor.set(Actor(via=via, request_id=request.request_id[:36], request=request))
        try:
            response = self.get_response(request)
        finally:
            current_actor.reset(token)
        response["X-Request-ID"] = request.request_id
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
