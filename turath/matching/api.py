"""REST endpoints for checks at inspection: POST photos and words, get explained candidates."""

from django.conf import settings
from django.urls import path, reverse
from django.utils import translation
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from turath.core.api import ObjectJSONParser
from turath.core.errors import NotPermitted
from turath.core.multilingual import show
from turath.core.parsing import parse_int

from . import services
from .models import Decision, MatchCheck

NOTICE = "“Not found” does not mean “not stolen”: looted antiquities are rarely reported."


class CheckRequest(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), required=False)
    words = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    object_type = serializers.CharField(required=False, allow_blank=True)
    material = serializers.CharField(required=False, allow_blank=True)
    period = serializers.CharField(required=False, allow_blank=True)
    origin_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    top = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                    help_text="Record number of the object being checked (e.g. a seized item): "
                                              "a confirmed match is linked to its seizure.")
    reported_only = serializers.BooleanField(required=False, default=False,
                                             help_text="Keep only candidates reported stolen or looted.")


class DecisionRequest(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    record_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _candidate(request, c: services.CheckedCandidate, lang: str) -> dict:
    title = show(c.object.title, lang)
    image = c.evidence.get("image") or {}
    return {
        "record_number": c.object.record_number,
        "url": request.build_absolute_uri(reverse("api-object-detail", args=[c.object.record_number])),
        "title": title.text if title else "",
        "status": c.object.status,
        "owning_agency": c.object.owning_agency.code,
        "score": c.score,
        "image_confidence": c.image_confidence,
        "similar": c.similar,
        "text_score": c.text_score,
        "matched_image": c.matched_image.sha256 if c.matched_image else None,
        "evidence": {
            "inliers": image.get("inliers"),
            "region": image.get("ref_polygon"),
            "query_region": image.get("query_polygon"),
            # the photo matched as the register photo's mirror image (left and right swapped)
            "mirrored": bool(image.get("mirrored")),
            "matched_terms": (c.evidence.get("text") or {}).get("matched_terms", []),
            "facets_matched": c.evidence.get("facets_matched", 0),
        },
    }


class CheckView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, ObjectJSONParser]

    @extend_schema(request={"multipart/form-data": CheckRequest}, responses=OpenApiTypes.OBJECT,
                   summary="Check an intercepted object against the register")
    def post(self, request):
        length = parse_int(request.META.get("CONTENT_LENGTH") or "0") or 0
        if length > services.MAX_PHOTOS * settings.TURATH_MAX_UPLOAD_BYTES:
            return Response({"type": "about:blank", "title": "Payload Too Large", "status": 413,
                             "detail": "The photos are too large."}, status=413,
                            content_type="application/problem+json")
        data = CheckRequest(data={**request.data.dict(), "photos": request.FILES.getlist("photos")}
                            if hasattr(request.data, "dict") else request.data)
        data.is_valid(raise_exception=True)
        lang = (request.query_params.get("lang") or translation.get_language() or "en")[:2]
        photos = [(f.name, f.read()) for f in data.validated_data.get("photos", [])]
        facets = {k: data.validated_data.get(k) for k in ("object_type", "material", "period", "origin_country")}
        try:
            outcome = services.check_object(request.user, photos, data.validated_data.get("words", ""), facets,
                                            top=data.validated_data["top"], lang=lang,
                                            subject=data.validated_data.get("subject", ""),
                                            reported_only=data.validated_data.get("reported_only", False))
        except services.CheckRefused as exc:
            raise ValidationError({"photos": [str(exc)]}) from None
        except NotPermitted:
            raise NotFound() from None
        return Response({
            "check": str(outcome.check.uid),
            "ms": outcome.check.elapsed_ms,
            "notice": NOTICE,
            "hidden_matches": outcome.hidden_count,
            "flags": outcome.flags,
            # While the background worker builds the index, what it held when this check ran.
            "index": ({"images": outcome.index_state["images"], "total_images": outcome.index_state["total_images"]}
                      if outcome.index_state else None),
            "candidates": [_candidate(request, c, lang) for c in outcome.candidates],
            "risk_categories": [h.as_dict(lang) for h in outcome.risk_hits],
        }, status=status.HTTP_201_CREATED)


class DecisionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DecisionRequest, responses=OpenApiTypes.OBJECT, summary="Record the officer's decision")
    def post(self, request, uid):
        check = MatchCheck.objects.restrict(request.user).filter(uid=uid).first()
        if check is None:
            raise NotFound()
        body = DecisionRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.record_decision(request.user, check, body.validated_data["decision"],
                                     body.validated_data.get("record_number", ""), body.validated_data.get("note", ""))
        except services.CheckRefused as exc:
            raise ValidationError({"record_number": [str(exc)]}) from None
        except NotPermitted:
            raise NotFound() from None
        return Response({"check": str(check.uid), "decision": check.decision})


urlpatterns = [
    path("checks/", CheckView.as_view(), name="api-check"),
    path("checks/<uuid:uid>/decision/", DecisionView.as_view(), name="api-check-decision"),
]
