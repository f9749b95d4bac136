"""/api/v1/ custody: facilities and locations, and the custody chain of an object.

Facilities, locations and chains exist only for the agencies that may see them (404 otherwise);
writes call the custody services, whose refusals (core.errors) the API's exception handler maps
(core.api.api_exception: RecordInvalid → 400 by field, TransitionNotAllowed → 400, NotPermitted → 403).
"""

from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from turath.core.api_schema import json_viewset
from turath.core.errors import RecordInvalid
from turath.core.models import Agency
from turath.core.parsing import id_or_404
from turath.register.models import CulturalObject

from . import services
from .models import Holding, StorageFacility


def facility_json(f):
    return {"id": f.pk, "code": f.code, "name": f.name, "address": f.address, "agency": f.agency.code,
            "locations": [{"id": loc.pk, "code": loc.code, "name": loc.name} for loc in f.locations.all()]}


@json_viewset("facilities", paged=False)
class FacilityViewSet(viewsets.ViewSet):
    queryset = StorageFacility.objects.none()  # only tells the OpenAPI generator the id's type
    permission_classes = [permissions.IsAuthenticated]

    def _get(self, pk):
        f = StorageFacility.objects.restrict(self.request.user).filter(pk=id_or_404(pk)).first()
        if f is None:
            raise exceptions.NotFound()
        return f

    def list(self, request):
        return Response([facility_json(f) for f in services.facilities_for(request.user).select_related("agency")])

    def retrieve(self, request, pk=None):
        return Response(facility_json(self._get(pk)))

    def create(self, request):
        f = services.create_facility(request.user, dict(request.data))
        return Response(facility_json(f), status=201)

    @action(detail=True, methods=["post"])
    def locations(self, request, pk=None):
        f = self._get(pk)
        loc = services.add_location(request.user, f, request.data.get("code", ""), request.data.get("name", ""))
        return Response({"id": loc.pk, "code": loc.code, "facility": f.code}, status=201)


def chain_json(user, obj):
    holding = Holding.objects.restrict(user).filter(object=obj).select_related("location__facility").first()
    return {"record_number": obj.record_number,
            "holding": None if holding is None else {
                "custodian": holding.custodian.code, "location": str(holding.location) if holding.location else None,
                "in_custody": holding.in_custody, "since": holding.since},
            "chain": [{"id": i.row.pk, "at": i.at, "kind": i.kind, "summary": i.summary, "corrected": i.corrected,
                       "corrects": i.row.corrects_id, "agency": i.row.agency.code}
                      for i in services.chain(user, obj)]}


@json_viewset("custody", paged=False)
class CustodyViewSet(viewsets.ViewSet):
    """/custody/<record number>/: the chain; POST entry, move, condition, transfer, exit."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[^/]+"

    def _obj(self, pk):
        obj = CulturalObject.objects.restrict(self.request.user).filter(record_number=pk).first()
        if obj is None:
            raise exceptions.NotFound()
        return obj

    def list(self, request):
        return Response([{"record_number": h.object.record_number, "custodian": h.custodian.code,
                          "location": str(h.location) if h.location else None, "in_custody": h.in_custody}
                         for h in services.visible_holdings(request.user)])

    def retrieve(self, request, pk=None):
        obj = self._obj(pk)
        data = chain_json(request.user, obj)
        if not data["chain"] and data["holding"] is None:
            raise exceptions.NotFound()
        return Response(data)

    def _write(self, request, pk, call):
        obj = self._obj(pk)
        call(obj, dict(request.data))
        return Response(chain_json(request.user, obj), status=201)

    @action(detail=True, methods=["post"])
    def entry(self, request, pk=None):
        return self._write(request, pk, lambda obj, d: services.enter_object(request.user, obj, d))

    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        return self._write(request, pk, lambda obj, d: services.move_object(request.user, obj, d))

    @action(detail=True, methods=["post"])
    def condition(self, request, pk=None):
        return self._write(request, pk, lambda obj, d: services.check_condition(request.user, obj, d))

    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        return self._write(request, pk, lambda obj, d: services.exit_object(request.user, obj, d))

    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        def call(obj, d):
            agency = Agency.objects.filter(code=str(d.get("to_agency") or "")).first()
            if agency is None:
                raise RecordInvalid({"to_agency": ["Unknown agency."]})
            return services.request_transfer(request.user, obj, agency, d)
        return self._write(request, pk, call)


router = SimpleRouter(trailing_slash=True)
router.register("facilities", FacilityViewSet, basename="api-facility")
router.register("custody", CustodyViewSet, basename="api-custody")
