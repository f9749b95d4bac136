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
        re.add_argument("--background", action="store_true",
                        help="queue the build for the background worker (started by `turath serve`) and return "
                             "at once; with --if-empty, only when the index lacks records or photographs")
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
        if opts["background"]:
            return self._enqueue(opts["if_empty"])
        stats = engine.stats()  # walks the index folder: once
        if opts["if_empty"] and (stats.get("images") or stats.get("texts")):
            self.stdout.write("Matching index already built; nothing to do.")
            return
        with tqdm(total=CulturalObject.objects.count(), unit="object", file=sys.stderr,
                  disable=not sys.stderr.isatty()) as bar:
            done = [0]

            def progress(report):
                bar.update(report["objects"] - done[0])
                done[0] = report["objects"]

            report = index.reindex(engine, progress=progress)
        for err in report["errors"]:
            self.stderr.write(f"skipped: {err}")
        self._drop_superseded_jobs()
        self.stdout.write(self.style.SUCCESS(f"Indexed {report['objects']} objects and {report['images']} images "
                                             f"({len(report['errors'])} images skipped)."))

    def _enqueue(self, if_incomplete: bool):
        from turath.matching import tasks

        status = index.status()
        if if_incomplete and status["images"] >= status["total_images"] and status["texts"] >= status["total_texts"]:
            self.stdout.write("Matching index already built; nothing to do.")
            return
        # Run before `turath serve` starts its worker: a job still marked running was cut off by a
        # stopped server; the queued build resumes it (it skips what is indexed).
        index.pending_jobs().filter(status="RUNNING").update(status="FAILED")
        self._drop_superseded_jobs()  # the per-record jobs queued by loading the demo, an older build
        tasks.reindex_task.enqueue(only_missing=True)
        self.stdout.write(f"Matching index: {status['images']} of {status['total_images']} photographs indexed; "
                          "the rest is indexed in the background once the server runs.")

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
