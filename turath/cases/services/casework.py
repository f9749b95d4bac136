"""Work on any case: journal, attachments, assignment, and the case's objects as a reader may see them."""

import hashlib
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import ImageRejected, NotPermitted, RecordInvalid
from turath.core.models import User
from turath.core.parsing import parse_id
from turath.core.permissions import WORK, permits
from turath.core.userfiles import SNIFF_BYTES, sniff
from turath.register.images import check_image
from turath.register.models import CulturalObject

from ..models import (
    Attachment,
    JournalEntry,
    Report,
    RestitutionCase,
    Seizure,
    SeizureItem,
)
from .common import (
    _check_version,
    _text,
    _today,
    parse_day,
)

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


CASE_MODELS = {"report": Report, "seizure": Seizure, "restitution": RestitutionCase}


def case_kind(case) -> str:
    return {Report: "report", Seizure: "seizure", RestitutionCase: "restitution"}[type(case)]


def get_case(user, kind: str, pk, action: str = "view"):
    """The case if the user may see it; Http404 otherwise (never a hint that it exists)."""
    model = CASE_MODELS.get(kind)
    if model is None:
        from django.http import Http404

        raise Http404
    return model.objects.get_visible_or_404(user, action, pk=pk)


def add_journal_entry(user, case, text: str, *, on_date=None, kind: str = JournalEntry.Kind.INFO) -> JournalEntry:
    if not permits(user, WORK, case):
        raise NotPermitted(_("Only the agencies working on this case add notes."))
    errors: dict = {}
    day = parse_day(on_date or _today(), "on_date", errors)
    text = _text({"text": text}, "text")
    if not text:
        errors.setdefault("text", []).append(_("Required."))
    if kind not in JournalEntry.Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of note."))
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        entry = JournalEntry.objects.create(content_type=ContentType.objects.get_for_model(case), object_id=case.pk,
                                            on_date=day, kind=kind, text=str(text).strip(), author=user,
                                            agency=user.agency)
        audit.record("cases.case.add_journal_entry", case, after={"on_date": day, "kind": kind, "text": entry.text})
    return entry


def journal(case):
    return JournalEntry.objects.filter(content_type=ContentType.objects.get_for_model(case),
                                       object_id=case.pk).select_related("author", "agency")


def attachments(case):
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(case), object_id=case.pk)


def add_attachment(user, case, data: bytes, name: str, *, kind: str = Attachment.Kind.DOCUMENT,
                   caption: str = "") -> Attachment:
    if not permits(user, WORK, case):
        raise NotPermitted(_("Only the agencies working on this case attach files."))
    errors: dict = {}
    if not data:
        errors.setdefault("file", []).append(_("The file is empty."))
    elif len(data) > MAX_ATTACHMENT_BYTES:
        errors.setdefault("file", []).append(_("The file is larger than %(mb)d MB.")
                                             % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)})
    if kind not in Attachment.Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of attachment."))
    if kind == Attachment.Kind.PHOTO and data:
        try:
            check_image(data, name)
        except ImageRejected as exc:
            errors.setdefault("file", []).append(str(exc))
    if errors:
        raise RecordInvalid(errors)
    digest = hashlib.sha256(data).hexdigest()
    name = (name or "file").replace("/", "_").replace("\\", "_")[-200:]
    with transaction.atomic():
        att = Attachment(content_type=ContentType.objects.get_for_model(case), object_id=case.pk, kind=kind,
                         name=name, sha256=digest, size=len(data), caption=caption[:300], uploaded_by=user,
                         mime=sniff(data[:SNIFF_BYTES]))  # from the bytes: the name is the uploader's choice
        att.file.save(name, ContentFile(data), save=False)
        try:
            att.save()
            audit.record("cases.case.add_attachment", case, after={"name": name, "sha256": digest, "kind": kind})
        except BaseException:
            att.file.delete(save=False)
            raise
    return att


def assign(user, case, officer, due_date=None, *, expected_version=None):
    """Assign the case to an officer of an agency working on it, with an optional due date."""
    model = type(case)
    with transaction.atomic():
        locked = model.objects.restrict(user, WORK).select_for_update().filter(pk=case.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the agencies working on this case assign it."))
        _check_version(locked, expected_version)
        errors: dict = {}
        if officer is not None and not isinstance(officer, User):
            officer = User.objects.filter(Q(username=str(officer)) | Q(pk=parse_id(str(officer)) or 0)
                                          ).first()
            if officer is None:
                errors.setdefault("assigned_to", []).append(_("Unknown officer."))
        if officer is not None and not permits(officer, WORK, locked):
            errors.setdefault("assigned_to", []).append(_("The officer must belong to an agency working on the case."))
        if due_date not in (None, "") and not isinstance(due_date, date):
            try:
                due_date = date.fromisoformat(str(due_date)[:10])
            except ValueError:
                errors.setdefault("due_date", []).append(_("Use the form YYYY-MM-DD."))
        if errors:
            raise RecordInvalid(errors)
        before = {"assigned_to": locked.assigned_to_id, "due_date": locked.due_date}
        locked.assigned_to = officer
        locked.due_date = due_date or None
        locked.version += 1
        locked.save()
        audit.record("cases.case.assign", locked, before=before, after={"assigned_to": getattr(officer, "pk", None),
                                                                        "due_date": locked.due_date})
    return locked


def case_objects(user, case):
    """The records of a case (reported, seized or claimed) that `user` may see."""
    if isinstance(case, Report):
        ids = case.objects_concerned.values("pk")
    elif isinstance(case, Seizure):
        ids = SeizureItem.objects.restrict(user).filter(seizure=case).values("object_id")
    else:
        ids = case.objects_claimed.values("pk")
    return CulturalObject.objects.restrict(user).filter(pk__in=ids).select_related("object_type")
