"""The API's exception handler (core.api.api_exception): each domain error of core.errors becomes one
problem+json response, and an operating system's PermissionError is not taken for a refusal."""

import pytest
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient

from turath.core.errors import EditConflict, ImageRejected, NotPermitted, RecordInvalid, TransitionNotAllowed

PROBLEM = "application/problem+json"
SECRET_PATH = "/srv/turath/var/media/secret-agency/EG-CUS-2026-0001.jpg"

RAISED = {
    "invalid": lambda: RecordInvalid({"title": ["Required."], "date": ["The date is in the future."]}),
    "conflict": lambda: EditConflict("This record was changed by someone else; reload it."),
    "transition": lambda: TransitionNotAllowed("A closed case cannot be reopened."),
    "transition_status": lambda: TransitionNotAllowed("A record that is «Seized» cannot become «Restituted».",
                                                      field="status", problem_extra={"allowed_transitions": ["in_custody"]}),
    "not_permitted": lambda: NotPermitted("Only the owning agency's editors change this record."),
    "image": lambda: ImageRejected("«x.gif» is a GIF file; send JPEG, PNG, WebP, TIFF or HEIC."),
    "os_permission": lambda: PermissionError(13, "Permission denied", SECRET_PATH),
}


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def raising(request, name):
    raise RAISED[name]()


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def fine(request):
    return Response({"ok": True})


urlpatterns = [path("raise/<str:name>/", raising), path("fine/", fine)]


def post(name, **kwargs):
    response = APIClient(**kwargs).post(f"/raise/{name}/", {}, format="json")
    if response.status_code < 500:
        assert response["Content-Type"].startswith(PROBLEM), response.content
    return response


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("name, status, errors, detail", [
    ("invalid", 400, {"title": ["Required."], "date": ["The date is in the future."]}, "One or more fields are invalid."),
    ("conflict", 409, None, "This record was changed by someone else; reload it."),
    ("transition", 400, {"state": ["A closed case cannot be reopened."]}, "One or more fields are invalid."),
    ("transition_status", 400, {"status": ["A record that is «Seized» cannot become «Restituted»."]},
     "One or more fields are invalid."),
    ("not_permitted", 403, None, "Only the owning agency's editors change this record."),
    ("image", 415, None, "«x.gif» is a GIF file; send JPEG, PNG, WebP, TIFF or HEIC."),
])
def test_each_domain_error_is_one_problem_response(name, status, errors, detail):
    body = post(name).json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    assert body["detail"] == detail
    assert body.get("errors") == errors
    assert body.get("allowed_transitions") == (["in_custody"] if name == "transition_status" else None)


@pytest.mark.urls(__name__)
def test_an_operating_systems_permission_error_is_a_server_fault_not_a_refusal_naming_the_file(caplog):
    response = post("os_permission", raise_request_exception=False)
    assert response.status_code == 500 and response["Content-Type"].startswith(PROBLEM), response.content
    body = response.json()
    assert body["title"] == "Internal Server Error" and body["request_id"]
    assert "secret-agency" not in response.content.decode() and "Permission denied" not in body["detail"]
    # The traceback is in the server's log, once.
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert len(logged) == 1 and logged[0].exc_info and logged[0].exc_info[0] is PermissionError
