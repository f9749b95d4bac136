"""The cultural-property register: object records after the Object ID standard."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from turath.core.models import AgencyKind, Role
from turath.core.multilingual import show
from turath.core.permissions import AUDIT, LOCATE, SharedRecord, agency_of, change_q, view_q
from turath.vocabulary.models import Concept


class ObjectStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    REPORTED_MISSING = "reported_missing", _("Reported missing")
    REPORTED_STOLEN = "reported_stolen", _("Reported stolen")
    REPORTED_LOOTED = "reported_looted", _("Reported looted")
    PUBLISHED = "published", _("Validated and published to the network")
    DISCOVERED_UNKNOWN = "discovered_unknown", _("Discovered, owner unknown")
    SEIZED = "seized", _("Seized")
    RECOVERED = "recovered", _("Recovered")
    IN_CUSTODY = "in_custody", _("In custody")
    RESTITUTED = "restituted", _("Restituted")
    RETURNED = "returned", _("Returned to owner")


S = ObjectStatus
_REPORTED = {S.REPORTED_MISSING, S.REPORTED_STOLEN, S.REPORTED_LOOTED}
# The lifecycle: from a status, where an object may go next.
# Publication to the network belongs to the theft report, not to the object: a stolen object stays
# «reported stolen» until it is found, seized or returned. «published» is kept only to read old history
# (cases migration 0003 gave the objects left in it back their reported status).
STATUS_TRANSITIONS: dict[str, set[str]] = {
    S.REGISTERED: _REPORTED | {S.SEIZED, S.IN_CUSTODY},
    S.REPORTED_MISSING: {S.SEIZED, S.RECOVERED, S.REGISTERED},
    S.REPORTED_STOLEN: {S.SEIZED, S.RECOVERED, S.REGISTERED},
    S.REPORTED_LOOTED: {S.SEIZED, S.RECOVERED, S.REGISTERED},
    S.PUBLISHED: {S.SEIZED, S.RECOVERED},
    S.DISCOVERED_UNKNOWN: {S.SEIZED, S.IN_CUSTODY},
    S.SEIZED: {S.IN_CUSTODY, S.RECOVERED, S.RESTITUTED, S.RETURNED},
    S.RECOVERED: {S.IN_CUSTODY, S.RESTITUTED, S.RETURNED},
    S.IN_CUSTODY: {S.RESTITUTED, S.RETURNED},
    S.RESTITUTED: {S.REGISTERED},
    S.RETURNED: {S.REGISTERED},
}
INITIAL_STATUSES = (S.REGISTERED, S.REPORTED_MISSING, S.REPORTED_STOLEN, S.REPORTED_LOOTED, S.DISCOVERED_UNKNOWN,
                    S.SEIZED)


class Calendar(models.TextChoices):
    GREGORIAN = "gregorian", _("Gregorian (CE)")
    HIJRI = "hijri", _("Hijri (AH)")


class CulturalObject(SharedRecord):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record_number = models.CharField(
        _("record number"), max_length=64, unique=True,
        help_text=_("The register's identifier of the record, unique across all agencies"),
    )
    # --- Object ID core ---
    object_type = models.ForeignKey(Concept, verbose_name=_("type of object"), on_delete=models.PROTECT,
                                    related_name="+")
    materials = models.ManyToManyField(Concept, verbose_name=_("materials"), related_name="+", blank=True)
    techniques = models.ManyToManyField(Concept, verbose_name=_("techniques"), related_name="+", blank=True)
    title = models.JSONField(_("title"), default=dict, blank=True)
    subject = models.JSONField(_("subject"), default=dict, blank=True)
    description = models.JSONField(_("description"), default=dict, blank=True)
    distinguishing_features = models.JSONField(_("distinguishing features"), default=dict, blank=True)
    date_text = models.CharField(_("date as written"), max_length=120, blank=True)
    date_calendar = models.CharField(_("calendar"), max_length=10, choices=Calendar.choices, blank=True)
    date_earliest = models.IntegerField(_("earliest year (CE)"), null=True, blank=True,
                                        help_text=_("negative for BCE"))
    date_latest = models.IntegerField(_("latest year (CE)"), null=True, blank=True)
    hijri_earliest = models.PositiveIntegerField(_("earliest year (AH)"), null=True, blank=True)
    hijri_latest = models.PositiveIntegerField(_("latest year (AH)"), null=True, blank=True)
    period = models.ForeignKey(Concept, verbose_name=_("period"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    maker = models.CharField(_("maker"), max_length=300, blank=True)
    # --- Object ID recommended extras ---
    inventory_numbers = models.JSONField(_("inventory numbers"), default=list, blank=True)
    related_written_material = models.TextField(_("related written material"), blank=True)
    place_of_origin = models.CharField(_("place of origin"), max_length=300, blank=True)
    place_of_discovery = models.CharField(_("place of discovery"), max_length=300, blank=True)
    cross_references = models.JSONField(_("cross-references"), default=list, blank=True)
    date_documented = models.DateField(_("date documented"), null=True, blank=True)
    # --- Turath ---
    origin_country = models.CharField(_("country of origin"), max_length=2, blank=True, db_index=True)
    current_holder = models.CharField(_("current holder"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=ObjectStatus.choices,
                              default=ObjectStatus.REGISTERED, db_index=True)
    status_changed = models.DateTimeField(_("status changed"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic lock: bumped on every change")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Normalised text of every language and the labels of every linked concept (see search.py).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("cultural object")
        verbose_name_plural = _("cultural objects")
        # object_type and period are indexed as foreign keys; a second index on each (dropped in 0006)
        # only cost every insert.
        indexes = [
            models.Index(fields=["owning_agency", "status"]),
            models.Index(fields=["sharing", "status"]),
        ]

    def __str__(self):
        shown = show(self.title, "en")
        return f"{self.record_number} — {shown.text}" if shown else self.record_number

    @classmethod
    def permission_q(cls, user, action: str):
        if action == AUDIT:
            # The audit trail is for those who answer for the record: its agency's editors, and the
            # secretariat's editors for every record they see.
            agency = agency_of(user)
            if agency is not None and agency.kind == AgencyKind.SECRETARIAT and user.has_role(Role.EDITOR):
                return view_q(user)
            return change_q(user)
        if action == LOCATE:
            # Which agency holds a record: the secretariat learns it for every record, so that it can put
            # an officer whose check hit a record not shared with them in touch with its agency.
            agency = agency_of(user)
            if agency is not None and agency.kind == AgencyKind.SECRETARIAT:
                return Q()
            return view_q(user)
        return super().permission_q(user, action)

    def title_in(self, lang):
        return show(self.title, lang)

    @property
    def primary_image(self):
        images = list(self.images.all())
        return images[0] if images else None


class Measurement(models.Model):
    class Dimension(models.TextChoices):
        HEIGHT = "height", _("Height")
        WIDTH = "width", _("Width")
        DEPTH = "depth", _("Depth")
        LENGTH = "length", _("Length")
        DIAMETER = "diameter", _("Diameter")
        THICKNESS = "thickness", _("Thickness")
        WEIGHT = "weight", _("Weight")

    class Unit(models.TextChoices):
        MM = "mm", "mm"
        CM = "cm", "cm"
        M = "m", "m"
        G = "g", "g"
        KG = "kg", "kg"

    object = models.ForeignKey(CulturalObject, on_delete=models.CASCADE, related_name="measurements")
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=4, choices=Unit.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_dimension_display()} {self.value.normalize():f} {self.unit}"


class Inscription(models.Model):
    class Kind(models.TextChoices):
        INSCRIPTION = "inscription", _("Inscription")
        MARKING = "marking", _("Marking")
        INVENTORY_MARK = "inventory_mark", _("Inventory mark")
        SIGNATURE = "signature", _("Signature")
        SEAL = "seal", _("Seal or stamp")

    object = models.ForeignKey(CulturalObject, on_delete=models.CASCADE, related_name="inscriptions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INSCRIPTION)
    text = models.JSONField(_("text and translations"), default=dict)
    script = models.CharField(_("script"), max_length=60, blank=True, help_text=_("e.g. Kufic, Naskh, cuneiform"))
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]


class StatusChange(models.Model):
    object = models.ForeignKey(CulturalObject, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=24, choices=ObjectStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=ObjectStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agency_code = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


def _image_path(instance, filename):
    return f"objects/{instance.object.uid}/{instance.sha256}{_ext(filename)}"


def _ext(filename):
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


class ObjectImage(models.Model):
    """A photograph: the original kept byte for byte with its SHA-256, derived sizes made once."""

    object = models.ForeignKey(CulturalObject, on_delete=models.CASCADE, related_name="images")
    original = models.FileField(upload_to=_image_path, max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    mime = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumb = models.CharField(max_length=300, blank=True)  # media-relative path, 320 px
    medium = models.CharField(max_length=300, blank=True)  # media-relative path, 1280 px
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["object", "sha256"], name="uniq_object_image")]


class SearchRow(models.Model):
    """One narrow row per record with the columns that searches filter, count and sort by.

    Kept by database triggers (migration 0003) on every insert, update and delete of a record and
    of its materials, whoever writes (UI, API, bulk import, raw SQL). `stamp` marks the change so
    that register.columns reloads only what changed; a deleted record leaves a tombstone. The text
    of PostgreSQL's full-text search lives in SearchText.
    """

    object_id = models.BigIntegerField(primary_key=True)
    owning_agency_id = models.BigIntegerField()
    sharing = models.CharField(max_length=10)
    status = models.CharField(max_length=24)
    object_type_id = models.BigIntegerField(null=True)
    period_id = models.BigIntegerField(null=True)
    origin_country = models.CharField(max_length=2, blank=True, default="")
    updated = models.DateTimeField(null=True)
    deleted = models.BooleanField(default=False)
    stamp = models.BigIntegerField(db_index=True)

    class Meta:
        default_permissions = ()


class SearchText(models.Model):
    """PostgreSQL's full-text index: one row per live record with its tsvector `document` (a column
    added by migration 0005 on PostgreSQL only, with its GIN index), kept by the same triggers as
    SearchRow, in two hash partitions (search.TEXT_PARTITIONS) that a search matches at once.

    A text match reads the GIN index, then visits the heap row of every matching record for its id,
    so this table holds nothing else: the documents themselves are out of line (TOAST), and the heap
    is ~90 bytes a row. The table stays empty on SQLite, whose text index is FTS5 (register_fts).
    """

    object_id = models.BigIntegerField(primary_key=True)

    class Meta:
        default_permissions = ()


class SearchEpoch(models.Model):
    """A token that changes when the search rows are rebuilt or the tables emptied (test flushes):
    a process holding columns of another epoch reloads them all."""

    token = models.CharField(max_length=36)

    class Meta:
        default_permissions = ()


class BulkLoad(models.Model):
    """Present only inside an import's transaction, and never committed: while a row exists, the
    SQLite insert triggers of the text index and the search rows stand aside and the importer indexes
    each batch of new records with one statement (per-row trigger inserts into FTS5 cost ~3x more)."""

    started = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
