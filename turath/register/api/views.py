"""/api/v1/objects/: the register through the REST API.

Thin on purpose: every read starts from `CulturalObject.objects.restrict(user, …)` (a record the user
may not see answers 404, whatever the method) and every write is a call into services/images. Their
errors (core.errors) become problem+json in the API's exception handler (core.api.api_exception):
RecordInvalid → 400 with errors by field, EditConflict → 409, TransitionNotAllowed → 400 on `state`
with the allowed transitions, NotPermitted → 403 (only for records the user can see), ImageRejected → 415;
oversized uploads → 413 here.
"""

import re
import uuid

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from turath.core import audit
from turath.core.api import AnyMediaRenderer, ObjectJSONParser, PayloadTooLarge
from turath.core.parsing import parse_int
from turath.core.permissions import Sharing

from .. import services
from ..images import add_image, image_response
from ..models import CulturalObject, ObjectImage, StatusChange
from ..search import search_objects
from .filters import ObjectSearchParams
from .serializers import (
    READ_ONLY_KEYS,
    WRITABLE_KEYS,
    FacetValueSerializer,
    ImageSerializer,
    ImageUploadSerializer,
    ObjectBriefSerializer,
    ObjectDetailSerializer,
    ObjectWriteSerializer,
    StatusChangeSerializer,
    StatusSerializer,
    image_urls,
    object_url,
)

REF = OpenApiParameter("ref", str, OpenApiParameter.PATH, description="Record number or UID of the record")
PROBLEM = OpenApiResponse(description="application/problem+json")
# Multipart framing and the caption on top of the file itself.
UPLOAD_OVERHEAD = 64 * 1024
_ETAG_RE = re.compile(r'^(?:W/)?"?(\d+)"?$')


@extend_schema_serializer(many=False)  # already a page: not to be wrapped in the paginator's page again
class ObjectPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ObjectBriefSerializer(many=True)
    ranked = serializers.BooleanField(help_text=(
        "False when order=relevance fell back to newest first: the search finds more than "
        "10,000 records, or its words are in more than 20,000 records you may see"))
    facets = serializers.DictField(child=FacetValueSerializer(many=True), required=False,
                                   help_text="With ?facets=1: counts per value of each facet")


def _detail_queryset():
    """Everything ObjectDetailSerializer (services.serialize) touches, in a constant number of queries."""
    return CulturalObject.objects.select_related("object_type", "period", "owning_agency").prefetch_related(
        "materials", "techniques", "measurements", "inscriptions",
        Prefetch("images", queryset=ObjectImage.objects.order_by("position", "id")),
    )


def _expected_version(request, body: dict) -> int | None:
    """The version the client edited: `version` in the body, or the If-Match header (an ETag we sent)."""
    from_body = body.get("version")
    header = request.headers.get("If-Match", "").strip()
    from_header = None
    if header and header != "*":
        match = _ETAG_RE.match(header)
        if not match:
            raise exceptions.ValidationError({"If-Match": ['Send the ETag of the record, e.g. "3".']})
        from_header = int(match.group(1))
    if from_body in (None, ""):
        return from_header
    try:
        version = int(from_body)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"version": ["A whole number is required."]}) from None
    if from_header is not None and from_header != version:
        raise exceptions.ValidationError({"version": ["Differs from the If-Match header."]})
    return version


def _record_body(request) -> dict:
    """The request body as a record dict; unknown keys are refused so that a typo is not silently dropped."""
    data = request.data
    if hasattr(data, "getlist"):  # form-encoded: a key given once is a value, repeated keys a list
        data = {key: (values[0] if len(values) == 1 else values) for key, values in data.lists()}
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["Send one JSON object."]})
    unknown = sorted(set(data) - WRITABLE_KEYS - READ_ONLY_KEYS)
    if unknown:
        raise exceptions.ValidationError({key: ["Unknown field."] for key in unknown})
    body = {key: value for key, value in data.items() if key not in READ_ONLY_KEYS}
    # What GET returns must be acceptable back: concepts as {uri, …} objects, empty texts as {}.
    for key in services.CONCEPT_LIST_FIELDS:
        if isinstance(body.get(key), list):
            body[key] = [item.get("uri") or item.get("id") or "" if isinstance(item, dict) else item
                         for item in body[key]]
    for key in services.TEXT_FIELDS:
        if body.get(key) == {}:
            body[key] = None
    return body


