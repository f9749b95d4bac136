"""Theft/loss/looting reports, alerts, seizures, restitution cases and case work.

Reports and seizures are shared records (owning agency + sharing level, see core.permissions):
a draft stays at the "agency" level, so nobody outside the reporting agency sees it until an
editor of that agency validates and publishes it. Restitution cases have their own rule: the
holding agency and every agency of the requesting state see them.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from turath.core.models import Agency, Role
from turath.core.permissions import (
    CHANGE,
    DELETE,
    NOTHING,
    VIEW,
    WORK,
    RestrictedQuerySet,
    SharedRecord,
    Sharing,
    agency_of,
    own_agency_q,
    related_q,
)
from turath.register.models import CulturalObject


class CaseWork(models.Model):
    """What every case carries: an optimistic-lock version, an assigned officer and a due date."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, help_text="optimistic lock: bumped on every change")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned officer"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        abstract = True


class ReportKind(models.TextChoices):
    THEFT = "theft", _("Theft")
    LOSS = "loss", _("Loss")
    LOOTING = "looting", _("Looting")


# The register status a reported object takes, and keeps once its report is published, until it is found.
REPORTED_STATUS = {ReportKind.THEFT: "reported_stolen", ReportKind.LOSS: "reported_missing",
                   ReportKind.LOOTING: "reported_looted"}


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for validation")
    PUBLISHED = "published", _("Validated and published")


