"""Background jobs: fingerprint new and edited records off the request path.

Queued in the database (django-tasks with the django_tasks_db backend; `turath db_worker` runs
them). Enqueued only after the transaction commits, so a rolled-back edit queues nothing.
"""

from django_tasks import task

from turath.register.models import CulturalObject

from . import index


@task()
def index_object_task(object_pk: int) -> dict:
    obj = (CulturalObject.objects.filter(pk=object_pk)
           .select_related("object_type", "period").prefetch_related("materials", "techniques", "images",
                                                                     "inscriptions").first())
    if obj is None:
        return {"skipped": "deleted"}
    return index.index_object(obj)


@task()
def remove_object_task(object_pk: int, keys: list[str]) -> None:
    index.remove_object(object_pk, keys)


@task()
def reindex_task(only_missing: bool = True) -> dict:
    """The whole register, in the background (a first run's index is built after the server
    starts; see `turath matching reindex --background`). Resumes a build that was stopped."""
    report = index.reindex(only_missing=only_missing)
    return {k: (len(v) if k == "errors" else v) for k, v in report.items()}
