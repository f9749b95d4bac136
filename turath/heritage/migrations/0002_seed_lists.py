from django.db import migrations


def seed(apps, schema_editor):
    from turath.heritage.configuration import seed as seed_configuration

    seed_configuration(apps)


class Migration(migrations.Migration):
    dependencies = [("heritage", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
