from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("What `make run` does, in one process (each `turath` start costs seconds): set up the database, "
            "load the demo register and heritage lists if empty, queue the matching index build for the background worker, "
            "print the demo logins and serve.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **opts):
        call_command("setup")
        call_command("demo", "--if-empty")
        call_command("heritage", "demo")  # the UNESCO list shipped with Turath, the organization's own list
        # The index is built after the server starts, by the worker `serve` runs: the register
        # answers at once and a check says how far indexing has got.
        call_command("matching", "reindex", "--if-empty", "--background")
        call_command("demo", "--print-logins")
        call_command("serve", "--host", host, "--port", str(port), "--no-migrate")
