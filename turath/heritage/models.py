"""The heritage list: places and intangible elements, nominations, decisions, the list in danger.

Criteria are data (CriteriaSet/Criterion) so the committee can amend them without a release.
Geometry is stored as GeoJSON text, validated with shapely; the bounding box is copied into four
indexed columns so spatial queries prefilter in SQL on SQLite and PostgreSQL alike.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from turath.core.countries import country_name
from turath.core.models import Agency, AgencyKind, Role
from turath.core.multilingual import active_lang, list_separator
from turath.core.permissions import CHANGE, DELETE, VIEW, RestrictedQuerySet, SharedRecord, agency_of


def _trilingual(obj, field: str, lang: str) -> str:
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_en", "") or getattr(obj, f"{field}_fr", "") \
        or getattr(obj, f"{field}_ar", "")


class CriteriaSet(models.Model):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("criteria set")

    def __str__(self):
        return self.name(active_lang())

    def name(self, lang: str = "en") -> str:
        return _trilingual(self, "name", lang)


class CriterionGroup(models.TextChoices):
    CULTURAL = "cultural", _("Cultural")
    NATURAL = "natural", _("Natural")
    INTANGIBLE = "intangible", _("Intangible")


class Criterion(models.Model):
    """One criterion, e.g. UNESCO "(iv)"; retired criteria stay (inscriptions cite them) but are not offered."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=20)
    group = models.CharField(_("group"), max_length=12, choices=CriterionGroup.choices)
    order = models.PositiveSmallIntegerField(default=0)
    text_ar = models.TextField(_("text (Arabic)"), blank=True)
    text_en = models.TextField(_("text (English)"))
    text_fr = models.TextField(_("text (French)"), blank=True)
    active = models.BooleanField(_("in force"), default=True)
    amended = models.DateField(_("last amended"), null=True, blank=True)

    class Meta:
        ordering = ["criteria_set", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="heritage_criterion_code")]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return self.code

    def text(self, lang: str = "en") -> str:
        return _trilingual(self, "text", lang)


