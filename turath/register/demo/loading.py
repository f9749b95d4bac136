"""The whole demo: people, records in batches, photographs, one audit entry."""

import random
from dataclasses import dataclass, field

from turath.core import audit
from turath.core.context import acting_as
from turath.core.models import Role

from .. import images as register_images
from ..models import CulturalObject
from .catalogue import CAPTIONS, DEFAULT_SEED, DemoVocab, demo_row
from .people import ensure_people
from .pictures import image_bytes
from .writing import _ConceptIndex, insert_rows


@dataclass
class DemoReport:
    agencies: int = 0
    users: int = 0
    objects: int = 0
    images: int = 0
    status_changes: int = 0
    by_status: dict = field(default_factory=dict)
    by_sharing: dict = field(default_factory=dict)


def load_demo(objects: int = 2000, images_every: int = 4, seed: int = DEFAULT_SEED, *, batch: int = 500,
              progress=None) -> DemoReport:
    """Create the demo agencies and accounts (idempotent) and `objects` synthetic records.

    Every `images_every`-th record gets 1–3 photographs (0 = none). Record numbers continue after
    the records already in the register, so a second run adds records rather than failing.
    """
    report = DemoReport()
    with acting_as(None, via="demo"):
        agencies, users = ensure_people()
        editors = {u.agency.code: u for u in users.values() if u.role == Role.EDITOR}
        demo_vocab = DemoVocab.load()
        index = _ConceptIndex()
        first = CulturalObject.objects.count()
        created: list[tuple[CulturalObject, dict]] = []
        for start in range(first, first + objects, batch):
            rows = [demo_row(i, seed, demo_vocab) for i in range(start, min(start + batch, first + objects))]
            for obj, row in zip(insert_rows(rows, agencies, editors, index), rows, strict=True):
                if images_every and (int(row["record_number"].rsplit("-", 1)[1]) % images_every == 0):
                    created.append((obj, row))
                report.by_status[obj.status] = report.by_status.get(obj.status, 0) + 1
                report.by_sharing[obj.sharing] = report.by_sharing.get(obj.sharing, 0) + 1
                report.status_changes += len(row["status_history"])
            report.objects += len(rows)
            if progress:
                progress(len(rows))
        for obj, row in created:
            rng = random.Random(f"{seed}:{row['record_number']}:images")
            editor = editors[obj.owning_agency.code]
            with acting_as(editor, via="demo"):
                for k in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0]):
                    data = image_bytes(row["image_kind"], rng)
                    register_images.add_image(editor, obj, data, name=f"{row['record_number']}-{k + 1}.jpg",
                                              caption=CAPTIONS.get(row["language"], CAPTIONS["en"])[k])
                    report.images += 1
        report.agencies, report.users = len(agencies), len(users)
        audit.record("register.object.load_demo", object_type="register.culturalobject",
                     object_repr=f"{report.objects} synthetic demo records",
                     after={"objects": report.objects, "images": report.images, "seed": seed, "synthetic": True})
    return report
