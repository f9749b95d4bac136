"""Representations of register records in the API.

The full record is `services.serialize` (the same shape as audit snapshots and the JSON export),
plus URLs; the brief form is what a result list needs. Writes go through `services.validate_record`,
so the API accepts exactly what the web form, the importer and the command line accept;
`ObjectWriteSerializer` only documents that shape and refuses unknown fields.
"""

from django.urls import reverse
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from turath.core.multilingual import show

from .. import services
from ..models import ObjectStatus

IMAGE_SIZES = ("original", "medium", "thumb")
# Keys of the full representation a client may send back unchanged (GET, edit, PUT): ignored on write.
READ_ONLY_KEYS = {"uid", "url", "owning_agency", "date_calendar", "date_earliest", "date_latest", "hijri_earliest",
                  "hijri_latest", "images", "allowed_transitions", "status_changed", "created", "updated",
                  "title_shown"}
WRITABLE_KEYS = {"record_number", "sharing", "status", "date", "date_documented", "origin_country", "language",
                 "lang", "version", "measurements", "inscriptions", *services.TEXT_FIELDS, *services.PLAIN_FIELDS,
                 *services.LIST_FIELDS, *services.CONCEPT_FIELDS, *services.CONCEPT_LIST_FIELDS}


def _lang(request) -> str:
    chosen = request.query_params.get("lang", "") if request is not None else ""
    return chosen if chosen in ("ar", "en", "fr") else (translation.get_language() or "en")[:2]


def object_url(request, obj) -> str:
    return request.build_absolute_uri(reverse("api-object-detail", kwargs={"ref": str(obj.uid)}))


def image_urls(request, obj, image) -> dict[str, str]:
    return {size: request.build_absolute_uri(reverse("api-object-image-file", kwargs={
        "ref": str(obj.uid), "sha256": image.sha256, "size": size})) for size in IMAGE_SIZES}


def _concept(concept, lang):
    if concept is None:
        return None
    return {"id": concept.pk, "uri": concept.uri, "label": concept.label(lang)}


def _shown(value, lang):
    shown = show(value, lang)
    if shown is None:
        return None
    return {"text": shown.text, "lang": shown.lang, "machine": shown.machine, "fallback": shown.fallback}


class ConceptRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uri = serializers.URLField()
    label = serializers.CharField()


class ShownTextSerializer(serializers.Serializer):
    text = serializers.CharField()
    lang = serializers.CharField()
    machine = serializers.BooleanField(help_text="A machine translation, shown because no other text exists")
    fallback = serializers.BooleanField(help_text="Not in the requested language")


class ObjectBriefSerializer(serializers.Serializer):
    """One row of a result list. Needs object_type, period and owning_agency selected and images prefetched."""

    url = serializers.SerializerMethodField()
    uid = serializers.UUIDField()
    record_number = serializers.CharField()
    title = serializers.JSONField(help_text="Multilingual text: {lang, text, tr: {lang: {text, machine}}}")
    title_shown = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ObjectStatus.choices)
    sharing = serializers.CharField()
    owning_agency = serializers.CharField(source="owning_agency.code")
    origin_country = serializers.CharField()
    date = serializers.CharField(source="date_text")
    thumbnail = serializers.SerializerMethodField()
    updated = serializers.DateTimeField()
    version = serializers.IntegerField()

    @property
    def lang(self):
        return _lang(self.context.get("request"))

    def get_url(self, obj) -> str:
        return object_url(self.context["request"], obj)

    @extend_schema_field(ShownTextSerializer(allow_null=True))
    def get_title_shown(self, obj):
        return _shown(obj.title, self.lang) or _shown(obj.description, self.lang)

    @extend_schema_field(ConceptRefSerializer)
    def get_object_type(self, obj):
        return _concept(obj.object_type, self.lang)

    @extend_schema_field(ConceptRefSerializer(allow_null=True))
    def get_period(self, obj):
        return _concept(obj.period, self.lang)

    @extend_schema_field(serializers.URLField(allow_null=True))  # null: a record without photographs
    def get_thumbnail(self, obj) -> str | None:
        image = obj.primary_image
        return image_urls(self.context["request"], obj, image)["thumb"] if image else None


class FullConceptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uri = serializers.URLField()
    ar = serializers.CharField()
    en = serializers.CharField()
    fr = serializers.CharField()


class ImageSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    mime = serializers.CharField()
    caption = serializers.CharField()
    urls = serializers.DictField(child=serializers.URLField(), help_text="original, medium and thumb")