class HeritageList(models.Model):
    """A configured list: the organization's own (final + preliminary) or an external one such as UNESCO's."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="lists")
    has_preliminary = models.BooleanField(_("has a preliminary list"), default=False)
    accepts_nominations = models.BooleanField(_("nominations are handled here"), default=False)
    attribution = models.CharField(_("attribution shown with its data"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("heritage list")

    def __str__(self):
        return self.name(active_lang())

    def name(self, lang: str = "en") -> str:
        return _trilingual(self, "name", lang)


# The regions of UNESCO's World Heritage List, as its export writes them: shown in the page's language.
REGION_LABELS = {
    "Africa": _("Africa"),
    "Arab States": _("Arab States"),
    "Asia and the Pacific": _("Asia and the Pacific"),
    "Europe and North America": _("Europe and North America"),
    "Latin America and the Caribbean": _("Latin America and the Caribbean"),
}


def region_label(region: str) -> str:
    """A region's name in the page's language; a transboundary place may list several («Europe and North America,Asia…»)."""
    parts = [p.strip() for p in (region or "").split(",") if p.strip()]
    labels = [str(REGION_LABELS.get(p, p)) for p in parts]
    return list_separator().join(labels)


class Category(models.TextChoices):
    CULTURAL = "cultural", _("Cultural")
    NATURAL = "natural", _("Natural")
    MIXED = "mixed", _("Mixed")
    INTANGIBLE = "intangible", _("Intangible")


class HeritagePlace(SharedRecord):
    """A property on (or proposed for) a list, or an intangible element (which may have no location)."""

    name_ar = models.CharField(_("name (Arabic)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=300, blank=True)
    local_name = models.CharField(_("local name"), max_length=300, blank=True)
    local_script = models.CharField(_("script of the local name (ISO 15924)"), max_length=4, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, db_index=True)
    transboundary = models.BooleanField(_("transboundary"), default=False)
    states_text = models.CharField(_("states as given by the source"), max_length=500, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("serial property"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="components")
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    boundary = models.TextField(_("boundary (GeoJSON)"), blank=True)
    buffer_zone = models.TextField(_("buffer zone (GeoJSON)"), blank=True)
    # Bounding box of point + boundary + buffer zone, for SQL prefiltering of spatial queries.
    min_lon = models.FloatField(null=True, blank=True, db_index=True)
    min_lat = models.FloatField(null=True, blank=True, db_index=True)
    max_lon = models.FloatField(null=True, blank=True, db_index=True)
    max_lat = models.FloatField(null=True, blank=True, db_index=True)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=14, decimal_places=4, null=True, blank=True)
    buffer_area_ha = models.DecimalField(_("buffer zone area (ha)"), max_digits=14, decimal_places=4, null=True,
                                         blank=True)
    description = models.JSONField(_("description"), default=dict, blank=True)
    outstanding_value = models.JSONField(_("statement of outstanding value"), default=dict, blank=True)
    criteria_justification = models.JSONField(_("justification per criterion"), default=dict, blank=True,
                                              help_text=_('{"(iv)": multilingual text}'))
    integrity = models.JSONField(_("integrity"), default=dict, blank=True)
    authenticity = models.JSONField(_("authenticity"), default=dict, blank=True)
    protection = models.JSONField(_("protection and management"), default=dict, blank=True)
    sensitive = models.BooleanField(_("sensitive location"), default=False,
                                    help_text=_("Exact coordinates are shown only to permitted people."))
    source = models.CharField(_("source"), max_length=40, blank=True)
    external_id = models.CharField(_("identifier at the source"), max_length=40, blank=True)
    attribution = models.CharField(_("attribution"), max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_en", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], condition=~Q(external_id=""),
                                    name="heritage_place_source_id"),
        ]
        indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="heritage_place_bbox")]
        verbose_name = _("heritage place")

    def __str__(self):
        return self.name(active_lang()) or f"#{self.pk}"

    def name(self, lang: str = "en") -> str:
        return _trilingual(self, "name", lang)

    @property
    def state_codes(self) -> list[str]:
        return [s.country for s in self.states.all()]


class PlaceState(models.Model):
    """A member state a place lies in; several for a transboundary property."""

    place = models.ForeignKey(HeritagePlace, on_delete=models.CASCADE, related_name="states")
    country = models.CharField(_("member state"), max_length=2, db_index=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "country"]
        constraints = [models.UniqueConstraint(fields=["place", "country"], name="heritage_place_state")]

    def __str__(self):
        return self.country

    def name(self, lang: str = "en") -> str:
        return country_name(self.country, lang)


class InscriptionStatus(models.TextChoices):
    FINAL = "final", _("Final list")
    PRELIMINARY = "preliminary", _("Preliminary list")


class Inscription(models.Model):
    place = models.ForeignKey(HeritagePlace, on_delete=models.CASCADE, related_name="inscriptions")
    heritage_list = models.ForeignKey(HeritageList, on_delete=models.PROTECT, related_name="inscriptions")
    status = models.CharField(_("status"), max_length=12, choices=InscriptionStatus.choices, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    extension_years = models.CharField(_("extensions"), max_length=100, blank=True)
    criteria = models.ManyToManyField(Criterion, blank=True, related_name="inscriptions")
    decision_code = models.CharField(_("decision code"), max_length=60, blank=True)

    class Meta:
        ordering = ["heritage_list", "-year"]
        constraints = [models.UniqueConstraint(fields=["place", "heritage_list"], name="heritage_inscription_once")]
        # Browsing a list filters on (list, status) and needs only the place ids: an index-only scan.
        indexes = [models.Index(fields=["heritage_list", "status", "place"], name="heritage_inscription_browse")]

    def __str__(self):
        return f"{self.place} on {self.heritage_list} ({self.status})"


class DangerListing(models.Model):
    """One period on the list in danger; a place listed twice has two rows (its history)."""

    place = models.ForeignKey(HeritagePlace, on_delete=models.CASCADE, related_name="danger_listings")
    heritage_list = models.ForeignKey(HeritageList, on_delete=models.PROTECT, related_name="danger_listings")
    year_in = models.PositiveSmallIntegerField(_("year listed"))
    date_in = models.DateField(_("date listed"), null=True, blank=True)
    year_out = models.PositiveSmallIntegerField(_("year removed"), null=True, blank=True)
    date_out = models.DateField(_("date removed"), null=True, blank=True)
    threats = models.TextField(_("threats"), blank=True)
    corrective_measures = models.TextField(_("corrective measures"), blank=True)
    desired_state = models.TextField(_("desired state of conservation for removal"), blank=True)
    removal_decision = models.TextField(_("decision on removal"), blank=True)

    class Meta:
        ordering = ["place", "year_in"]
        constraints = [models.UniqueConstraint(fields=["place", "heritage_list", "year_in"],
                                               name="heritage_danger_period")]

    def __str__(self):
        return f"{self.place}: {self.year_in}–{self.year_out or ''}"

    @property
    def current(self) -> bool:
        return self.year_out is None


class IncidentKind(models.TextChoices):
    DAMAGE = "damage", _("Damage")
    LOOTING = "looting", _("Looting")
    FLOOD = "flood", _("Flood")
    EARTHQUAKE = "earthquake", _("Earthquake")
    FIRE = "fire", _("Fire")
    CONFLICT = "conflict", _("Armed conflict")
    OTHER = "other", _("Other")


class Incident(SharedRecord):
    kind = models.CharField(_("kind"), max_length=12, choices=IncidentKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    area = models.TextField(_("affected area (GeoJSON)"), blank=True)
    within_km = models.FloatField(_("distance around the area (km)"), default=0)
    places = models.ManyToManyField(HeritagePlace, blank=True, related_name="incidents")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.title


class EmergencyAllocation(models.Model):
    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PARTLY_DISBURSED = "partly_disbursed", _("Partly disbursed")
        DISBURSED = "disbursed", _("Disbursed")
        CANCELLED = "cancelled", _("Cancelled")

    place = models.ForeignKey(HeritagePlace, on_delete=models.PROTECT, related_name="allocations")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, default="USD")
    purpose = models.TextField(_("purpose"))
    approved_on = models.DateField(_("approved on"), default=timezone.localdate)
    disbursed_amount = models.DecimalField(_("disbursed"), max_digits=14, decimal_places=2, default=0)
    disbursed_on = models.DateField(_("last disbursement"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPROVED)

    def __str__(self):
        return f"{self.amount} {self.currency} for {self.place}"


class StateOfConservationReport(models.Model):
    place = models.ForeignKey(HeritagePlace, on_delete=models.CASCADE, related_name="conservation_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    submitted_by = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    threats = models.TextField(_("factors affecting the property"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["place", "-year"]


# --- The nomination procedure -------------------------------------------------------------------


class NominationState(models.TextChoices):
    PRELIMINARY = "preliminary", _("On the preliminary list")
    DRAFT = "draft", _("Nomination file in preparation")
    SUBMITTED = "submitted", _("Submitted through the national commission")
    EVALUATION = "evaluation", _("Under evaluation")
    INFORMATION_REQUESTED = "information_requested", _("Additional information requested")
    RECOMMENDED = "recommended", _("Recommendation issued")
    INSCRIBED = "inscribed", _("Inscribed")
    REFERRED = "referred", _("Referred back")
    DEFERRED = "deferred", _("Deferred")
    NOT_INSCRIBED = "not_inscribed", _("Not inscribed")


# The states in which a file has left its member state: the secretariat and evaluators see it from then on.
LATER_THAN_DRAFT = [NominationState.SUBMITTED, NominationState.EVALUATION, NominationState.INFORMATION_REQUESTED,
                    NominationState.RECOMMENDED, NominationState.INSCRIBED, NominationState.REFERRED,
                    NominationState.DEFERRED, NominationState.NOT_INSCRIBED]


class Decision(models.TextChoices):
    INSCRIBE = "inscribe", _("Inscribe")
    REFER = "refer", _("Refer")
    DEFER = "defer", _("Defer")
    NOT_INSCRIBE = "not_inscribe", _("Do not inscribe")


class NominationQuerySet(RestrictedQuerySet):
    pass


class Nomination(models.Model):
    """A proposal of one place for one list, owned by the member state's heritage agency."""

    place = models.ForeignKey(HeritagePlace, on_delete=models.PROTECT, related_name="nominations")
    heritage_list = models.ForeignKey(HeritageList, on_delete=models.PROTECT, related_name="nominations")
    owning_agency = models.ForeignKey(Agency, verbose_name=_("member state agency"), on_delete=models.PROTECT,
                                      related_name="+")
    state = models.CharField(_("state"), max_length=24, choices=NominationState.choices,
                             default=NominationState.PRELIMINARY, db_index=True)
    cycle_year = models.PositiveSmallIntegerField(_("cycle (session year)"), null=True, blank=True)
    proposed_criteria = models.ManyToManyField(Criterion, blank=True, related_name="nominations")
    sections = models.JSONField(_("sections of the file"), default=dict, blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=14, choices=Decision.choices, blank=True)
    recommendation_text = models.TextField(_("recommendation text"), blank=True)
    decision = models.CharField(_("committee decision"), max_length=14, choices=Decision.choices, blank=True)
    decision_code = models.CharField(_("decision code"), max_length=60, blank=True)
    decision_text = models.TextField(_("decision text"), blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated"]

    def __str__(self):
        return f"Nomination of {self.place} ({self.get_state_display()})"

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """Seeing a file: its own agency (drafts included), the secretariat once it is submitted, an
        evaluator the files assigned to them. Changing it: the owning agency's contributors, and the
        secretariat's editors once it is submitted (the procedure's steps check who acts on each)."""
        if action not in (VIEW, CHANGE, DELETE):
            raise ValueError(f"unknown action {action!r}")
        agency = agency_of(user)
        if agency is None:
            return Q(pk__in=[])
        secretariat = agency.kind == AgencyKind.SECRETARIAT
        q = Q(owning_agency_id=agency.pk)
        if action == VIEW:
            if secretariat:
                q |= Q(state__in=LATER_THAN_DRAFT)
            assigned = EvaluatorAssignment.objects.filter(evaluator_id=user.pk).values("nomination_id")
            return q | Q(pk__in=assigned, state__in=LATER_THAN_DRAFT)
        if not user.has_role(Role.CONTRIBUTOR):
            return Q(pk__in=[])
        if secretariat and user.has_role(Role.EDITOR):
            q |= Q(state__in=LATER_THAN_DRAFT)
        return q


# What each step of a file's history is called on its page (the stored action is a code).
NOMINATION_ACTION_LABELS = {
    "enter_preliminary": _("Entered on the preliminary list"),
    "start_file": _("Nomination file started"),
    "submit": _("Submitted through the national commission"),
    "start_evaluation": _("Evaluation started"),
    "request_information": _("Additional information requested"),
    "provide_information": _("Additional information provided"),
    "recommend": _("Recommendation issued"),
    "decide": _("Committee decision recorded"),
    "resubmit": _("Resubmitted"),
    "revise": _("File reopened for revision"),
}


class NominationEvent(models.Model):
    """The nomination's own history of transitions (the audit log holds the tamper-evident copy)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def action_label(self) -> str:
        return str(NOMINATION_ACTION_LABELS.get(self.action, self.action))

    @property
    def to_state_label(self) -> str:
        return str(dict(NominationState.choices).get(self.to_state, self.to_state))


class AttachmentKind(models.TextChoices):
    MAPS = "maps", _("Maps of the property and buffer zone")
    PHOTOGRAPHS = "photographs", _("Photographs and audiovisual material")
    LEGAL_PROTECTION = "legal_protection", _("Texts of legal protection")
    MANAGEMENT_PLAN = "management_plan", _("Management plan")
    CONSENT = "consent", _("Free, prior and informed consent of communities")
    BIBLIOGRAPHY = "bibliography", _("Bibliography")
    OTHER = "other", _("Other")


class NominationAttachment(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    title = models.CharField(max_length=300)
    file = models.FileField(upload_to="heritage/nominations/%Y/", blank=True)
    added = models.DateTimeField(default=timezone.now)


class EvaluatorAssignment(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_on = models.DateTimeField(default=timezone.now)
    coi_declared_on = models.DateTimeField(_("conflict of interest declared on"), null=True, blank=True)
    has_conflict = models.BooleanField(_("declares a conflict of interest"), default=False)
    coi_statement = models.TextField(_("declaration"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["nomination", "evaluator"], name="heritage_assignment_once")]

    @property
    def may_evaluate(self) -> bool:
        return self.coi_declared_on is not None and not self.has_conflict


class EvaluationReport(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="reports")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    recommendation = models.CharField(max_length=14, choices=Decision.choices)
    submitted = models.DateTimeField(default=timezone.now)


class InformationRequest(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="information_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    requested_on = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_on = models.DateTimeField(null=True, blank=True)


class CalendarDeadline(models.Model):
    """The yearly calendar as data (overrides the defaults in services.deadlines.DEFAULT_CALENDAR)."""

    key = models.SlugField(max_length=40, unique=True)
    month = models.PositiveSmallIntegerField()
    day = models.PositiveSmallIntegerField()
    label_ar = models.CharField(max_length=200, blank=True)
    label_en = models.CharField(max_length=200)
    label_fr = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["month", "day"]

    def __str__(self):
        return f"{self.key} {self.day:02d}/{self.month:02d}"
