"""/api/v1/heritage/…: places, nomination files, the risk query and incidents through the REST API.

heritage/api_urls.py serves `router`. Reads start from `restrict(user, …)`; positions
come from services.serialize_place (geo.location_for); writes call services/risk.
"""

from django.utils import timezone, translation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from turath.core.api_schema import JsonPage
from turath.core.parsing import LONG_TEXT, SHORT_TEXT

from . import risk, services
from .models import HeritageList, HeritagePlace, IncidentKind, Nomination
from .views import filtered_places


def _lang(request) -> str:
    lang = request.query_params.get("lang") or translation.get_language() or "en"
    return lang[:2]


class AreaQuerySerializer(serializers.Serializer):
    geometry = serializers.JSONField(help_text="GeoJSON Polygon or MultiPolygon (lon/lat, WGS 84)")
    within_km = serializers.FloatField(default=0, min_value=0, max_value=2000)


class IncidentCreateSerializer(AreaQuerySerializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)


def _area_text(value) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
NOMINATION_FIELDS = {
    "id": serializers.IntegerField(), "place": serializers.IntegerField(), "list": serializers.CharField(),
    "state": serializers.CharField(), "cycle_year": serializers.IntegerField(allow_null=True),
    "owning_agency": serializers.CharField(), "next_deadline": serializers.DictField(allow_null=True),
    "allowed_actions": serializers.ListField(child=serializers.CharField()),
    "missing": serializers.ListField(child=serializers.CharField()), "decision": serializers.CharField(),
    "decision_code": serializers.CharField()}
NOMINATION = inline_serializer("Nomination", NOMINATION_FIELDS)


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=SHORT_TEXT)
    question = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)
    answer = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)
    recommendation = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT)
    decision = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT)
    code = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT)
    text = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class PlaceViewSet(viewsets.ViewSet):
    """Listed places and intangible elements. Filters: list, status, country, category, criterion, danger=1."""

    def _queryset(self, request):
        p = request.query_params
        hlist = None
        if p.get("list"):
            hlist = HeritageList.objects.filter(key=p["list"]).first()
            if hlist is None:
                raise exceptions.ValidationError({"list": ["Unknown list."]})
        qs = filtered_places(request.user, hlist=hlist, status=p.get("status") or None, country=p.get("country", ""),
                             category=p.get("category", ""), criterion=p.get("criterion", ""),
                             danger=p.get("danger") == "1")
        return qs.order_by("pk").prefetch_related("states", "danger_listings", "inscriptions__heritage_list",
                                                  "inscriptions__criteria")

    @extend_schema(responses={200: JsonPage})
    def list(self, request):
        from turath.core.api import Pagination

        paginator = Pagination()
        page = paginator.paginate_queryset(self._queryset(request), request, view=self)
        lang = _lang(request)
        return paginator.get_paginated_response([services.serialize_place(request.user, p, lang) for p in page])

    @extend_schema(responses=inline_serializer("Place", {"id": serializers.IntegerField()}))
    def retrieve(self, request, pk=None):
        qs = HeritagePlace.objects.prefetch_related("states", "danger_listings", "inscriptions__heritage_list",
                                                    "inscriptions__criteria")
        place = qs.get_visible_or_404(request.user, pk=pk)
        return Response(services.serialize_place(request.user, place, _lang(request)))

    @extend_schema(request=AreaQuerySerializer, responses=inline_serializer("PlacesInArea", {
        "count": serializers.IntegerField(), "results": serializers.ListField()}))
    @action(detail=False, methods=["post"], url_path="in-area", permission_classes=[AllowAny])
    def in_area(self, request):
        """Listed places inside a polygon or within N km of it, with their danger status.

        A query, not a write (POST only because the polygon can be large): open to everyone, answered
        from the places the caller may see, at the positions they may see."""
        data = AreaQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hits = risk.places_in_area(request.user, _area_text(data.validated_data["geometry"]),
                                   data.validated_data["within_km"])
        return Response({"count": len(hits), "method": "bbox prefilter + shapely; km in a local equirectangular "
                                                        "projection", "results": [
            {"id": h.place.pk, "name": h.place.name(_lang(request)), "distance_km": h.distance_km,
             "in_danger": h.in_danger, "location": {"lon": h.location.lon, "lat": h.location.lat,
                                                    "exact": h.location.exact}} for h in hits]})


