"""What the OpenAPI document says beyond what drf-spectacular infers: the bearer tokens, the JSON of
hand-built viewsets (pages or arrays of objects) and the problem+json errors of every operation.
Imported by turath.api_urls, which registers the token scheme; schemathesis checks the responses
against this document (core/tests/test_api_schemathesis.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "turath.core.api.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "`Authorization: Bearer <token>`; create one with `turath token create USERNAME`."}


OBJECT = {"type": "object", "additionalProperties": {}}
ARRAY = {"type": "array", "items": OBJECT}


@extend_schema_serializer(many=False)  # a page already: not to be wrapped in an array
class JsonPage(serializers.Serializer):
    """One page of core.api.Pagination, of JSON objects."""
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = serializers.ListField(child=serializers.DictField())


def json_viewset(name: str, *, paged: bool = True):
    """OpenAPI description for a plain ViewSet that answers JSON objects built by hand (no serializer):
    distinct operation ids for list and detail, JSON objects in and out for every operation, and its
    list as a page of objects (`paged`) or as a plain array of objects."""
    # A raw schema on a list action is the schema of one item (drf-spectacular makes the array).
    listed = JsonPage if paged else OBJECT

    def decorate(cls):
        cls = extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)(cls)
        return extend_schema_view(
            list=extend_schema(operation_id=f"{name}_list", responses={200: listed}),
            retrieve=extend_schema(operation_id=f"{name}_retrieve", responses=OpenApiTypes.OBJECT),
        )(cls)

    return decorate


# Every API error is application/problem+json (core.api.problem_exception_handler); which of these an
# operation answers depends on its input and on who asks, so each operation lists them all.
PROBLEM_SCHEMA = {"type": "object", "required": ["type", "title", "status"], "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {}, "errors": {"type": "object", "additionalProperties": {}},
    "request_id": {"type": "string"}}, "additionalProperties": {}}
PROBLEM_STATUSES = {"400": "Bad Request", "401": "Unauthorized", "403": "Forbidden", "404": "Not Found",
                    "405": "Method Not Allowed", "406": "Not Acceptable", "409": "Conflict",
                    "413": "Payload Too Large", "415": "Unsupported Media Type"}


def add_problem_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: the problem+json responses of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            # A POST answers 201 when it creates and 200 when it changes or finds (e.g. a photograph
            # already attached): both with the same body.
            if method == "post" and ("200" in responses) != ("201" in responses):
                responses.setdefault("201", responses.get("200"))
                responses.setdefault("200", responses.get("201"))
            for code, phrase in PROBLEM_STATUSES.items():
                response = responses.setdefault(code, {"description": phrase})
                response.setdefault("content", content)
    return result
