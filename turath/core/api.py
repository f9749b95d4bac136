"""REST plumbing shared by every app: bearer tokens, pagination, problem+json errors."""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.log import log_response
from rest_framework import exceptions, pagination, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import tokens
from .errors import EditConflict, ImageRejected, NotPermitted, RecordInvalid, TransitionNotAllowed
from .models import TokenScope

PROBLEM_JSON = "application/problem+json"
# A token in a URL ends up in server and proxy logs and in browser history: refused, never read.
_QUERY_REFUSED = ("Tokens are not accepted in the query string: send `Authorization: Bearer <token>` "
                  "(a feed reader uses a feed link).")


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`. Any other Authorization header is refused (401) rather than
    ignored: a client whose credentials were silently dropped would see only public records and
    could mistake that for the register's content."""

    keyword = b"bearer"

    def authenticate(self, request):
        if tokens.token_in_query(request):
            raise exceptions.AuthenticationFailed(_QUERY_REFUSED)
        try:
            auth = get_authorization_header(request).split()
        except UnicodeError:  # not Latin-1: cannot be one of our tokens (real servers pass bytes as Latin-1)
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not auth:
            return None
        if auth[0].lower() != self.keyword or len(auth) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        try:
            token = tokens.check(auth[1].decode("latin-1"), TokenScope.API)
        except tokens.TokenRefused as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="turath"'


class ObjectJSONParser(JSONParser):
    """JSON request bodies: one object, with no NUL in any string. Every endpoint reads its body as an
    object (`request.data.get(...)`); a list, a number or `null` used to end in a 500 there."""

    def parse(self, stream, media_type=None, parser_context=None):
        from .parsing import refuse_nul

        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise exceptions.ParseError("The request body must be one JSON object.")
        refuse_nul(data)
        return data


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record was changed by someone else."
    default_code = "conflict"


class UnsupportedUpload(exceptions.APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "This file is not accepted."
    default_code = "unsupported_media_type"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."
    default_code = "too_large"


class AnyMediaRenderer(JSONRenderer):
    """For views that stream files: accepts any Accept header, and renders their errors as JSON."""

    media_type = "*/*"
    format = "json"


def api_exception(exc: Exception) -> Exception:
    """The domain's errors (core.errors) as DRF exceptions: the one place they get a status code.
    A domain error's `problem_extra` (e.g. the allowed transitions) goes into the problem body."""
    mapped = _mapped(exc)
    if mapped is not exc and getattr(exc, "problem_extra", None):
        mapped.problem_extra = exc.problem_extra
    return mapped


def _mapped(exc: Exception) -> Exception:
    if isinstance(exc, RecordInvalid):
        return exceptions.ValidationError(exc.errors)
    if isinstance(exc, EditConflict):
        return Conflict(str(exc))
    if isinstance(exc, TransitionNotAllowed):
        return exceptions.ValidationError({getattr(exc, "field", "state"): [str(exc)]})
    if isinstance(exc, NotPermitted):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, ImageRejected):
        return UnsupportedUpload(str(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return exc


def _server_fault(exc: Exception, request) -> Response:
    """Anything else (a bug, a full disk, an operating system's PermissionError on a file) is the server's
    fault: a 500 problem that says so and gives the request id, never the exception's text (it may name a
    path or a record); the traceback goes to the log, where Django would have put it."""
    from rest_framework.views import set_rollback

    set_rollback()
    response = Response({"detail": "The server could not complete the request; it has been logged."},
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if request is not None:
        log_response("Internal Server Error: %s", request.path, response=response, request=request._request,
                     exception=exc)
    return response


def problem_exception_handler(exc, context):
    """Every API error as RFC 9457 application/problem+json, with field errors when there are any.

    `title` is the HTTP status phrase, `detail` the human explanation; validation errors add
    `errors` keyed by field ("non_field_errors" for the body as a whole). Views may attach more
    members (e.g. `allowed_transitions`) through the exception's `problem_extra` attribute.
    """
    from rest_framework.views import exception_handler  # here: rest_framework.views imports this module
    exc = api_exception(exc)
    response = exception_handler(exc, context)
    request = context.get("request")
    if response is None:
        if settings.DEBUG:
            return None  # Django's debug page, for the developer
        response = _server_fault(exc, request)
    code = response.status_code
    body = {
        "type": "about:blank",
        "title": HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error",
        "status": code,
    }
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body["detail"] = "One or more fields are invalid."
        body["errors"] = data if isinstance(data, dict) else {"non_field_errors": data}
    elif isinstance(data, dict) and "detail" in data:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = data
    body.update(getattr(exc, "problem_extra", None) or {})
    if request is not None:
        body["request_id"] = getattr(request._request, "request_id", "")
    response.data = body
    response.content_type = PROBLEM_JSON
    return response
