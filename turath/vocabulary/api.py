"""/api/v1/concepts/: the thesaurus, searchable by a label in any language."""

import django_filters
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Length
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.renderers import JSONRenderer

from turath.core.textnorm import search_text

from .models import Concept, ConceptLabel


class ConceptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_label", max_length=200,
                                  label="A label (preferred or alternative) in Arabic, English or French, or part of one")
    scheme = django_filters.CharFilter(field_name="scheme__key", label="Scheme key: object-types, materials, …")

    class Meta:
        model = Concept
        fields = ["q", "scheme"]

    def filter_label(self, queryset, name, value):
        # Labels are matched in their normalised form, so «مخطوط», «manuscrit» and "Manuscript" all work.
        norm = search_text(value)
        if not norm:
            return queryset
        labels = ConceptLabel.objects.filter(concept=OuterRef("pk"))
        # Best first: a whole label, then a label that starts with the words, then the closest (shortest) label.
        matching = labels.filter(norm__contains=norm)
        shortest = matching.annotate(size=Length("norm")).order_by("size").values("size")[:1]
        return (queryset.filter(Exists(matching))
                .annotate(exact=Exists(labels.filter(norm=norm)), prefix=Exists(labels.filter(norm__startswith=norm)),
                          closeness=Subquery(shortest))
                .order_by("-exact", "-prefix", "closeness", "pref_en", "pk"))


class ConceptSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme.key")
    label = serializers.SerializerMethodField()
    broader = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    aat = serializers.CharField(source="aat_uri")

    class Meta:
        model = Concept
        fields = ["id", "uri", "scheme", "label", "pref_ar", "pref_en", "pref_fr", "broader", "aat", "scope_note",
                  "start_year", "end_year"]

    @extend_schema_field(serializers.CharField())
    def get_label(self, concept):
        request = self.context.get("request")
        lang = request.query_params.get("lang", "") if request else ""
        return concept.label(lang if lang in ("ar", "en", "fr") else (translation.get_language() or "en")[:2])


class ConceptViewSet(viewsets.ReadOnlyModelViewSet):
    """Concepts of the SKOS thesaurus (types of object, materials, techniques, periods, imported schemes)."""

    queryset = Concept.objects.select_related("scheme").prefetch_related("broader").order_by("pref_en", "pk")
    serializer_class = ConceptSerializer
    filterset_class = ConceptFilter
    renderer_classes = [JSONRenderer]