class Report(CaseWork, SharedRecord):
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices, default=ReportKind.THEFT)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT,
                             db_index=True)
    occurred_on = models.DateField(_("date of the theft, loss or looting"))
    occurred_until = models.DateField(_("latest possible date"), null=True, blank=True,
                                      help_text=_("when the exact date is unknown"))
    discovered_on = models.DateField(_("date discovered"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300)
    geometry = models.JSONField(_("point or area (GeoJSON)"), null=True, blank=True)
    how_discovered = models.TextField(_("how it was discovered"), blank=True)
    circumstances = models.TextField(_("circumstances"), blank=True)
    police_reference = models.CharField(_("police reference"), max_length=120, blank=True)
    publish_sharing = models.CharField(_("share with, once validated"), max_length=10, choices=Sharing.choices,
                                       default=Sharing.NETWORK)
    objects_concerned = models.ManyToManyField(CulturalObject, verbose_name=_("objects concerned"),
                                               related_name="reports", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("theft, loss or looting report")

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"REP-{self.created.year if self.created else 0}-{self.pk or 0:05d}"


class Seizure(CaseWork, SharedRecord):
    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        PUBLISHED = "published", _("Published to the network")

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECORDED)
    seized_on = models.DateField(_("date of seizure"))
    border_post = models.CharField(_("border post"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=300)
    carrier_reference = models.CharField(_("carrier or consignment reference"), max_length=120, blank=True)
    declaration_reference = models.CharField(_("customs declaration reference"), max_length=120, blank=True)
    declared_description = models.TextField(_("description as declared"), blank=True)
    observed_description = models.TextField(_("description as observed"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    publish_sharing = models.CharField(_("share with, once published"), max_length=10, choices=Sharing.choices,
                                       default=Sharing.NETWORK)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("seizure")

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"SZ-{self.created.year if self.created else 0}-{self.pk or 0:05d}"


class SeizureItem(models.Model):
    """One line of a seized lot; its object record (Object ID light) is completed later."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="items")
    line = models.PositiveIntegerField(_("line"))
    object = models.OneToOneField(CulturalObject, on_delete=models.PROTECT, related_name="seizure_item")
    count = models.PositiveIntegerField(_("number of pieces"), default=1)

    class Meta:
        ordering = ["seizure", "line"]
        constraints = [models.UniqueConstraint(fields=["seizure", "line"], name="uniq_seizure_line")]

    objects = RestrictedQuerySet.as_manager()

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """A line of a lot is seen where both the seizure and the item's own record are: an item
        kept at the agency level stays hidden on a published seizure."""
        return related_q(Seizure, "seizure", user, action) & related_q(CulturalObject, "object", user, VIEW)


class MatchDecision(models.TextChoices):
    PENDING = "pending", _("To be examined")
    SAME = "same", _("Same object")
    NOT_SAME = "not_same", _("Not the same object")


class SeizureMatch(models.Model):
    """A possible match between a seized item and a record of the register."""

    class Source(models.TextChoices):
        ENGINE = "engine", _("Matching engine")
        MANUAL = "manual", _("Officer")

    item = models.ForeignKey(SeizureItem, on_delete=models.CASCADE, related_name="matches")
    candidate = models.ForeignKey(CulturalObject, on_delete=models.PROTECT, related_name="seizure_matches")
    score = models.FloatField(_("score"), default=0.0)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    decision = models.CharField(_("decision"), max_length=10, choices=MatchDecision.choices,
                                default=MatchDecision.PENDING)
    note = models.TextField(blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "candidate"], name="uniq_seizure_match")]

    objects = RestrictedQuerySet.as_manager()

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """A possible match is seen where its item and the candidate record both are."""
        return related_q(SeizureItem, "item", user, action) & related_q(CulturalObject, "candidate", user, VIEW)


class AlertSource(models.TextChoices):
    REPORT = "report", _("Theft, loss or looting report")
    SEIZURE = "seizure", _("Seizure")
    DISCOVERED = "discovered", _("Object discovered, owner unknown")
    MATCH = "match", _("Recognised at an inspection")
    CONTACT = "contact", _("Request to be put in touch")


class Alert(models.Model):
    recipient = models.ForeignKey(Agency, verbose_name=_("recipient agency"), on_delete=models.CASCADE,
                                  related_name="alerts")
    sender = models.ForeignKey(Agency, verbose_name=_("sending agency"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=12, choices=AlertSource.choices)
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    seizure = models.ForeignKey(Seizure, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    object = models.ForeignKey(CulturalObject, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    # A contact request: the check whose hidden matches the secretariat is asked about.
    match_check = models.ForeignKey("matching.MatchCheck", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    emailed_to = models.CharField(max_length=254, blank=True)
    email_language = models.CharField(max_length=2, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """An alert belongs to the inbox of the agency it was sent to, and to nobody else (what
        its text lists is filtered again for the reader: cases.services.alert_objects)."""
        return own_agency_q(user, "recipient")

    def __str__(self):
        return f"{self.get_source_display()} → {self.recipient.code}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def subject_record(self):
        return self.report or self.seizure or self.object


class LegalBasis(models.TextChoices):
    UNESCO_1970 = "unesco_1970", _("1970 UNESCO Convention")
    UNIDROIT_1995 = "unidroit_1995", _("1995 UNIDROIT Convention")
    BILATERAL = "bilateral", _("Bilateral agreement")
    COURT_ORDER = "court_order", _("Court order")
    VOLUNTARY = "voluntary", _("Voluntary return")


class RestitutionCase(CaseWork):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        AGREED = "agreed", _("Return agreed")
        HANDED_OVER = "handed_over", _("Handed over")
        REFUSED = "refused", _("Refused")

    requesting_country = models.CharField(_("requesting state"), max_length=2, db_index=True)
    holding_agency = models.ForeignKey(Agency, verbose_name=_("holding agency"), on_delete=models.PROTECT,
                                       related_name="+")
    objects_claimed = models.ManyToManyField(CulturalObject, verbose_name=_("objects"), related_name="restitutions")
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    opened_on = models.DateField(_("date of the request"))
    summary = models.TextField(_("summary"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    seizure = models.ForeignKey(Seizure, null=True, blank=True, on_delete=models.SET_NULL, related_name="restitutions")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("restitution case")

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """Both states see the case: the holding agency and every agency of the requesting state.
        Their contributors work on it; their editors change it."""
        agency = agency_of(user)
        needed = {VIEW: Role.VIEWER, WORK: Role.CONTRIBUTOR, CHANGE: Role.EDITOR, DELETE: Role.EDITOR}.get(action)
        if needed is None:
            raise ValueError(f"unknown action {action!r}")
        if agency is None or not user.has_role(needed):
            return NOTHING
        return Q(holding_agency_id=agency.pk) | Q(requesting_country=agency.country)

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"RST-{self.created.year if self.created else 0}-{self.pk or 0:05d}"


class RestitutionStep(models.Model):
    class Kind(models.TextChoices):
        STEP = "step", _("Step")
        DECISION = "decision", _("Decision")
        EVIDENCE = "evidence", _("Evidence received")

    case = models.ForeignKey(RestitutionCase, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STEP)
    on_date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on_date", "id"]


class Handover(models.Model):
    case = models.OneToOneField(RestitutionCase, on_delete=models.PROTECT, related_name="handover")
    on_date = models.DateField(_("date of handover"))
    receiving_institution = models.CharField(_("receiving institution"), max_length=300)
    received_by = models.CharField(_("received by (name and title)"), max_length=300, blank=True)
    handed_by = models.CharField(_("handed over by (name and title)"), max_length=300, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)


def _attachment_path(instance, filename):
    ext = "." + filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else ""
    return f"cases/{instance.content_type.model}/{instance.object_id}/{instance.sha256}{ext}"


class Attachment(models.Model):
    """A document, photograph or piece of evidence attached to a case; served only through a
    permission-checked view."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        PHOTO = "photo", _("Photograph")
        EVIDENCE = "evidence", _("Evidence")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    case = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DOCUMENT)
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    mime = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]


class JournalEntry(models.Model):
    """A dated note on a case (NetBox's journal entries)."""

    class Kind(models.TextChoices):
        INFO = "info", _("Information")
        ACTION = "action", _("Action taken")
        WARNING = "warning", _("Warning")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    case = GenericForeignKey("content_type", "object_id")
    on_date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INFO)
    text = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on_date", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
