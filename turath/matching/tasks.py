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
