from django.urls import path

from . import views

app_name = "vocabulary"
urlpatterns = [
    path("", views.scheme_list, name="scheme-list"),
    path("concepts/<int:pk>/", views.concept_detail, name="concept-detail"),
    path("<slug:key>/", views.scheme_detail, name="scheme-detail"),
]
