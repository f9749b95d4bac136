from rest_framework import viewsets

from .models import Concept


class ConceptViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Concept.objects.all()
