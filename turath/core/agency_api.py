"""/api/v1/agencies/: the member agencies, read-only (kept apart from core.api, which DRF's settings import)."""

from rest_framework import serializers, viewsets
from rest_framework.renderers import JSONRenderer

from .models import Agency


class AgencySerializer(serializers.ModelSerializer):
    is_law_enforcement = serializers.BooleanField(read_only=True)

    class Meta:
        model = Agency
        # No alert e-mail: the list is readable by anyone who can read public records.
        fields = ["code", "kind", "country", "name_ar", "name_en", "name_fr", "is_law_enforcement"]


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Agency.objects.order_by("country", "code")
    serializer_class = AgencySerializer
    lookup_field = "code"
    filterset_fields = ["country", "kind"]
    renderer_classes = [JSONRenderer]
