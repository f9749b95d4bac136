"""Command line: ``turath engine index|query|add|remove|compact|repair|info`` (or ``python -m turath_engine``).

``main(argv)`` receives the words after "engine". Errors are one line on stderr and a non-zero
exit status, never a traceback: the officer-facing tooling wraps this.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like argparse but without the usage block
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="turath engine", description="Image + text matching engine")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("index", help="index a folder of images (key = file name without extension)")
    s.add_argument("--images", required=True, help="folder of reference images")
    s.add_argument("--out", required=True, help="index directory to create or extend")
    s.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    s.add_argument("--no-progress", action="store_true")
    q = sub.add_parser("query", help="match photos against an index; one JSON line per photo")
    q.add_argument("index")
    q.add_argument("photos", nargs="+")
    q.add_argument("--top", type=int, default=10)
    q.add_argument("--text", default=None, help="words typed by the officer (any language)")
    q.add_argument("--json", action="store_true", help="JSON lines (the default and only output format)")
    q.add_argument("--evidence", action="store_true", help="include evidence (inliers, polygons) per candidate")
    r = sub.add_parser("remove", help="remove keys from an index")
    r.add_argument("index")
    r.add_argument("keys", nargs="+")
    for name, hlp in (("compact", "drop removed records from the shards"),
                      ("repair", "rebuild derived files (inverted file, faiss) from the database"),
                      ("info", "print index statistics as JSON")):
        c = sub.add_parser(name, help=hlp)
        c.add_argument("index")
    return p


def _list_images(folder: str) -> list[tuple[str, str]]:
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"image folder not found: {folder}")
    out = []
    keys = set()
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        stem, ext = os.path.splitext(name)
        if os.path.isfile(path) and ext.lower() in IMAGE_EXTS:
            if stem in keys:
                print(f"warning: duplicate key {stem!r} ({name}) skipped", file=sys.stderr)
                continue
            keys.add(stem)
            out.append((stem, path))
    return out


def _cmd_index(a) -> int:
    from .engine import Engine

    items = _list_images(a.images)
    if not items:
        print(f"error: no images found in {a.images}", file=sys.stderr)
        return 1
    eng = Engine.open(a.out, create=True)
    t0 = time.perf_counter()
    bar = None
    if not a.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), unit="img", file=sys.stderr, desc="indexing")

    def progress(key, err):
        if bar:
            bar.update(1)
        if err:
            (bar.write if bar else print)(f"skipped {key}: {err}", file=sys.stderr)

    try:
        # key = file name: keep each file its own group, even if its name contains ':'.
        res = eng.add_images([(k, p, {"group": k}) for k, p in items], workers=a.workers, on_progress=progress)
    finally:
        if bar:
            bar.close()
        eng.close()
    dt = time.perf_counter() - t0
    print(f"indexed {res['added']} images ({len(res['errors'])} skipped) in {dt:.1f}s "
          f"({res['added'] / max(dt, 1e-9):.1f} images/s) -> {a.out}", file=sys.stderr)
    return 0 if res["added"] else 1


def _cmd_query(a) -> int:
    from .engine import Engine
    from .errors import BadImageError

    eng = Engine.open(a.index)
    status = 0
    try:
        for photo in a.photos:
            t0 = time.perf_counter()
            try:
                res = eng.query(images=[photo], text=a.text, top=a.top)
            except BadImageError as e:
                print(f"error: {e}", file=sys.stderr)
                status = 1
                continue
            ms = round((time.perf_counter() - t0) * 1000, 1)
            cands = []
            for c in res.candidates:
                d = {"key": c.key, "score": c.score}
                if a.evidence:
                    d["evidence"] = c.evidence
                cands.append(d)
            print(json.dumps({"query": photo, "candidates": cands, "ms": ms}, ensure_ascii=False), flush=True)
    finally:
        eng.close()
    return status


def main(argv: list[str] | None = None) -> int:
    from .errors import EngineError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        a = _parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if a.cmd == "index":
            return _cmd_index(a)
        if a.cmd == "query":
            return _cmd_query(a)
        from .engine import Engine

        if a.cmd == "repair":
            Engine.open(a.index, repair=True).close()
            print(f"repaired {a.index}", file=sys.stderr)
            return 0
        eng = Engine.open(a.index)
        try:
            if a.cmd == "remove":
                for k in a.keys:
                    eng.remove(k)
            elif a.cmd == "compact":
                print(json.dumps(eng.compact()))
            elif a.cmd == "info":
                print(json.dumps(eng.stats()))
        finally:
            eng.close()
        return 0
    except EngineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (FileNotFoundError, PermissionError, IsADirectoryError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # last resort: still one line, never a traceback
        print(f"error: unexpected {type(e).__name__}: {e}", file=sys.stderr)
        return 1