@extend_schema_view(list=extend_schema(responses=inline_serializer("NominationList", NOMINATION_FIELDS, many=True)),
                    retrieve=extend_schema(parameters=[ID], responses=NOMINATION),
                    transition=extend_schema(parameters=[ID], request=TransitionSerializer, responses=NOMINATION))
class NominationViewSet(viewsets.ViewSet):
    """Nomination files the user may see (own drafts, assigned files, or submitted files for the secretariat)."""

    permission_classes = [IsAuthenticated]

    def _serialize(self, request, n):
        d = services.next_deadline(n, timezone.localdate())
        return {"id": n.pk, "place": n.place_id, "list": n.heritage_list.key, "state": n.state,
                "cycle_year": n.cycle_year, "owning_agency": n.owning_agency.code,
                "next_deadline": {"key": d.key, "date": d.date, "label": d.label} if d else None,
                "allowed_actions": services.allowed_actions(request.user, n),
                "missing": [code for code, _text in services.missing_items(n)],
                "decision": n.decision, "decision_code": n.decision_code}

    def list(self, request):
        qs = Nomination.objects.restrict(request.user).select_related("heritage_list", "owning_agency", "place")
        return Response([self._serialize(request, n) for n in qs])

    def retrieve(self, request, pk=None):
        n = Nomination.objects.select_related("heritage_list", "owning_agency", "place") \
            .get_visible_or_404(request.user, pk=pk)
        return Response(self._serialize(request, n))

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Take one step: {"action": "submit"} (plus question/answer/recommendation/decision/code/text)."""
        n = Nomination.objects.get_visible_or_404(request.user, pk=pk)
        params = TransitionSerializer(data=request.data)  # text, not objects or NUL, within its limits
        params.is_valid(raise_exception=True)
        body = params.validated_data
        name = body["action"]
        if name == "request_information":
            services.request_information(request.user, n, body.get("question", ""))
        elif name == "provide_information":
            services.provide_information(request.user, n, body.get("answer", ""))
        elif name == "recommend":
            services.recommend(request.user, n, body.get("recommendation", ""), body.get("text", ""))
        elif name == "decide":
            services.decide(request.user, n, body.get("decision", ""), code=body.get("code", ""),
                            text=body.get("text", ""))
        elif name in services.ACTIONS:
            services.ACTIONS[name](request.user, n)
        else:
            raise exceptions.ValidationError({"action": [f"Choose one of: {', '.join(services.ACTIONS)}"]})
        return Response(self._serialize(request, n))


class IncidentViewSet(viewsets.ViewSet):
    """Record an incident (damage, looting, flood, conflict…) over an area; it links the places it reaches."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=IncidentCreateSerializer, responses={201: inline_serializer("IncidentCreated", {
        "id": serializers.IntegerField(), "places": serializers.ListField(child=serializers.IntegerField())})})
    def create(self, request):
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        incident = risk.record_incident(request.user, kind=v["kind"], title=v["title"],
                                        area_geojson=_area_text(v["geometry"]), within_km=v["within_km"],
                                        description=v["description"], occurred_on=v["occurred_on"])
        return Response({"id": incident.pk, "places": list(incident.places.values_list("pk", flat=True))},
                        status=201)


router = SimpleRouter(trailing_slash=True)
router.register("heritage/places", PlaceViewSet, basename="heritage-place")
router.register("heritage/nominations", NominationViewSet, basename="heritage-nomination")
router.register("heritage/incidents", IncidentViewSet, basename="heritage-incident")
