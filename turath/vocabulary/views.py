"""A simple browser of the controlled vocabulary: schemes, concepts, their labels and relations."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from turath.core.textnorm import search_text

from .models import Concept, ConceptScheme


def scheme_list(request):
    schemes = ConceptScheme.objects.annotate(n=Count("concepts"))
    return render(request, "vocabulary/scheme_list.html", {"nav": "vocabulary", "schemes": schemes})


def scheme_detail(request, key):
    scheme = get_object_or_404(ConceptScheme, key=key)
    q = request.GET.get("q", "").strip()[:200]
    concepts = scheme.concepts.prefetch_related("broader", "narrower").order_by("pref_en", "pk")
    if q:
        norm = search_text(q)
        concepts = concepts.filter(Q(labels__norm__contains=norm) | Q(uri__icontains=q)).distinct()
    page = Paginator(concepts, 100).get_page(request.GET.get("page"))
    return render(request, "vocabulary/scheme_detail.html",
                  {"nav": "vocabulary", "scheme": scheme, "page": page, "q": q})


def concept_detail(request, pk):
    concept = get_object_or_404(Concept.objects.select_related("scheme").prefetch_related("broader", "narrower", "labels"),
                                pk=pk)
    return render(request, "vocabulary/concept_detail.html", {"nav": "vocabulary", "concept": concept})
