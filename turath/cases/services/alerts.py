"""Alerts: who a publication reaches, the inbox, the Atom feed and e-mail, each alert's text written
when it is read, for its reader."""

from collections import Counter

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import LAW_ENFORCEMENT_KINDS, Agency, AgencyKind, User
from turath.core.multilingual import list_separator, show
from turath.core.permissions import LOCATE, Sharing, agency_reader
from turath.register import services as register
from turath.register.models import CulturalObject, ObjectStatus

from ..feeds import PlainTextAtom1Feed
from ..models import (
    Alert,
    AlertSource,
    SeizureItem,
)
from .common import _sharing, _wider


def recipients_for(sender: Agency, sharing: str):
    """Who a record shared at `sharing` reaches (the sender excepted)."""
    agencies = Agency.objects.exclude(pk=sender.pk)
    if sharing == Sharing.NETWORK:
        return agencies.filter(kind__in=LAW_ENFORCEMENT_KINDS)
    if sharing in (Sharing.MEMBERS, Sharing.PUBLIC):
        return agencies
    return agencies.none()


def alert_language(agency: Agency) -> str:
    """The language most of the agency's people chose; English if it has nobody yet."""
    langs = Counter(User.objects.filter(agency=agency, is_active=True).values_list("preferred_language", flat=True))
    return langs.most_common(1)[0][0] if langs else "en"


def send_alerts(*, sender: Agency, sharing: str, source: str, report=None, seizure=None, obj=None) -> list[Alert]:
    alerts = []
    for recipient in recipients_for(sender, sharing):
        alert = Alert.objects.create(recipient=recipient, sender=sender, source=source, report=report,
                                     seizure=seizure, object=obj)
        alerts.append(alert)
        audit.record("cases.alert.send", alert, after={"recipient": recipient.code, "source": source})
    if alerts:
        ids = [a.pk for a in alerts]
        # E-mail only once the publication is committed: a rolled-back validation alerts nobody.
        transaction.on_commit(lambda: email_alerts(ids))
    return alerts


def alert_match_confirmed(user, obj: CulturalObject, check) -> Alert | None:
    """An officer confirmed at inspection that an object is this record: tell the owning agency."""
    if obj.owning_agency_id == user.agency_id:
        return None  # the agency recognised its own record: nobody else to tell
    alert = Alert.objects.create(recipient=obj.owning_agency, sender=user.agency, source=AlertSource.MATCH,
                                 object=obj)
    audit.record("cases.alert.send", alert, after={"recipient": obj.owning_agency.code, "source": "match",
                                                   "check": str(check.uid)})
    transaction.on_commit(lambda: email_alerts([alert.pk]))
    return alert


def alert_contact_request(user, check) -> list[Alert]:
    """An officer asked to be put in touch with the owners of the matches a check hid from their agency:
    alert every secretariat. The alert lists those records as each reader may see them (alert_objects);
    the officer's agency learns nothing more."""
    alerts = []
    for secretariat in Agency.objects.filter(kind=AgencyKind.SECRETARIAT).exclude(pk=user.agency_id):
        alert = Alert.objects.create(recipient=secretariat, sender=user.agency, source=AlertSource.CONTACT,
                                     match_check=check)
        audit.record("cases.alert.send", alert, after={"recipient": secretariat.code, "source": "contact",
                                                       "check": str(check.uid)})
        alerts.append(alert)
    transaction.on_commit(lambda: email_alerts([a.pk for a in alerts]))
    return alerts


def _hidden_ids(check) -> list[int]:
    return [pk for pk in (check.hidden_objects or []) if isinstance(pk, int)]


def alert_objects(alert: Alert, reader) -> list[CulturalObject]:
    """The objects an alert is about that `reader` may see now. Asked when the alert is read (inbox,
    API, feed, e-mail), since objects are added to a case and records narrowed after it was sent."""
    if alert.report_id:
        ids = alert.report.objects_concerned.values("pk")
    elif alert.seizure_id:
        ids = SeizureItem.objects.restrict(reader).filter(seizure_id=alert.seizure_id).values("object_id")
    elif alert.match_check_id:
        ids = _hidden_ids(alert.match_check)
    else:
        ids = [alert.object_id] if alert.object_id else []
    return list(CulturalObject.objects.restrict(reader).filter(pk__in=ids).select_related("object_type")
                .order_by("record_number"))