class ObjectDetailSerializer(serializers.Serializer):
    """The full Object ID record: `services.serialize(obj)` plus URLs, concept ids and what the
    requesting user may do next. Needs the detail queryset's select_related/prefetch_related."""

    url = serializers.URLField()
    uid = serializers.UUIDField()
    record_number = serializers.CharField()
    owning_agency = serializers.CharField()
    sharing = serializers.CharField()
    status = serializers.ChoiceField(choices=ObjectStatus.choices)
    status_changed = serializers.DateTimeField()
    allowed_transitions = serializers.ListField(child=serializers.CharField())
    object_type = FullConceptSerializer()
    materials = FullConceptSerializer(many=True)
    techniques = FullConceptSerializer(many=True)
    period = FullConceptSerializer(allow_null=True)
    measurements = serializers.ListField(child=serializers.DictField())
    inscriptions = serializers.ListField(child=serializers.DictField())
    title = serializers.JSONField()
    subject = serializers.JSONField()
    description = serializers.JSONField()
    distinguishing_features = serializers.JSONField()
    title_shown = ShownTextSerializer(allow_null=True)
    date = serializers.CharField()
    date_calendar = serializers.CharField()
    date_earliest = serializers.IntegerField(allow_null=True)
    date_latest = serializers.IntegerField(allow_null=True)
    hijri_earliest = serializers.IntegerField(allow_null=True)
    hijri_latest = serializers.IntegerField(allow_null=True)
    maker = serializers.CharField()
    related_written_material = serializers.CharField()
    place_of_origin = serializers.CharField()
    place_of_discovery = serializers.CharField()
    current_holder = serializers.CharField()
    inventory_numbers = serializers.ListField(child=serializers.CharField())
    cross_references = serializers.ListField(child=serializers.CharField())
    date_documented = serializers.DateField(allow_null=True)
    origin_country = serializers.CharField()
    images = ImageSerializer(many=True)
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()
    version = serializers.IntegerField()

    def to_representation(self, obj):
        request = self.context["request"]
        lang = _lang(request)
        data = services.serialize(obj)
        # serialize() names concepts by URI and labels; the API adds the ids the facet filters take.
        if data["object_type"]:
            data["object_type"]["id"] = obj.object_type_id
        if data["period"]:
            data["period"]["id"] = obj.period_id
        for field in ("materials", "techniques"):
            for entry, concept in zip(data[field], getattr(obj, field).all(), strict=True):
                entry["id"] = concept.pk
        for entry, image in zip(data["images"], obj.images.all(), strict=True):
            entry["urls"] = image_urls(request, obj, image)
        data.update(
            url=object_url(request, obj),
            title_shown=_shown(obj.title, lang) or _shown(obj.description, lang),
            status_changed=serializers.DateTimeField().to_representation(obj.status_changed),
            created=serializers.DateTimeField().to_representation(obj.created),
            updated=serializers.DateTimeField().to_representation(obj.updated),
            allowed_transitions=self.context.get("allowed_transitions", []),
        )
        return data


class ObjectWriteSerializer(serializers.Serializer):
    """An Object ID record to create or change (documentation of the body; checked by services.validate_record).

    Concept fields take a URI, an id, or a label in Arabic, English or French; free-text fields take a
    string (in `language`) or the multilingual shape {lang, text, tr}. On PATCH only the fields sent change.
    """

    record_number = serializers.CharField(required=False)
    language = serializers.ChoiceField(choices=["ar", "en", "fr"], required=False,
                                       help_text="Language of plain-string texts (default: your preferred language)")
    object_type = serializers.JSONField(required=False)
    materials = serializers.JSONField(required=False, help_text="List, or one string separated by ;")
    techniques = serializers.JSONField(required=False)
    period = serializers.JSONField(required=False)
    title = serializers.JSONField(required=False)
    subject = serializers.JSONField(required=False)
    description = serializers.JSONField(required=False)
    distinguishing_features = serializers.JSONField(required=False)
    date = serializers.CharField(required=False, help_text="As written: «656 AH», «c. 1250», «12th century»")
    date_documented = serializers.DateField(required=False, allow_null=True)
    maker = serializers.CharField(required=False, allow_blank=True)
    related_written_material = serializers.CharField(required=False, allow_blank=True)
    place_of_origin = serializers.CharField(required=False, allow_blank=True)
    place_of_discovery = serializers.CharField(required=False, allow_blank=True)
    current_holder = serializers.CharField(required=False, allow_blank=True)
    inventory_numbers = serializers.ListField(child=serializers.CharField(), required=False)
    cross_references = serializers.ListField(child=serializers.CharField(), required=False)
    origin_country = serializers.CharField(required=False, allow_blank=True)
    sharing = serializers.ChoiceField(choices=["agency", "network", "members", "public"], required=False)
    status = serializers.ChoiceField(choices=ObjectStatus.choices, required=False,
                                     help_text="Initial status on create; change it later through /status/")
    measurements = serializers.JSONField(required=False, help_text='[{"dimension", "value", "unit"}] or "height=32 cm"')
    inscriptions = serializers.JSONField(required=False)
    version = serializers.IntegerField(required=False, help_text="Optimistic lock: the version you edited")


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ObjectStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text="Optimistic lock (or send If-Match)")


class StatusHistoryEntrySerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    agency = serializers.CharField(source="agency_code")
    by = serializers.SerializerMethodField(help_text="Shown to the same agency only")
    note = serializers.CharField()

    def get_by(self, change) -> str | None:
        user = self.context["request"].user
        same_agency = change.agency_code and getattr(getattr(user, "agency", None), "code", None) == change.agency_code
        return change.by.username if change.by and same_agency else None


class StatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_changed = serializers.DateTimeField()
    version = serializers.IntegerField()
    allowed_transitions = serializers.ListField(child=serializers.CharField())
    history = StatusHistoryEntrySerializer(many=True)


class ImageUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG, WebP, TIFF or HEIC")
    caption = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
