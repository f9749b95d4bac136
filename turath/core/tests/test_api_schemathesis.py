"""Schemathesis against a served instance: every operation of /api/v1/openapi.json, with generated
valid and invalid input, must answer without a server error and as the document says (status code,
content type, body schema).

The instance is a real `turath serve` on its own database (SQLite in a temporary directory, or a
fresh database on the PostgreSQL server of TURATH_DATABASE_URL), with the demo register, a report,
a seizure, a restitution case, a facility and an object in custody made through the services, and
an API token of an editor of the agency that holds them. Bounded: a few examples per operation and a
fixed seed (TURATH_SCHEMATHESIS_SEED / TURATH_SCHEMATHESIS_EXAMPLES to explore further).
"""

import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import pytest

from turath.core.tests.browser import new_instance, serving

BIN = Path(sys.executable).parent
USER = "ma-customs-editor"

FIXTURE = r"""
from datetime import date, timedelta
from django.utils import timezone
from turath.cases import services
from turath.core.context import acting_as
from turath.core.models import User
from turath.custody import services as custody
from turath.register import services as register

ma = User.objects.get(username="ma-customs-editor")
eg = User.objects.get(username="eg-ministry-editor")
with acting_as(ma, via="test"):
    own = register.create_object(ma, {"record_number": "MA-CUS-2026-0001", "object_type": "ewer", "language": "fr",
                                      "title": "Aiguière en bronze", "sharing": "network", "origin_country": "MA"})
    report = services.create_report(ma, {"kind": "theft", "occurred_on": (date.today() - timedelta(days=30)).isoformat(),
                                         "place": "Rabat", "how_discovered": "inventory"}, objects=[own.record_number])
    seizure = services.create_seizure(ma, {"seized_on": (date.today() - timedelta(days=5)).isoformat(),
                                           "place": "Tanger Med", "border_post": "Tanger Med"})
    item = services.add_items(ma, seizure, [{"object_type": "coin", "count": 3}, {"object_type": "ewer"}]).items[0]
    services.add_journal_entry(ma, seizure, "Scellés posés.")
    depot = custody.create_facility(ma, {"code": "tng-depot", "name": "Dépôt des saisies"})
    shelf = custody.add_location(ma, depot, "B1/R2/S3", "Étagère")
    custody.enter_object(ma, item.object, {"at": timezone.now(), "location": shelf.pk})
    services.publish_seizure(ma, seizure)
with acting_as(eg, via="test"):
    eg_own = register.create_object(eg, {"record_number": "EG-MOA-2026-0001", "object_type": "manuscript",
                                         "language": "ar", "title": "مصحف مملوكي", "sharing": "network"})
    services.open_restitution(eg, {"requesting_country": "EG", "holding_agency": "ma-customs",
                                   "legal_basis": "unesco_1970", "summary": "Demande de restitution"},
                              objects=[eg_own.record_number])
print("fixture ready")
"""


@pytest.fixture(scope="module")
def served():
    """(base URL, token) of a `turath serve` with demo data on its own database."""
    instance = new_instance("turath-schemathesis-")
    server_url = os.environ.get("TURATH_DATABASE_URL", "")
    db_name = None
    if server_url.startswith("postgres"):
        import psycopg

        parts = urllib.parse.urlsplit(server_url)
        db_name = f"turath_schemathesis_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        instance.env["TURATH_DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{db_name}"))
    try:
        instance.run("setup")
        instance.run("demo", "--objects", "60", "--images-every", "6", "--seed", "7")
        instance.run("shell", "-c", FIXTURE)
        token = instance.run("token", "create", USER, "--days", "1").split()[0]
        with serving(instance):
            yield instance.base, token, instance.var_dir / "serve.log"
    finally:
        if db_name:
            import psycopg

            with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def test_every_operation_answers_as_documented_without_server_errors(served):
    base, token, log = served
    examples = os.environ.get("TURATH_SCHEMATHESIS_EXAMPLES", "10")
    seed = os.environ.get("TURATH_SCHEMATHESIS_SEED", "20261207")
    done = subprocess.run(
        [str(BIN / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {token}",
         # Server errors, and responses that differ from the document: status code, content type,
         # body schema, headers. (Not "positive data acceptance": a schema-valid body may still be
         # refused by the register's rules, e.g. an unknown vocabulary term.)
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_schema_conformance,response_headers_conformance",
         "--phases", "examples,fuzzing", "--max-examples", examples, "--seed", seed,
         "--workers", "1", "--no-color", "--suppress-health-check", "all", "--request-timeout", "30",
         "--generation-database", "none"],
        capture_output=True, text=True, timeout=900, cwd=log.parent)  # its reports stay out of the checkout
    errors = [line for line in log.read_text().splitlines() if "Internal Server Error" in line]
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-3000:]
    assert "Operations:" in done.stdout and not errors, errors
