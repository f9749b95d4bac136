"""Query parameters of /api/v1/objects/: the same facets as the register's search page, plus `q`.

Values within one facet are alternatives (repeat the parameter or separate with commas); facets
combine. Concept facets take concept ids or URIs; a broader concept also selects its narrower ones.
"""

from django.conf import settings
from rest_framework import serializers

from ..facets import FACETS
from ..models import ObjectStatus
from ..search import ORDERS

MAX_VALUES_PER_FACET = 20
LANG_CODES = [code for code, _name in settings.LANGUAGES]


class _FacetValues(serializers.ListField):
    """Repeated parameters (?status=a&status=b) or one comma-separated value (?status=a,b)."""

    child = serializers.CharField(max_length=500)

    def to_internal_value(self, data):
        values = [part.strip() for item in data for part in str(item).split(",") if part.strip()]
        if len(values) > MAX_VALUES_PER_FACET:
            raise serializers.ValidationError(f"At most {MAX_VALUES_PER_FACET} values.")
        return super().to_internal_value(values)


class ObjectSearchParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=300,
                              help_text="Full-text search in Arabic, English or French (all words must match).")
    object_type = _FacetValues(required=False, help_text="Concept ids or URIs (type of object).")
    material = _FacetValues(required=False, help_text="Concept ids or URIs (material).")
    origin_country = _FacetValues(required=False, help_text="ISO 3166-1 alpha-2 codes.")
    status = _FacetValues(required=False, help_text="Status values: " + ", ".join(ObjectStatus.values))
    period = _FacetValues(required=False, help_text="Concept ids or URIs (period).")
    owning_agency = _FacetValues(required=False, help_text="Agency codes.")
    order = serializers.ChoiceField(choices=list(ORDERS), required=False, default="relevance")
    lang = serializers.ChoiceField(choices=LANG_CODES, required=False,
                                   help_text="Language of labels (default: Accept-Language).")
    facets = serializers.BooleanField(required=False, default=False,
                                      help_text="Add the count of matching records per facet value.")

    def validate_status(self, values):
        unknown = [v for v in values if v not in ObjectStatus.values]
        if unknown:
            raise serializers.ValidationError(f"Unknown status: {', '.join(unknown)}.")
        return values

    @property
    def filters(self) -> dict[str, list[str]]:
        return {key: self.validated_data[key] for key in FACETS if self.validated_data.get(key)}
