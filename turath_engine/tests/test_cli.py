import json
import os
import subprocess
import sys

from PIL import Image

from turath_engine.cli import main

from .conftest import jpeg_bytes, phone_photo


def test_cli_index_and_query(tmp_path, photos, capsys):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for name in ("astronaut", "coffee", "rocket"):
        Image.fromarray(photos[name]).save(imgs / f"{name}.png")
    (imgs / "broken.jpg").write_bytes(jpeg_bytes(photos["camera"])[:500])
    out = str(tmp_path / "ix")
    assert main(["index", "--images", str(imgs), "--out", out, "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "indexed 3 images (1 skipped)" in err and "broken" in err
    q = tmp_path / "q.jpg"
    q.write_bytes(phone_photo(photos["coffee"], angle=15, scale=0.7, gain=0.6))
    nothing = tmp_path / "n.jpg"
    nothing.write_bytes(jpeg_bytes(photos["chelsea"]))
    assert main(["query", out, str(q), str(nothing), "--top", "10", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    a, b = (json.loads(x) for x in lines)
    assert a["query"] == str(q) and a["candidates"][0]["key"] == "coffee" and 0 < a["candidates"][0]["score"] <= 1
    assert set(a) == {"query", "candidates", "ms"} and set(a["candidates"][0]) == {"key", "score"}
    assert b["candidates"] == []


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["query", str(tmp_path / "missing"), "x.jpg"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: no index")
    assert main(["index", "--images", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["bogus"]) == 2


def test_cli_bad_photo_and_python_m(tmp_path, built_index):
    bad = tmp_path / "bad.jpg"
    bad.write_text("hello")
    p = subprocess.run([sys.executable, "-m", "turath_engine", "query", built_index, str(bad)],
                       capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert p.returncode == 1
    assert p.stderr.strip().startswith("error:") and "Traceback" not in p.stderr and p.stdout == ""
