"""REST plumbing shared by every app: bearer tokens, pagination, problem+json errors."""

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, pagination
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.response import Response


from .models import ApiToken


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        raw = auth[1].decode("latin-1")
        token = ApiToken.objects.select_related("user", "user__agency").filter(key_hash=ApiToken.hash(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("Token expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive.")
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="turath"'


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def problem_exception_handler(exc, context):
    """Every API error as RFC 9457 application/problem+json, with field errors when there are any."""
    from rest_framework.views import exception_handler  # here: rest_framework.views imports this module
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    body = {
        "type": "about:blank",
        "title": getattr(exc, "default_detail", "Error"),
        "status": response.status_code,
    }
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body["title"] = "Validation failed"
        body["detail"] = "One or more fields are invalid."
        body["errors"] = data
    elif isinstance(data, dict) and "detail" in data:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = data
    if request is not None:
        body["request_id"] = getattr(request._request, "request_id", "")
    response.data = body
    response.content_type = "application/problem+json"
    return response
