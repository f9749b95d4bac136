"""How the OpenAPI document describes our bearer tokens (imported by turath.api_urls, which registers it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "turath.core.api.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "`Authorization: Bearer <token>`; create one with `turath token create USERNAME`."}


def json_viewset(name: str):
    """OpenAPI description for a plain ViewSet that answers JSON objects built by hand (no serializer):
    distinct operation ids for list and detail, and JSON objects in and out for every operation."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import extend_schema, extend_schema_view

    def decorate(cls):
        cls = extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)(cls)
        return extend_schema_view(
            list=extend_schema(operation_id=f"{name}_list", responses=OpenApiTypes.OBJECT),
            retrieve=extend_schema(operation_id=f"{name}_retrieve", responses=OpenApiTypes.OBJECT),
        )(cls)

    return decorate
