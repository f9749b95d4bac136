"""Custody of confiscated objects (SPECTRUM: object entry, location and movement control,
condition checking, object exit; CIDOC-CRM E10 Transfer of Custody).

The custody chain (entries, movements, transfers and their acknowledgements, condition checks,
exits) is append-only and never purged: a row cannot be updated or deleted, and a correction is
a new row whose `corrects` points at the row it corrects. `Holding` is the only mutable table:
the current whereabouts of an object, kept by the services as a convenience for lists and the
dashboard; the chain is the record.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from turath.core.models import Agency
from turath.core.permissions import NOTHING, RestrictedQuerySet, agency_of, own_agency_q, related_q
from turath.register.models import CulturalObject


class StorageFacility(models.Model):
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="facilities")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["agency", "code"]
        verbose_name = _("storage facility")
        verbose_name_plural = _("storage facilities")
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="uniq_facility_code")]

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """Storage facilities belong to one agency: nobody else learns they exist."""
        return own_agency_q(user, "agency")

    def __str__(self):
        return f"{self.name} ({self.code})"


class Location(models.Model):
    """A place within a facility, coded by path: building/room/shelf (e.g. «B1/R2/S3»)."""

    facility = models.ForeignKey(StorageFacility, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(_("code"), max_length=120, help_text=_("building/room/shelf, e.g. B1/R2/S3"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(_("description"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["facility", "code"]
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="uniq_location_code")]

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        return related_q(StorageFacility, "facility", user, action)

    def __str__(self):
        return f"{self.facility.code}:{self.code}"

    @property
    def agency_id(self):
        return self.facility.agency_id


class ChainQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise ValidationError("The custody chain is append-only.")

    def delete(self):
        raise ValidationError("The custody chain is append-only.")


class ChainEntry(models.Model):
    """One link of the custody chain. `at` is when it happened; `recorded` when it was written."""

    object = models.ForeignKey(CulturalObject, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("date and time"))
    note = models.TextField(_("note"), blank=True)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded = models.DateTimeField(auto_now_add=True)

    objects = ChainQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The custody chain is append-only: record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The custody chain is append-only and is never purged.")

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """A custody entry is seen by the agency that recorded it and by the object's current
        custodian (who inherits the history with the object)."""
        agency = agency_of(user)
        if agency is None:
            return NOTHING
        return Q(agency_id=agency.pk) | Q(object__holding__custodian_id=agency.pk)

    @property
    def is_corrected(self) -> bool:
        return self.corrections.exists()


class ObjectEntry(ChainEntry):
    class Reason(models.TextChoices):
        SEIZURE = "seizure", _("Seizure")
        DEPOSIT = "deposit", _("Deposit by a court or authority")
        FOUND = "found", _("Found object")
        LOAN_RETURN = "loan_return", _("Return from loan")

    entry_number = models.CharField(_("entry number"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices, default=Reason.SEIZURE)
    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+")
    depositor = models.CharField(_("deposited by"), max_length=300, blank=True)
    seizure = models.ForeignKey("cases.Seizure", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="custody_entries")

    class Meta(ChainEntry.Meta):
        verbose_name = _("object entry")
        verbose_name_plural = _("object entries")

    def __str__(self):
        return self.entry_number


class Movement(ChainEntry):
    from_location = models.ForeignKey(Location, verbose_name=_("from"), null=True, on_delete=models.PROTECT,
                                      related_name="+")
    to_location = models.ForeignKey(Location, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    moved_by = models.CharField(_("moved by"), max_length=200)
    reason = models.CharField(_("reason"), max_length=300)
    authorised_by = models.CharField(_("authorised by"), max_length=200)

    class Meta(ChainEntry.Meta):
        verbose_name = _("movement")


class CustodyTransfer(ChainEntry):
    """A request to hand custody to another agency (`agency` is the sender). It completes only
    after the receiver acknowledged it and the sender confirmed the handover."""

    to_agency = models.ForeignKey(Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.CharField(_("reason"), max_length=300)

    objects = ChainQuerySet.as_manager()

    class Meta(ChainEntry.Meta):
        verbose_name = _("transfer of custody")

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """A transfer is also seen by the agency asked to receive the object."""
        return super().permission_q(user, action) | own_agency_q(user, "to_agency")

    @property
    def state(self) -> str:
        kinds = {a.kind for a in self.acknowledgements.all()}
        for kind in (TransferAck.Kind.DECLINED, TransferAck.Kind.COMPLETED, TransferAck.Kind.ACKNOWLEDGED):
            if kind in kinds:
                return kind
        return "requested"


class TransferAck(models.Model):
    """One party's acknowledgement of a transfer (append-only like the chain)."""

    class Kind(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the receiver")
        DECLINED = "declined", _("Declined by the receiver")
        COMPLETED = "completed", _("Handed over (confirmed by the sender)")

    transfer = models.ForeignKey(CustodyTransfer, on_delete=models.PROTECT, related_name="acknowledgements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["transfer", "kind"], name="uniq_transfer_ack")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The custody chain is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The custody chain is append-only and is never purged.")


class ConditionGrade(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")
    CRITICAL = "critical", _("Critical")


class ConditionCheck(ChainEntry):
    grade = models.CharField(_("condition"), max_length=10, choices=ConditionGrade.choices)
    checked_by = models.CharField(_("checked by"), max_length=200)
    next_check_due = models.DateField(_("next check due"), null=True, blank=True)

    class Meta(ChainEntry.Meta):
        verbose_name = _("condition check")


def _photo_path(instance, filename):
    return f"custody/checks/{instance.condition_check_id}/{instance.sha256}.jpg"


class ConditionPhoto(models.Model):
    condition_check = models.ForeignKey(ConditionCheck, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    mime = models.CharField(max_length=40)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The custody chain is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The custody chain is append-only and is never purged.")


class ExitKind(models.TextChoices):
    RESTITUTION = "restitution", _("Restitution to the state of origin")
    RETURN_TO_OWNER = "return_to_owner", _("Return to the owner")
    COURT_RELEASE = "court_release", _("Released by court order")
    EXHIBITION_LOAN = "exhibition_loan", _("Loan to an exhibition")


class ObjectExit(ChainEntry):
    kind = models.CharField(_("kind of exit"), max_length=16, choices=ExitKind.choices)
    recipient = models.CharField(_("recipient"), max_length=300)
    authorised_by = models.CharField(_("authorised by"), max_length=200)
    reference = models.CharField(_("reference (decision, agreement)"), max_length=200, blank=True)
    restitution = models.ForeignKey("cases.RestitutionCase", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="exits")

    class Meta(ChainEntry.Meta):
        verbose_name = _("object exit")


class Holding(models.Model):
    """Where an object is now and who has custody of it (derived from the chain)."""

    object = models.OneToOneField(CulturalObject, on_delete=models.PROTECT, related_name="holding")
    custodian = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, null=True, on_delete=models.PROTECT, related_name="holdings")
    entry = models.ForeignKey(ObjectEntry, on_delete=models.PROTECT, related_name="+")
    exited = models.ForeignKey(ObjectExit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """Where an object is kept is known to its custodian only."""
        return own_agency_q(user, "custodian")

    @property
    def in_custody(self) -> bool:
        return self.exited_id is None
