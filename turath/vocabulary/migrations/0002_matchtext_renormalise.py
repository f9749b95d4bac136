"""Concept labels' normalised forms (`norm`) are worked out again with the one text normaliser
(turath_engine.text.normalize, issue 13 item 16): it now folds the Persian/Urdu code points of kaf,
yeh and heh («کتاب» is «كتاب») and Arabic presentation forms, which the register's old normaliser kept.
Only labels whose form changes are written; running it again changes nothing."""

from django.db import migrations

from turath.core.textnorm import search_text


def renormalise(apps, schema_editor):
    ConceptLabel = apps.get_model("vocabulary", "ConceptLabel")
    changed = []
    for label in ConceptLabel.objects.only("pk", "text", "norm").iterator(chunk_size=2000):
        norm = search_text(label.text)[:300]
        if norm != label.norm:
            label.norm = norm
            changed.append(label)
    ConceptLabel.objects.bulk_update(changed, ["norm"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("vocabulary", "0001_initial")]
    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
