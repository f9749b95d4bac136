"""Small helpers to make register records in tests through the real services."""

from turath.core.context import acting_as
from turath.register import services


def make_object(user, number, *, sharing="agency", status="registered", title="مخطوط مملوكي مذهب", lang="ar",
                object_type="manuscript", **extra):
    data = {"record_number": number, "object_type": object_type, "title": title, "language": lang,
            "sharing": sharing, "status": status, **extra}
    with acting_as(user, via="test"):
        return services.create_object(user, data)
