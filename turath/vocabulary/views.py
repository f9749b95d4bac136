from django.shortcuts import render


def concept_list(request):
    return render(request, "vocabulary/concept_list.html", {})
