from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from turath.register.models import CulturalObject, ObjectImage

from . import tasks
from .index import image_key

# An officer confirmed at a check that a candidate is the object in front of them: user, obj (the
# record) and check. Sent inside the decision's transaction; cases receives it (alerts the owning
# agency, links a seized item to the record), so matching imports nothing of the apps built on it.
match_confirmed = Signal()
# An officer asked to be put in touch with the owners of the matches a check hid from them: user and
# check (its hidden_objects). Sent inside the request's transaction; cases alerts the secretariat.
contact_requested = Signal()


def _enqueue_index(object_pk: int):
    transaction.on_commit(lambda: tasks.index_object_task.enqueue(object_pk))


@receiver(post_save, sender=ObjectImage)
def image_saved(sender, instance, **kwargs):
    _enqueue_index(instance.object_id)


@receiver(post_save, sender=CulturalObject)
def object_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _enqueue_index(instance.pk)


@receiver(post_delete, sender=ObjectImage)
def image_deleted(sender, instance, **kwargs):
    key = image_key(instance)
    transaction.on_commit(lambda: tasks.remove_object_task.enqueue(instance.object_id, [key]))
