"""The agency's dashboard and the secretariat's network dashboard, with their server-side SVG charts."""

from collections import Counter
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from turath.core.models import Agency
from turath.core.permissions import agency_reader
from turath.register.models import CulturalObject, ObjectStatus

from .. import providers
from ..models import (
    Alert,
    Report,
    RestitutionCase,
    Seizure,
    SeizureItem,
)
from .common import _today


def open_cases(agency: Agency) -> dict:
    reader = agency_reader(agency)
    return {
        "reports": Report.objects.restrict(reader).filter(owning_agency=agency, closed=False).count(),
        "seizures": Seizure.objects.restrict(reader).filter(owning_agency=agency, closed=False).count(),
        "restitutions": RestitutionCase.objects.restrict(reader).filter(closed=False).count(),
    }


def dashboard(agency: Agency, lang: str = "en", *, months: int = 12) -> dict:
    """The agency's figures: open cases, custody by facility, overdue checks, alerts, seizures. The
    custody figures come from custody's provider (cases.providers); empty where none is installed."""
    month_rows = _per_month(Seizure.objects.restrict(agency_reader(agency)).filter(owning_agency=agency),
                            "seized_on", _months(months))
    types = Counter()
    for concept_id, pieces in SeizureItem.objects.restrict(agency_reader(agency)).filter(
            seizure__owning_agency=agency).values_list(
            "object__object_type", "count"):
        types[concept_id] += pieces
    from turath.vocabulary.models import Concept

    labels = {c.pk: c.label(lang) for c in Concept.objects.filter(pk__in=types)}
    alerts = Alert.objects.restrict(agency_reader(agency))
    return {
        "open_cases": open_cases(agency),
        "custody_by_facility": [],
        "overdue_checks": [],
        **providers.figures_for(agency, lang),
        "alerts": {"total": alerts.count(), "unread": alerts.filter(read_at__isnull=True).count(),
                   "last_30_days": alerts.filter(created__gte=timezone.now() - timedelta(days=30)).count()},
        "seizures_by_month": month_rows,
        "seizures_by_type": sorted(((labels[k], v) for k, v in types.items()), key=lambda kv: (-kv[1], kv[0])),
    }


def _months(months: int) -> list:
    today = _today()
    cursor = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    out = []
    while cursor <= today:
        out.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


def _per_month(queryset, field: str, months: list) -> list[tuple[str, int]]:
    counts = Counter()
    for day in queryset.filter(**{f"{field}__gte": months[0]}).values_list(field, flat=True):
        counts[(day.date() if isinstance(day, datetime) else day).replace(day=1)] += 1
    return [(m.strftime("%Y-%m"), counts.get(m, 0)) for m in months]


def network_dashboard(user, lang: str = "en", *, months: int = 12) -> dict:
    """The secretariat's view of the whole network — open cases, alerts, seizures, custody and restitution by
    member state, and by month — counted from what the user may see (restrict())."""
    columns = ("reports", "seizures", "alerts", "custody", "restitutions")
    states: dict[str, dict] = {}

    def add(column, pairs):
        for country, n in pairs:
            if country:
                states.setdefault(country, dict.fromkeys(columns, 0))[column] += n

    def by(qs, field):
        return qs.values_list(field).annotate(n=Count("id")).values_list(field, "n").order_by()

    add("reports", by(Report.objects.restrict(user).filter(closed=False), "owning_agency__country"))
    add("seizures", by(Seizure.objects.restrict(user).filter(closed=False), "owning_agency__country"))
    add("alerts", by(Alert.objects.restrict(user), "sender__country"))
    add("custody", by(CulturalObject.objects.restrict(user).filter(status=ObjectStatus.IN_CUSTODY),
                      "owning_agency__country"))
    add("restitutions", by(RestitutionCase.objects.restrict(user).filter(closed=False), "requesting_country"))
    from turath.core.countries import country_name, sort_key

    rows = sorted(((code, country_name(code, lang), figures) for code, figures in states.items()),
                  key=lambda row: sort_key(row[1]))
    span = _months(months)
    return {
        "states": rows,
        "totals": {c: sum(f[c] for _code, _name, f in rows) for c in columns},
        "reports_by_month": _per_month(Report.objects.restrict(user), "occurred_on", span),
        "seizures_by_month": _per_month(Seizure.objects.restrict(user), "seized_on", span),
        "restitutions_by_month": _per_month(RestitutionCase.objects.restrict(user), "opened_on", span),
    }


def bar_chart_svg(rows: list[tuple[str, int]], *, title: str, width: int = 560, bar_height: int = 22) -> str:
    """A horizontal bar chart as inline SVG: drawn on the server, readable without JavaScript. Nothing (the page
    says «no data yet») when every bar would be empty."""
    from django.utils.html import escape

    if not any(value for _label, value in rows):
        return ""

    label_w, pad = 150, 6
    height = max(1, len(rows)) * (bar_height + pad) + pad
    top = max((v for _, v in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = pad + i * (bar_height + pad)
        w = int((width - label_w - 60) * value / top)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_height * 0.7:.0f}" text-anchor="end" font-size="12">'
                     f'{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1 if value else 0)}" height="{bar_height}" '
                     f'fill="currentColor" opacity="0.7"><title>{escape(label)}: {value}</title></rect>'
                     f'<text x="{label_w + w + 6}" y="{y + bar_height * 0.7:.0f}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
