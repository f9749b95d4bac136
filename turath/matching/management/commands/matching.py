import sys
from itertools import islice

from django.core.management.base import BaseCommand, CommandError

from turath.matching import index
from turath.register.models import CulturalObject

TEXT_BATCH = 64  # objects whose texts are embedded together


def batched(iterable, n):
    it = iter(iterable)
    while chunk := list(islice(it, n)):
        yield chunk


class Command(BaseCommand):
    help = "Matching index: reindex (rebuild from stored records and images) | stats"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        re = sub.add_parser("reindex", help="fingerprint every stored image and text again")
        re.add_argument("--fresh", action="store_true", help="delete the index first (after corruption)")
        re.add_argument("--if-empty", action="store_true", help="do nothing when the index has entries")
        sub.add_parser("stats")

    def handle(self, *args, action, **opts):
        from tqdm import tqdm

        if action == "stats":
            try:
                self.stdout.write(str(index.get_engine().stats()))
            except index.EngineError as exc:
                raise CommandError(str(exc)) from None
            return
        if opts["fresh"]:
            self._delete_index()
        try:
            engine = index.get_engine()
        except index.EngineError as exc:
            if not opts["if_empty"]:
                raise CommandError(f"{exc} — run `turath matching reindex --fresh` to rebuild it.") from None
            # `make run` asks for an index "if empty": one it cannot use (corrupt, or built with an
            # older visual vocabulary) is derived data, rebuilt from the stored images.
            self.stderr.write(f"{exc} — rebuilding the index from the stored images.")
            self._delete_index()
            opts["if_empty"] = False
            engine = index.get_engine()
        stats = engine.stats()  # walks the index folder: once
        if opts["if_empty"] and (stats.get("images") or stats.get("texts")):
            self.stdout.write("Matching index already built; nothing to do.")
            return
        objects = (CulturalObject.objects.select_related("object_type", "period")
                   .prefetch_related("materials__broader", "techniques", "images", "inscriptions",
                                     "object_type__broader", "period__broader").order_by("pk"))
        images = errors = 0
        with tqdm(total=objects.count(), unit="object", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
            for chunk in batched(objects.iterator(chunk_size=500), TEXT_BATCH):
                for report in index.index_objects(chunk, engine):  # texts embedded a batch at a time
                    images += report["images"]
                    errors += len(report["errors"])
                    for err in report["errors"]:
                        self.stderr.write(f"skipped: {err}")
                bar.update(len(chunk))
        self._drop_superseded_jobs()
        self.stdout.write(self.style.SUCCESS(f"Indexed {objects.count()} objects and {images} images "
                                             f"({errors} images skipped)."))

    def _delete_index(self):
        import shutil

        index.reset_engine()
        shutil.rmtree(index.index_path(), ignore_errors=True)

    def _drop_superseded_jobs(self):
        """Index jobs still queued are covered by this full re-index."""
        try:
            from django_tasks_db.models import DBTaskResult
        except ImportError:  # pragma: no cover
            return
        DBTaskResult.objects.filter(status="READY", task_path__startswith="turath.matching.tasks.").delete()
