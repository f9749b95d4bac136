from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.alert_read, name="alert-read"),
    path("alerts/<slug:agency_code>.atom", views.alert_feed, name="alert-feed"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report-edit"),
    path("reports/<int:pk>/<str:action>/", views.report_action, name="report-action"),
    path("seizures/new/", views.seizure_create, name="seizure-create"),
    path("seizures/<int:pk>/", views.seizure_detail, name="seizure-detail"),
    path("seizures/<int:pk>/publish/", views.seizure_publish, name="seizure-publish"),
    path("restitution/new/", views.restitution_create, name="restitution-create"),
    path("restitution/<int:pk>/", views.restitution_detail, name="restitution-detail"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("<str:kind>/<int:pk>/journal/", views.journal_add, name="journal-add"),
    path("<str:kind>/<int:pk>/attach/", views.attachment_add, name="attachment-add"),
    path("<str:kind>/<int:pk>/assign/", views.assign_case, name="assign"),
]