def alert_text(alert: Alert, lang: str, reader) -> tuple[str, str]:
    """Subject and body of an alert in `lang` as `reader` may read it: fixed text through gettext,
    object types through the vocabulary's labels, agency names in that language."""
    with translation.override(lang):
        sender = alert.sender.name(lang)
        if alert.report_id:
            r = alert.report
            subject = _("%(kind)s report %(n)s from %(agency)s") % {
                "kind": r.get_kind_display(), "n": r.number, "agency": sender}
            facts = [_("Date: %(d)s") % {"d": r.occurred_on.isoformat()}, _("Place: %(p)s") % {"p": r.place}]
            if r.police_reference:
                facts.append(_("Police reference: %(r)s") % {"r": r.police_reference})
        elif alert.seizure_id:
            s = alert.seizure
            subject = _("Seizure %(n)s by %(agency)s") % {"n": s.number, "agency": sender}
            facts = [_("Date: %(d)s") % {"d": s.seized_on.isoformat()},
                     _("Place: %(p)s") % {"p": ", ".join(x for x in (s.border_post, s.place) if x)}]
        elif alert.source == AlertSource.MATCH:
            subject = _("Your record was recognised at an inspection by %(agency)s") % {"agency": sender}
            facts = []
        elif alert.source == AlertSource.CONTACT:
            check = alert.match_check
            subject = _("%(agency)s asks to be put in touch with the owners of records its check could not show") % {
                "agency": sender}
            facts = [_("Date: %(d)s") % {"d": check.at.date().isoformat()},
                     _("Matches hidden from it: %(n)d") % {"n": check.hidden_matches}]
            if check.words:
                facts.append(_("Words: %(w)s") % {"w": check.words})
            holders = sorted({o.owning_agency.name(lang) for o in CulturalObject.objects.restrict(reader, LOCATE)
                              .filter(pk__in=_hidden_ids(check)).select_related("owning_agency")})
            if holders:
                facts.append(_("Agencies to put in touch: %(a)s") % {"a": list_separator(lang).join(holders)})
        else:
            subject = _("Object discovered, owner unknown, reported by %(agency)s") % {"agency": sender}
            facts = []
        lines = [subject, "", *facts, "", _("Objects:")]
        for obj in alert_objects(alert, reader):
            title = show(obj.title, lang) or show(obj.description, lang)
            lines.append(f"- {obj.record_number}: {obj.object_type.label(lang)}" + (f" — {title}" if title else ""))
        lines += ["", _("Open it in Turath: %(url)s") % {"url": absolute_url(alert_target_url(alert, reader))}]
    return subject, "\n".join(lines)


def absolute_url(path: str) -> str:
    base = getattr(settings, "TURATH_BASE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + path


def alert_target_url(alert: Alert, reader) -> str:
    if alert.report_id:
        return reverse("cases:report-detail", args=[alert.report_id])
    if alert.seizure_id:
        return reverse("cases:seizure-detail", args=[alert.seizure_id])
    obj = alert_object(alert, reader)
    return reverse("register:object-detail", args=[obj.record_number]) if obj else reverse("cases:inbox")


def alert_object(alert: Alert, reader) -> CulturalObject | None:
    """The single record a discovery or match alert names, if `reader` may see it now."""
    if not alert.object_id:
        return None
    return CulturalObject.objects.restrict(reader).filter(pk=alert.object_id).first()


def email_alerts(alert_ids) -> int:
    sent = 0
    for alert in Alert.objects.filter(pk__in=alert_ids).select_related("recipient", "sender", "report", "seizure"):
        if not alert.recipient.email:
            continue
        lang = alert_language(alert.recipient)
        subject, body = alert_text(alert, lang, agency_reader(alert.recipient))
        send_mail(subject, body, None, [alert.recipient.email])
        Alert.objects.filter(pk=alert.pk).update(emailed_to=alert.recipient.email, email_language=lang)
        sent += 1
    return sent


def inbox(user, *, unread_only: bool = False):
    qs = Alert.objects.restrict(user).select_related("sender", "report", "seizure")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def mark_read(user, alert: Alert, read: bool = True) -> Alert:
    alert = Alert.objects.restrict(user).get(pk=alert.pk)
    Alert.objects.filter(pk=alert.pk).update(read_at=timezone.now() if read else None,
                                             read_by=user if read else None)
    alert.refresh_from_db()
    return alert


def agency_feed(agency: Agency, lang: str = "en", limit: int = 100, *, reader=None) -> str:
    """The agency's alerts as an Atom feed, as `reader` (the feed token's user; by default any
    member of the agency) may read them (the feed view checks the token)."""
    reader = reader or agency_reader(agency)
    feed = PlainTextAtom1Feed(
        title=_("Turath alerts for %(a)s") % {"a": agency.name(lang)},
        link=absolute_url(reverse("cases:inbox")),
        description="",
        language=lang,
        feed_url=absolute_url(reverse("cases:alert-feed", args=[agency.code])),
        id=f"urn:turath:alerts:{agency.code}",
    )
    for alert in Alert.objects.restrict(reader).filter(recipient=agency).select_related(
            "sender", "report", "seizure")[:limit]:
        subject, body = alert_text(alert, lang, reader)
        feed.add_item(title=subject, link=absolute_url(alert_target_url(alert, reader)), description=body,
                      unique_id=f"urn:turath:alert:{alert.pk}", updateddate=alert.created, pubdate=alert.created)
    return feed.writeString("utf-8")


def announce_discovered(user, obj: CulturalObject, sharing: str = Sharing.NETWORK) -> list[Alert]:
    """An object found with no known owner is shared and announced to the agencies it now reaches."""
    if obj.status != ObjectStatus.DISCOVERED_UNKNOWN:
        raise TransitionNotAllowed(_("Only an object «discovered, owner unknown» is announced this way."))
    errors: dict = {}
    sharing = _sharing(sharing, errors, "sharing")
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        if _wider(sharing, obj.sharing):
            obj = register.update_object(user, obj, {"sharing": sharing})
        elif not CulturalObject.objects.restrict(user, "change").filter(pk=obj.pk).exists():
            raise NotPermitted(_("Only the owning agency's editors change this record."))
        return send_alerts(sender=obj.owning_agency, sharing=obj.sharing, source=AlertSource.DISCOVERED, obj=obj)
