"""The `turath` command: Django management commands under short names, plus the matching engine.

    turath setup | serve | demo | import | export | vocab ... | audit verify | token create USER
    turath engine index|query ...   (framework-free, does not start Django)
    turath <any Django management command>
"""

import os
import sys

ALIASES = {"import": "import_objects", "export": "export_objects"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "engine":
        from turath_engine.cli import main as engine_main

        return engine_main(argv[1:]) or 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turath.settings")
    from django.core.management import execute_from_command_line

    if argv:
        argv[0] = ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["turath", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
