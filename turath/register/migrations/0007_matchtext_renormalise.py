"""Records' search documents are rebuilt where the one text normaliser (turath_engine.text.normalize,
issue 13 item 16) reads their words differently from the register's old one: the Persian/Urdu code
points of kaf, yeh and heh and Arabic presentation forms are now folded («کتاب» finds «كتاب»).

Every character the old normaliser let through unchanged and the new one folds survives in a stored
document, so the records to rebuild are exactly those whose `search_text` holds such a character: the
scan reads each document once (about a second per 100,000 records) and rebuilds only those, from
their fields and concepts as the register does on every edit (register.search.build_search_text);
the FTS5 and tsvector triggers then re-index them. Running it again finds nothing to do.
"""

import re

from django.db import migrations

from turath.register.search import build_search_text
from turath_engine.text import normalize

_RANGES = [(0x0600, 0x0700), (0x0750, 0x0780), (0xFB50, 0xFE00), (0xFE70, 0xFF00)]
STALE = re.compile("[" + "".join(re.escape(chr(c)) for a, b in _RANGES for c in range(a, b)
                               if normalize(chr(c)) not in (chr(c), "")) + "]")


def rebuild(apps, schema_editor):
    CulturalObject = apps.get_model("register", "CulturalObject")
    stale = [pk for pk, text in CulturalObject.objects.values_list("pk", "search_text").iterator(chunk_size=5000)
             if text and STALE.search(text)]
    for start in range(0, len(stale), 500):
        for obj in CulturalObject.objects.filter(pk__in=stale[start:start + 500]):
            CulturalObject.objects.filter(pk=obj.pk).update(search_text=build_search_text(obj))


class Migration(migrations.Migration):
    dependencies = [("register", "0006_drop_duplicate_indexes"), ("vocabulary", "0002_matchtext_renormalise")]
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
