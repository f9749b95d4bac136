"""The domain's errors: what a service refuses, named once for every app.

Services raise these; nobody else decides what they look like to a client. The API maps them in
one place (`core.api.problem_exception_handler`: 400 with field errors, 409, 403, 415), the HTML
forms in one place (`core.forms.add_domain_error`). `NotPermitted` is also a `PermissionError`, so
code that catches the built-in keeps working, but only `NotPermitted` becomes a 403 with its
message: an operating system's PermissionError (a file, a socket) is a server fault, not an answer.
"""


class DomainError(Exception):
    """A service refused the request for a reason the user can act on."""


class RecordInvalid(DomainError):
    """The input breaks the record's rules: messages keyed by field ("" or "__all__" for the whole)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in errors.items()))
        self.errors = errors


class EditConflict(DomainError):
    """Someone else saved the record since it was loaded (optimistic locking)."""


class TransitionNotAllowed(DomainError):
    """The record's state does not allow this step (a status change, a procedure step).

    `field` names what the client sent that the state refuses ("state" unless the request names it,
    e.g. the register's `status`); `problem_extra` adds members to the API's problem body (e.g. the
    transitions that are allowed), so the client can offer them."""

    def __init__(self, message="", *, field: str = "state", problem_extra: dict | None = None):
        super().__init__(message)
        self.field = field
        if problem_extra:
            self.problem_extra = problem_extra


class NotPermitted(DomainError, PermissionError):
    """The user may see the record but not do this to it (seeing is decided by restrict())."""


class ImageRejected(DomainError, ValueError):
    """An uploaded image is not one the register accepts (type, size, decompression bomb)."""
