import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Turath with waitress (a production-grade WSGI server) on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background job worker (image fingerprinting)")

    def handle(self, *args, host, port, threads, no_migrate, no_worker, **opts):
        from waitress import serve

        from turath.wsgi import application

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        # Load the register's search columns before the first request rather than during it
        # (seconds at a million records; see register/columns.py).
        from django.db import connection

        from turath.register import columns

        columns.current()
        connection.close()
        worker = None
        if not no_worker:
            # Jobs queue in the database; one worker process beside the web server runs them.
            worker = subprocess.Popen([sys.executable, "-m", "turath.cli", "db_worker", "--interval", "2"])
        # SIGTERM (how services and tests stop a server) must unwind through `finally` so the
        # worker is stopped with the server, not left behind.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.stdout.write(f"Turath is listening on http://{host}:{port}/ (Ctrl-C to stop)")
        try:
            serve(application, host=host, port=port, threads=threads, ident="turath",
                  clear_untrusted_proxy_headers=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    worker.kill()  # it finishes the job in hand on SIGTERM; do not wait longer
                    worker.wait()
