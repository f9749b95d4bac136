from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("", views.check, name="check"),
    path("<uuid:uid>/decision/", views.decide, name="decide"),
    path("<uuid:uid>/contact/", views.contact, name="contact"),
]
