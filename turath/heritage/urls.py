"""The heritage list: places and intangible elements, nominations, decisions, the list in danger."""

from django.urls import path

from . import views

app_name = "heritage"
urlpatterns = [
    path("", views.index, name="index"),
    path("list/<slug:key>/", views.place_list, name="list"),
    path("danger/", views.danger_list, name="danger"),
    path("place/new/", views.place_new, name="place-new"),
    path("place/<int:pk>/", views.place_detail, name="place"),
    path("risk/", views.risk_page, name="risk"),
    path("places.geojson", views.places_geojson, name="geojson"),
    path("map/", views.map_page, name="map"),
    path("place/<int:pk>/danger/", views.place_danger, name="place-danger"),
    path("nominations/", views.nomination_list, name="nominations"),
    path("nominations/preliminary/", views.preliminary_entry, name="preliminary-entry"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination"),
    path("nominations/<int:pk>/act/", views.nomination_act, name="nomination-act"),
]
