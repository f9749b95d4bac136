"""What every browser test needs, written once: a real `turath serve` on its own temporary database,
filled through the services, and Debian's Chromium driven by Playwright. (The schemathesis test
serves its instance with the same ``new_instance`` and ``serving``.)

A test module marks itself with ``pytestmark = BROWSER``, imports the ``browser`` fixture and makes
its ``server`` fixture from ``served(FIXTURE, ...)``. Commands run through the interpreter from this
checkout (``python -m turath.cli`` in ROOT, not an installed `turath` script that may import another
copy of the package): the code served is the code under test. ``TURATH_BROWSER_DEBUG=1`` serves with
DEBUG on, so that a 500 page shows its traceback."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "test-artifacts" / "screenshots"

BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """A running `turath serve`: its address, its directory and the `turath` command on its database."""

    base: str
    var_dir: Path
    env: dict
    fixture_output: str = ""

    def run(self, *args: str) -> str:
        """Run ``turath <args>`` on this instance's database; its standard output."""
        done = subprocess.run([sys.executable, "-m", "turath.cli", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"turath {args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done.stdout


def new_instance(prefix: str, env: dict | None = None) -> Served:
    """A new instance's directory (a temporary one) and environment; ``env``: its own settings. Its
    database is SQLite in that directory unless ``env`` names one."""
    var_dir = Path(tempfile.mkdtemp(prefix=prefix))
    environ = {k: v for k, v in os.environ.items() if k != "TURATH_DATABASE_URL"}
    environ.update(TURATH_VAR_DIR=str(var_dir), TURATH_DEBUG=os.environ.get("TURATH_BROWSER_DEBUG", "0"),
                   PYTHONUNBUFFERED="1", **(env or {}))
    return Served(base="", var_dir=var_dir, env=environ)


@contextmanager
def serving(s: Served, worker: bool = True) -> Iterator[Served]:
    """`turath serve` on the instance's (set-up) database until the block ends; ``s.base`` is its address."""
    port = free_port()
    s.base = f"http://127.0.0.1:{port}"
    with open(s.var_dir / "serve.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "turath.cli", "serve", "--port", str(port), "--no-migrate",
                                 *([] if worker else ["--no-worker"])],
                                env=s.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{s.base}/healthz", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("turath serve did not start: " + (s.var_dir / "serve.log").read_text()) from None
                    time.sleep(0.3)
            yield s
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def served(fixture: str, prefix: str, *, env: dict | None = None, reindex: bool = False,
           worker: bool = True) -> Iterator[Served]:
    """Set up a database in a new temporary directory, run ``fixture`` in `turath shell`, build the
    matching index (``reindex``) and serve it until the block ends. ``worker=False`` serves without the
    background worker (on SQLite its index writes race the pages' transactions into "database is
    locked"; the index is then built by ``reindex``). ``env``: settings for this instance."""
    s = new_instance(prefix, env)
    s.run("setup")
    s.fixture_output = s.run("shell", "-c", fixture)
    if reindex:
        s.run("matching", "reindex")
    with serving(s, worker):
        yield s


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, one per test module."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
