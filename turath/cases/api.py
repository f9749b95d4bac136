"""/api/v1/ reports, alerts, seizures and restitution cases.

Thin: every read starts from the model's `restrict(user)` (a case the user may not see is 404),
every write calls the services, whose refusals (core.errors) become problem+json in one place,
core.api.api_exception: RecordInvalid → 400 with errors by field, EditConflict → 409,
TransitionNotAllowed → 400, NotPermitted → 403; a broken seizure batch → 400 with the report by row.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from turath.core.api_schema import ARRAY, json_viewset
from turath.core.parsing import id_or_404, parse_int, parse_number
from turath.register.models import CulturalObject

from . import services
from .models import Alert, Report, RestitutionCase, Seizure, SeizureItem


def _version(request):
    """The version the client edited (body or If-Match), a whole number or None; anything else is a 400."""
    value = request.data.get("version") if hasattr(request.data, "get") else None
    header = request.headers.get("If-Match", "").strip('W/"')
    for name, given in (("version", value), ("If-Match", header)):
        if given not in (None, ""):
            number = parse_int(given, min_value=0)
            if number is None:
                raise exceptions.ValidationError({name: ["A whole number is required."]})
            return number
    return None


def _objects(case, user):
    visible = services.case_objects(user, case)
    return [{"record_number": o.record_number, "uid": str(o.uid), "status": o.status} for o in visible]


def _casework(case):
    return {"version": case.version, "assigned_to": getattr(case.assigned_to, "username", None),
            "due_date": case.due_date, "closed": case.closed, "created": case.created, "updated": case.updated}


def report_json(r: Report, user) -> dict:
    return {"id": r.pk, "number": r.number, "uid": str(r.uid), "kind": r.kind, "state": r.state,
            "owning_agency": r.owning_agency.code, "sharing": r.sharing, "publish_sharing": r.publish_sharing,
            "occurred_on": r.occurred_on, "occurred_until": r.occurred_until, "discovered_on": r.discovered_on,
            "place": r.place, "geometry": r.geometry, "how_discovered": r.how_discovered,
            "circumstances": r.circumstances, "police_reference": r.police_reference,
            "published_at": r.published_at, "objects": _objects(r, user), **_casework(r)}


def seizure_json(s: Seizure, user) -> dict:
    items = [{"line": item.line, "record_number": item.object.record_number, "count": item.count,
              "object_type": item.object.object_type.uri, "status": item.object.status,
              "matches": [{"candidate": m.candidate.record_number, "score": m.score, "source": m.source,
                           "decision": m.decision} for m in item.matches.all()]}
             for item in services.seizure_items(user, s)]
    return {"id": s.pk, "number": s.number, "uid": str(s.uid), "state": s.state, "owning_agency": s.owning_agency.code,
            "sharing": s.sharing, "seized_on": s.seized_on, "border_post": s.border_post, "place": s.place,
            "carrier_reference": s.carrier_reference, "declaration_reference": s.declaration_reference,
            "declared_description": s.declared_description, "observed_description": s.observed_description,
            "legal_basis": s.legal_basis, "items": items, **_casework(s)}


def restitution_json(c: RestitutionCase, user) -> dict:
    handover = getattr(c, "handover", None)
    return {"id": c.pk, "number": c.number, "uid": str(c.uid), "state": c.state,
            "requesting_country": c.requesting_country, "holding_agency": c.holding_agency.code,
            "legal_basis": c.legal_basis, "opened_on": c.opened_on, "summary": c.summary,
            "objects": _objects(c, user),
            "steps": [{"kind": s.kind, "on_date": s.on_date, "text": s.text, "agency": s.agency.code}
                      for s in c.steps.select_related("agency")],
            "handover": None if handover is None else {
                "on_date": handover.on_date, "receiving_institution": handover.receiving_institution,
                "received_by": handover.received_by, "handed_by": handover.handed_by, "place": handover.place},
            **_casework(c)}


def alert_json(a: Alert, lang: str, user) -> dict:
    subject, body = services.alert_text(a, lang, user)
    obj = services.alert_object(a, user)
    return {"id": a.pk, "source": a.source, "sender": a.sender.code, "created": a.created, "read": a.is_read,
            "subject": subject, "text": body, "report": a.report_id, "seizure": a.seizure_id,
            "object": obj.record_number if obj else None}


class CaseViewSet(viewsets.ViewSet):
    permission_classes = [permissions.IsAuthenticated]
    model = None
    kind = ""
    to_json = None

    def get_case(self, pk):
        return self.model.objects.get_visible_or_404(self.request.user, pk=pk)

    def paginate(self, queryset, render):
        from turath.core.api import Pagination

        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response([render(x) for x in page])

    def list(self, request):
        return self.paginate(self.model.objects.restrict(request.user).order_by("-id"),
                             lambda c: type(self).to_json(c, request.user))

    def retrieve(self, request, pk=None):
        return Response(type(self).to_json(self.get_case(pk), request.user))

    @extend_schema(responses={200: ARRAY, 201: ARRAY})
    @action(detail=True, methods=["get", "post"])
    def journal(self, request, pk=None):
        case = self.get_case(pk)
        if request.method == "POST":
            services.add_journal_entry(request.user, case, request.data.get("text", ""),
                                       on_date=request.data.get("on_date"), kind=request.data.get("kind", "info"))
        return Response([{"on_date": e.on_date, "kind": e.kind, "text": e.text,
                          "author": getattr(e.author, "username", None)} for e in services.journal(case)],
                        status=201 if request.method == "POST" else 200)

    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self.get_case(pk)
        case = services.assign(request.user, case, request.data.get("assigned_to") or None,
                               request.data.get("due_date") or None, expected_version=_version(request))
        return Response(type(self).to_json(case, request.user))

    @extend_schema(responses={200: ARRAY})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        case = self.get_case(pk)
        return Response([{"at": e.at, "kind": e.kind, "text": e.text} for e in services.timeline(request.user, case)])


@json_viewset("reports")
class ReportViewSet(CaseViewSet):
    queryset = Report.objects.none()  # only tells the OpenAPI generator the id's type
    model = Report
    to_json = staticmethod(report_json)

    def create(self, request):
        data = dict(request.data)
        report = services.create_report(request.user, data, objects=data.pop("objects", []) or [],
                                        new_objects=data.pop("new_objects", []) or [])
        return Response(report_json(report, request.user), status=201)

    def partial_update(self, request, pk=None):
        report = self.get_case(pk)
        data = {k: v for k, v in request.data.items() if k != "version"}
        report = services.update_report(request.user, report, data, expected_version=_version(request))
        return Response(report_json(report, request.user))

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = services.submit_report(request.user, self.get_case(pk), expected_version=_version(request))
        return Response(report_json(report, request.user))

    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        report = services.validate_report(request.user, self.get_case(pk), expected_version=_version(request))
        return Response(report_json(report, request.user))


@json_viewset("seizures")
class SeizureViewSet(CaseViewSet):
    queryset = Seizure.objects.none()  # only tells the OpenAPI generator the id's type
    model = Seizure
    to_json = staticmethod(seizure_json)

    def create(self, request):
        seizure = services.create_seizure(request.user, dict(request.data))
        return Response(seizure_json(seizure, request.user), status=201)

    def partial_update(self, request, pk=None):
        seizure = self.get_case(pk)
        data = {k: v for k, v in request.data.items() if k != "version"}
        seizure = services.update_seizure(request.user, seizure, data, expected_version=_version(request))
        return Response(seizure_json(seizure, request.user))

    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        """Batch entry: {"rows": [{object_type, material, count, description}], "accept_valid": false}."""
        seizure = self.get_case(pk)
        rows = request.data.get("rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise exceptions.ValidationError({"rows": ["A list of items."]})
        try:
            result = services.add_items(request.user, seizure, rows,
                                        accept_valid=bool(request.data.get("accept_valid")))
        except services.BatchInvalid as exc:
            error = exceptions.ValidationError({"rows": exc.result.row_error_lines()})
            error.problem_extra = {"row_errors": [e.as_dict() for e in exc.result.row_errors], "created": 0}
            raise error from None
        return Response({"created": [i.object.record_number for i in result.items],
                         "row_errors": [e.as_dict() for e in result.row_errors]}, status=201)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        seizure = services.publish_seizure(request.user, self.get_case(pk), expected_version=_version(request))
        return Response(seizure_json(seizure, request.user))

    @action(detail=True, methods=["post"])
    def matches(self, request, pk=None):
        """Link a candidate: {"line": 3, "candidate": "<record number>", "score": 0.8, "source": "engine"}."""
        seizure = self.get_case(pk)
        item = SeizureItem.objects.restrict(request.user).filter(
            seizure=seizure, line=parse_int(request.data.get("line")) or 0).first()
        candidate = CulturalObject.objects.restrict(request.user).filter(
            record_number=str(request.data.get("candidate") or "")).first()
        if item is None or candidate is None:
            raise exceptions.ValidationError({"candidate": ["Unknown item or record."]})
        score = parse_number(request.data.get("score") or 0)
        if score is None:
            raise exceptions.ValidationError({"score": ["A finite number."]})
        match = services.link_candidate(request.user, item, candidate, score=score,
                                        source=request.data.get("source") or "manual",
                                        note=str(request.data.get("note") or ""))
        return Response({"id": match.pk, "candidate": candidate.record_number, "score": match.score,
                         "decision": match.decision}, status=201)


@json_viewset("restitution_cases")
class RestitutionViewSet(CaseViewSet):
    queryset = RestitutionCase.objects.none()  # only tells the OpenAPI generator the id's type
    model = RestitutionCase
    to_json = staticmethod(restitution_json)

    def create(self, request):
        data = dict(request.data)
        case = services.open_restitution(request.user, data, objects=data.pop("objects", []) or [])
        return Response(restitution_json(case, request.user), status=201)

    def partial_update(self, request, pk=None):
        case = self.get_case(pk)
        data = {k: v for k, v in request.data.items() if k != "version"}
        case = services.update_restitution(request.user, case, data, expected_version=_version(request))
        return Response(restitution_json(case, request.user))

    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        case = self.get_case(pk)
        services.add_step(request.user, case, kind=request.data.get("kind", "step"),
                          on_date=request.data.get("on_date"), text=request.data.get("text", ""))
        return Response(restitution_json(case, request.user), status=201)

    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        case = self.get_case(pk)
        services.record_handover(request.user, case, dict(request.data), expected_version=_version(request))
        case.refresh_from_db()
        return Response(restitution_json(case, request.user), status=201)


@json_viewset("alerts")
class AlertViewSet(viewsets.ViewSet):
    """The agency's inbox: alerts sent to the user's agency only."""
    queryset = Alert.objects.none()  # only tells the OpenAPI generator the id's type

    permission_classes = [permissions.IsAuthenticated]

    def _lang(self, request):
        lang = request.query_params.get("lang") or request.user.preferred_language
        return lang if lang in ("ar", "en", "fr") else "en"

    def list(self, request):
        from turath.core.api import Pagination

        qs = services.inbox(request.user, unread_only=request.query_params.get("unread") == "1")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([alert_json(a, self._lang(request), request.user) for a in page])

    def retrieve(self, request, pk=None):
        alert = services.inbox(request.user).filter(pk=id_or_404(pk)).first()
        if alert is None:
            raise exceptions.NotFound()
        return Response(alert_json(alert, self._lang(request), request.user))

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        alert = services.inbox(request.user).filter(pk=id_or_404(pk)).first()
        if alert is None:
            raise exceptions.NotFound()
        alert = services.mark_read(request.user, alert, read=request.data.get("read", True) not in (False, "0", "false"))
        return Response(alert_json(alert, self._lang(request), request.user))


router = SimpleRouter(trailing_slash=True)
router.register("reports", ReportViewSet, basename="api-report")
router.register("seizures", SeizureViewSet, basename="api-seizure")
router.register("restitution-cases", RestitutionViewSet, basename="api-restitution")
router.register("alerts", AlertViewSet, basename="api-alert")
