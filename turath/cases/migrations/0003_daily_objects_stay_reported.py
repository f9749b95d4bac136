"""Objects left «published» by validated reports get back the status the report gave them.

Publication to the network is a property of the report: an object stays «reported stolen» (looted,
missing) until it is found. Before this change a validated report moved its objects on to «published»,
so they dropped out of the «reported stolen» filter and lost their badge. Each such object gets the
status of the latest published report concerning it (else the status it had before «published»), with
a line in its status history saying why; the audit log is never rewritten.
"""

from django.db import migrations

REPORTED = {"theft": "reported_stolen", "loss": "reported_missing", "looting": "reported_looted"}
NOTE = "Status corrected: publication belongs to the report; the object stays reported until it is found."


def forwards(apps, schema_editor):
    CulturalObject = apps.get_model("register", "CulturalObject")
    StatusChange = apps.get_model("register", "StatusChange")
    Report = apps.get_model("cases", "Report")
    for obj in CulturalObject.objects.filter(status="published").iterator():
        report = (Report.objects.filter(objects_concerned=obj, state="published")
                  .order_by("-published_at", "-pk").first())
        status = REPORTED.get(report.kind) if report else None
        if status is None:
            before = (StatusChange.objects.filter(object=obj, to_status="published")
                      .exclude(from_status="").order_by("-at", "-pk").first())
            status = before.from_status if before else "reported_stolen"
        CulturalObject.objects.filter(pk=obj.pk).update(status=status, version=obj.version + 1)
        StatusChange.objects.create(object=obj, from_status="published", to_status=status, note=NOTE)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_alter_alert_source"),
        ("register", "0007_matchtext_renormalise"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
