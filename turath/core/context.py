"""Who is acting and in which request: read by the audit log without threading `request` through."""

import contextlib
import uuid
from contextvars import ContextVar


class Actor:
    """The acting user, resolved lazily so API token authentication (done in the view) is seen."""

    def __init__(self, user=None, via: str = "system", request_id: str | None = None, request=None,
                 client_request_id: str = ""):
        self._user = user
        self.request = request
        self.via = via
        self.request_id = request_id or str(uuid.uuid4())
        self.client_request_id = client_request_id  # the client's X-Request-ID, sanitised; never our id

    @property
    def user(self):
        if self.request is not None:
            user = getattr(self.request, "user", None)
            return user if getattr(user, "is_authenticated", False) else None
        return self._user


current_actor: ContextVar[Actor | None] = ContextVar("turath_actor", default=None)
_SYSTEM = Actor()


def get_actor() -> Actor:
    """The acting user of this request or command; the system when nothing set one."""
    return current_actor.get() or _SYSTEM


@contextlib.contextmanager
def acting_as(user=None, via: str = "cli", request_id: str | None = None, request=None):
    token = current_actor.set(Actor(user=user, via=via, request_id=request_id, request=request))
    try:
        yield current_actor.get()
    finally:
        current_actor.reset(token)
