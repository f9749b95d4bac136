from django.core.management import call_command
from django.core.management.base import BaseCommand

from turath.vocabulary.models import Concept


class Command(BaseCommand):
    help = "Create or upgrade the database and load the starter vocabulary (idempotent)."

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        if not Concept.objects.filter(scheme__key="object-types").exists():
            call_command("vocab", "load-starter")
        from turath.matching.models import RiskCategory

        if not RiskCategory.objects.exists():
            call_command("risk", "load-demo")
        self.stdout.write(self.style.SUCCESS("Database ready."))
