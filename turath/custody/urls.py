from django.urls import path

from . import views

app_name = "custody"
urlpatterns = [
    path("", views.index, name="index"),
    path("facilities/<int:pk>/", views.facility, name="facility"),
    path("entries/new/", views.entry_create, name="entry-create"),
    path("entries/<int:pk>/label/", views.label, name="label"),
    path("transfers/<int:pk>/<str:step>/", views.transfer_step, name="transfer-step"),
    path("objects/<path:record_number>/", views.object_custody, name="object"),
]
