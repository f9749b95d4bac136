from rest_framework import viewsets

from ..models import CulturalObject


class CulturalObjectViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return CulturalObject.objects.restrict(self.request.user, "view")
