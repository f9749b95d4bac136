from django.urls import path

from . import views

app_name = "register"
urlpatterns = [
    path("", views.object_list, name="object-list"),
    path("new/", views.object_create, name="object-create"),
    path("<path:record_number>/images/<str:sha256>/<str:size>/", views.object_image, name="object-image"),
    path("<path:record_number>/edit/", views.object_edit, name="object-edit"),
    path("<path:record_number>/status/", views.object_status, name="object-status"),
    path("<path:record_number>/audit/", views.object_audit, name="object-audit"),
    path("<path:record_number>/", views.object_detail, name="object-detail"),
]
