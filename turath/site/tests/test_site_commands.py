"""The site's commands on a real instance: `turath setup` makes a database ready and is idempotent;
`turath serve` answers and, stopped the way services stop it (SIGTERM), takes its worker with it."""

import sqlite3
import subprocess
import time

from turath.core.tests.browser import new_instance, serving


def _counts(s) -> tuple[int, int, int]:
    db = sqlite3.connect(s.var_dir / "turath.sqlite3")
    try:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("vocabulary_concept", "matching_riskcategory", "django_migrations"))
    finally:
        db.close()


def test_setup_makes_a_database_ready_once_and_again_changes_nothing():
    s = new_instance("turath-site-")
    assert "Database ready." in s.run("setup")
    first = _counts(s)
    assert first[0] > 100 and first[1] > 0  # the starter vocabulary and the demo risk categories
    assert "Database ready." in s.run("setup")
    assert _counts(s) == first


def _workers(var_dir) -> list[str]:
    """`db_worker` processes of this instance (found by its own directory in their environment)."""
    out = subprocess.run(["pgrep", "-f", "turath.cli db_worker"], capture_output=True, text=True).stdout.split()
    mine = []
    for pid in out:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"TURATH_VAR_DIR={var_dir}".encode() in f.read().split(b"\0"):
                    mine.append(pid)
        except OSError:
            continue
    return mine


def test_serve_answers_and_stops_its_worker_with_it():
    s = new_instance("turath-site-")
    s.run("setup")
    with serving(s) as live:
        import urllib.request

        assert urllib.request.urlopen(f"{live.base}/healthz", timeout=5).status == 200
        deadline = time.monotonic() + 20
        while not _workers(s.var_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _workers(s.var_dir), "serve starts the background worker beside the web server"
    deadline = time.monotonic() + 15
    while _workers(s.var_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers(s.var_dir) == []