class CulturalObjectViewSet(viewsets.GenericViewSet):
    parser_classes = [ObjectJSONParser, FormParser, MultiPartParser]
    # JSON only: record texts are data and must never be rendered as HTML (no browsable API).
    renderer_classes = [JSONRenderer]
    serializer_class = ObjectDetailSerializer
    queryset = CulturalObject.objects.none()  # typed for the schema; get_queryset() is what restricts

    def get_queryset(self):
        return _detail_queryset().restrict(self.request.user, "view")

    def get_object(self, queryset=None):
        ref = self.kwargs["ref"]
        queryset = self.get_queryset() if queryset is None else queryset
        try:
            lookup = {"uid": uuid.UUID(ref)}
        except ValueError:
            lookup = {"record_number": ref}
        obj = queryset.filter(**lookup).first()
        if obj is None:
            raise Http404
        return obj

    def _detail_response(self, obj, status_code=status.HTTP_200_OK, headers=None):
        context = self.get_serializer_context()
        context["allowed_transitions"] = services.allowed_transitions(self.request.user, obj)
        response = Response(ObjectDetailSerializer(obj, context=context).data, status=status_code, headers=headers)
        response["ETag"] = f'"{obj.version}"'
        return response

    # --- records -------------------------------------------------------------------------------

    @extend_schema(
        summary="Search the register",
        parameters=[ObjectSearchParams],
        responses={200: ObjectPageSerializer, 400: PROBLEM},
    )
    def list(self, request):
        params = ObjectSearchParams(data=request.query_params)
        if not params.is_valid():
            raise exceptions.ValidationError(params.errors)
        lang = params.validated_data.get("lang") or (translation.get_language() or "en")[:2]
        result = search_objects(request.user, params.validated_data.get("q", ""), params.filters,
                                order=params.validated_data["order"], lang=lang)
        result.related(select=("object_type", "period", "owning_agency"),
                       prefetch=(Prefetch("images", queryset=ObjectImage.objects.order_by("position", "id")),))
        page = self.paginate_queryset(result)
        response = self.get_paginated_response(ObjectBriefSerializer(page, many=True, context=self.get_serializer_context()).data)
        response.data["ranked"] = result.ranked
        if params.validated_data["facets"]:
            response.data["facets"] = {
                facet: [{"value": value, "label": label, "count": count} for value, label, count in items]
                for facet, items in result.facets(lang).items()
            }
        return response

    @extend_schema(summary="One record (Object ID)", parameters=[REF],
                   responses={200: ObjectDetailSerializer, 404: PROBLEM})
    def retrieve(self, request, ref):
        obj = self.get_object()
        if obj.sharing != Sharing.PUBLIC:
            # Who looked at a restricted record is part of the record's protection.
            audit.record("register.object.view", obj)
        return self._detail_response(obj)

    @extend_schema(summary="Create a record", request=ObjectWriteSerializer,
                   responses={201: ObjectDetailSerializer, 400: PROBLEM, 401: PROBLEM, 403: PROBLEM})
    def create(self, request):
        body = _record_body(request)
        body.pop("version", None)
        obj = services.create_object(request.user, body)
        obj = _detail_queryset().get(pk=obj.pk)
        return self._detail_response(obj, status.HTTP_201_CREATED, headers={"Location": object_url(request, obj)})

    def _update(self, request, *, replace: bool):
        obj = self.get_object()
        body = _record_body(request)
        expected = _expected_version(request, body)
        body.pop("version", None)
        if replace:
            # PUT is the whole record: what is not sent is emptied (the status only changes through /status/).
            for key in WRITABLE_KEYS - {"version", "language", "lang", "status"}:
                body.setdefault(key, None)
        services.update_object(request.user, obj, body, expected_version=expected)
        return self._detail_response(_detail_queryset().get(pk=obj.pk))

    @extend_schema(summary="Replace a record", parameters=[REF], request=ObjectWriteSerializer,
                   responses={200: ObjectDetailSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM})
    def update(self, request, ref):
        return self._update(request, replace=True)

    @extend_schema(summary="Change some fields of a record", parameters=[REF], request=ObjectWriteSerializer,
                   responses={200: ObjectDetailSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM})
    def partial_update(self, request, ref):
        return self._update(request, replace=False)

    # --- status --------------------------------------------------------------------------------

    def _status_response(self, obj):
        history = StatusChange.objects.filter(object=obj).select_related("by").order_by("at", "id")
        data = StatusSerializer({
            "status": obj.status, "status_changed": obj.status_changed, "version": obj.version,
            "allowed_transitions": services.allowed_transitions(self.request.user, obj), "history": history,
        }, context=self.get_serializer_context()).data
        response = Response(data)
        response["ETag"] = f'"{obj.version}"'
        return response

    @extend_schema(summary="Status, allowed next statuses and status history", parameters=[REF],
                   responses={200: StatusSerializer, 404: PROBLEM})
    def status_history(self, request, ref):
        obj = self.get_object(CulturalObject.objects.restrict(request.user, "view"))
        if obj.sharing != Sharing.PUBLIC:
            audit.record("register.object.view", obj)
        return self._status_response(obj)

    @extend_schema(summary="Change the status (lifecycle transition)", parameters=[REF],
                   request=StatusChangeSerializer,
                   responses={200: StatusSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM})
    def change_status(self, request, ref):
        obj = self.get_object(CulturalObject.objects.restrict(request.user, "view"))
        params = StatusChangeSerializer(data=request.data)
        if not params.is_valid():
            raise exceptions.ValidationError(params.errors)
        expected = _expected_version(request, {"version": params.validated_data.get("version")})
        obj = services.change_status(request.user, obj, params.validated_data["status"],
                                     params.validated_data["note"], expected_version=expected)
        return self._status_response(obj)

    # --- images --------------------------------------------------------------------------------

    @extend_schema(summary="Add a photograph", parameters=[REF],
                   request={"multipart/form-data": ImageUploadSerializer},
                   responses={201: ImageSerializer, 200: ImageSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM,
                              413: PROBLEM, 415: PROBLEM})
    def upload_image(self, request, ref):
        obj = self.get_object(CulturalObject.objects.restrict(request.user, "view"))
        limit = settings.TURATH_MAX_UPLOAD_BYTES
        too_large = PayloadTooLarge(f"Photographs are accepted up to {limit // (1024 * 1024)} MB.")
        try:
            declared = parse_int(request.META.get("CONTENT_LENGTH") or "0") or 0
        except ValueError:
            declared = 0
        if declared > limit + UPLOAD_OVERHEAD:
            raise too_large  # refused before the body is read
        if request.content_type.split(";")[0].strip() not in ("multipart/form-data",):
            raise exceptions.UnsupportedMediaType(request.content_type,
                                                  detail="Send the photograph as multipart/form-data, field «file».")
        params = ImageUploadSerializer(data=request.data)
        if not params.is_valid():
            raise exceptions.ValidationError(params.errors)
        upload = params.validated_data["file"]
        if upload.size > limit:
            raise too_large
        known = set(obj.images.values_list("sha256", flat=True))
        image = add_image(request.user, obj, upload.read(), upload.name or "photo", params.validated_data["caption"])
        data = ImageSerializer({"sha256": image.sha256, "width": image.width, "height": image.height,
                                "mime": image.mime, "caption": image.caption,
                                "urls": image_urls(request, obj, image)}).data
        created = image.sha256 not in known
        headers = {"Location": data["urls"]["original"]} if created else {}
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers=headers)

    @extend_schema(summary="A photograph (original, medium 1280 px or thumb 320 px)",
                   parameters=[REF, OpenApiParameter("sha256", str, OpenApiParameter.PATH),
                               OpenApiParameter("size", str, OpenApiParameter.PATH,
                                                enum=["original", "medium", "thumb"])],
                   responses={(200, "image/*"): OpenApiTypes.BINARY, 404: PROBLEM})
    def image_file(self, request, ref, sha256, size):
        obj = self.get_object(CulturalObject.objects.restrict(request.user, "view"))
        return image_response(obj, sha256, size)


def object_routes():
    """URL patterns of the objects endpoints. Record numbers may contain «/», so the more specific
    patterns come first and the record reference is a `path`."""
    from django.urls import path, re_path

    view = CulturalObjectViewSet.as_view
    return [
        path("objects/", view({"get": "list", "post": "create"}), name="api-object-list"),
        re_path(r"^objects/(?P<ref>.+)/images/(?P<sha256>[0-9a-f]{64})/(?P<size>original|medium|thumb)$",
                # Read-only: OPTIONS advertises no body it would parse; errors and OPTIONS answer JSON.
                view({"get": "image_file"}, renderer_classes=[JSONRenderer, AnyMediaRenderer], parser_classes=[]),
                name="api-object-image-file"),
        path("objects/<path:ref>/images/", view({"post": "upload_image"}), name="api-object-images"),
        path("objects/<path:ref>/status/", view({"get": "status_history", "post": "change_status"}),
             name="api-object-status"),
        path("objects/<path:ref>/", view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
             name="api-object-detail"),
    ]

