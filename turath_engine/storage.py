"""The index on disk, and how it survives a crash.

- ``engine.sqlite3``: keys, groups, metadata, PDQ hashes, global descriptors, text and text
  embeddings, shard offsets: the source of truth, with the feature shards;
- ``feat-NNN.bin``: append-only shards of per-image records ``des (n*32 B) | xy (n*8 B) | words
  (n*2 B)``, read through ``numpy.memmap`` so 100,000+ images never have to sit in RAM;
- ``pdq.faiss``, ``text.faiss``, ``global.faiss`` (and ``bow-*.npy``, see ``visual_words``): derived
  files, each written to a temporary file and renamed over the old one.

Everything derived is rebuilt from the database: a faiss file that holds fewer entries than the
database (rows committed after the last flush, then a crash) is rebuilt on opening, and the first
stage's snapshot is completed by a delta read from the database (rows after ``global_built``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from .errors import EngineError, IndexCorruptError, IndexMissingError
from .globaldesc import default_descriptor
from .globalindex import GlobalIndex

FORMAT_VERSION = 1
DB_NAME = "engine.sqlite3"
SHARD_BYTES = 512 * 1024 * 1024
REC = 32 + 8 + 2  # bytes per keypoint in a shard record


class Store:
    """The index directory: its SQLite database, its feature shards and its derived files."""

    def __init__(self, path: str, vocab_k: int, create: bool = False, for_repair: bool = False):
        self.path = os.path.abspath(path)
        self.vocab_k = vocab_k
        self._memmaps: dict[int, np.memmap] = {}
        dbp = os.path.join(self.path, DB_NAME)
        if create:
            os.makedirs(self.path, exist_ok=True)
            if os.path.exists(dbp):
                raise EngineError(f"an index already exists at {self.path}")
        elif not for_repair:
            if not os.path.isdir(self.path):
                raise IndexMissingError(f"no index at {self.path} (create one with `engine index`)")
            if not os.path.exists(dbp):
                raise IndexMissingError(f"{self.path} is not an engine index ({DB_NAME} missing)")
            with open(dbp, "rb") as fh:
                head = fh.read(16)
            if head and head != b"SQLite format 3\x00":
                raise IndexCorruptError(f"{dbp} is corrupt (not an SQLite file); rebuild the index from the images")
        try:
            self.db = sqlite3.connect(dbp, check_same_thread=False, isolation_level=None)
            if not for_repair:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
            if create:
                self._init_schema()
            self._check_schema()
        except sqlite3.DatabaseError as e:
            raise IndexCorruptError(f"{dbp} is corrupt ({e}); rebuild the index from the images") from None

    def close(self) -> None:
        self._memmaps.clear()
        self.db.close()

    def _init_schema(self):
        self.db.executescript(
            """
            CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT);
            CREATE TABLE images(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, grp TEXT NOT NULL, meta TEXT,
                shard INTEGER, off INTEGER, n INTEGER, fw INTEGER, fh INTEGER, scale REAL, pdq BLOB, quality INTEGER,
                gdesc BLOB);
            CREATE TABLE texts(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, grp TEXT NOT NULL, meta TEXT,
                body TEXT, lang TEXT, emb BLOB);
            """
        )
        self.db.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT_VERSION),))
        self.db.execute("INSERT INTO meta VALUES ('vocab_k', ?)", (str(self.vocab_k),))
        self.db.execute("INSERT INTO meta VALUES ('bow_built', '-1')")
        self.db.execute("INSERT INTO meta VALUES ('global_built', '-1')")
        self.db.execute("INSERT INTO meta VALUES ('gdesc_version', ?)", (default_descriptor().version,))

    def _check_schema(self):
        rows = dict(self.db.execute("SELECT k, v FROM meta").fetchall())
        if rows.get("format") != str(FORMAT_VERSION):
            raise IndexCorruptError(f"{self.path}: unknown index format {rows.get('format')!r}; rebuild the index")
        if rows.get("vocab_k") != str(self.vocab_k):
            raise IndexCorruptError(f"{self.path}: index was built with another visual vocabulary; rebuild it")
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(images)")}
        if "gdesc" not in cols:  # an index made before the global first stage: filled from the shards
            self.db.execute("ALTER TABLE images ADD COLUMN gdesc BLOB")

    def meta(self, k, default=None):
        r = self.db.execute("SELECT v FROM meta WHERE k=?", (k,)).fetchone()
        return r[0] if r else default

    def set_meta(self, k, v):
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, str(v)))

    @contextmanager
    def transaction(self, enabled: bool = True):
        """BEGIN ... COMMIT, or ROLLBACK on any exception; nothing when the caller holds one already."""
        if not enabled:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def fpath(self, name):
        return os.path.join(self.path, name)

    def remove_files(self, names: list[str]) -> None:
        for name in names:
            try:
                os.remove(self.fpath(name))
            except FileNotFoundError:
                pass

    # ------------------------------------------------------------ shards

    def _shard(self, sid: int) -> np.ndarray:
        mm = self._memmaps.get(sid)
        if mm is None:
            p = self.fpath(f"feat-{sid:03d}.bin")
            try:
                # a plain array over the map: slicing np.memmap itself costs ~20 us a record in its
                # subclass hooks, ~4 ms of a check that reads 200 records (28 -> 8 us a record)
                mm = np.memmap(p, dtype=np.uint8, mode="r").view(np.ndarray)
            except (OSError, ValueError) as e:
                raise IndexCorruptError(f"{p} is missing or unreadable ({type(e).__name__}); rebuild the index from the images") from None
            self._memmaps[sid] = mm
        return mm

    def forget_maps(self) -> None:
        self._memmaps.clear()

    def read_record(self, sid, off, n):
        """(descriptors (n, 32) uint8, keypoints (n, 2) float32, visual words (n,) uint16) of one image."""
        mm = self._shard(sid)
        end = off + n * REC
        if end > len(mm):
            self._memmaps.pop(sid, None)  # the file may have grown since it was mapped
            mm = self._shard(sid)
            if end > len(mm):
                raise IndexCorruptError(f"feat-{sid:03d}.bin is truncated; rebuild the index from the images")
        rec = mm[off:end]
        des = np.asarray(rec[: n * 32]).reshape(n, 32)
        xy = np.asarray(rec[n * 32: n * 40]).view(np.float32).reshape(n, 2)
        words = np.asarray(rec[n * 40:]).view(np.uint16)
        return des, xy, words

    def append_record(self, des: np.ndarray, xy: np.ndarray, words: np.ndarray) -> tuple[int, int]:
        """Append one image's record to the current shard (a new one past SHARD_BYTES): (shard, offset)."""
        sid = int(self.meta("shard", "0"))
        p = self.fpath(f"feat-{sid:03d}.bin")
        size = os.path.getsize(p) if os.path.exists(p) else 0
        if size > SHARD_BYTES:
            sid += 1
            self.set_meta("shard", sid)
            p = self.fpath(f"feat-{sid:03d}.bin")
            size = 0
        blob = des.tobytes() + xy.astype(np.float32).tobytes() + words.astype(np.uint16).tobytes()
        with open(p, "ab") as fh:
            fh.write(blob)
        return sid, size

    def rewrite_shards(self) -> dict:
        """Copy the live images' records into new shards, point the database at them, then delete the
        old shards (removed images' records go with them). A crash before the commit leaves the old
        shards in use; after it, at worst old files that the next compaction deletes."""
        rows = self.db.execute("SELECT id, shard, off, n FROM images ORDER BY id").fetchall()
        old = sorted({int(f[5:8]) for f in os.listdir(self.path) if f.startswith("feat-") and f.endswith(".bin")})
        before = sum(os.path.getsize(self.fpath(f"feat-{s:03d}.bin")) for s in old)
        new_sid = (max(old) + 1) if old else 0
        first_new = new_sid
        out = open(self.fpath(f"feat-{new_sid:03d}.bin"), "wb")
        pos = 0
        updates = []
        for i, sid, off, n in rows:
            des, xy, words = self.read_record(sid, off, n)
            blob = des.tobytes() + xy.tobytes() + words.tobytes()
            if pos + len(blob) > SHARD_BYTES and pos:
                out.close()
                new_sid += 1
                out = open(self.fpath(f"feat-{new_sid:03d}.bin"), "wb")
                pos = 0
            out.write(blob)
            updates.append((new_sid, pos, i))
            pos += len(blob)
        out.flush()
        os.fsync(out.fileno())
        out.close()
        self.db.execute("BEGIN")
        self.db.executemany("UPDATE images SET shard=?, off=? WHERE id=?", updates)
        self.set_meta("shard", new_sid)
        self.db.execute("COMMIT")
        self._memmaps.clear()
        for s in old:
            if s < first_new:
                os.remove(self.fpath(f"feat-{s:03d}.bin"))
        after = sum(os.path.getsize(self.fpath(f"feat-{s:03d}.bin")) for s in range(first_new, new_sid + 1))
        return {"images": len(rows), "bytes_before": before, "bytes_after": after}

    # ------------------------------------------------------------ faiss files kept in step with the database

    def id_index(self, name: str, empty: Callable[[], object], rows_sql: str, dtype) -> tuple[object, bool]:
        """The faiss index ``name`` (ids -> vectors), read from its file; rebuilt from the database's
        ``rows_sql`` (id, vector bytes) when it holds another number of entries: rows committed after
        the last flush (a crash, a killed process) are in the database, so the index is not refused.
        Returns (index, whether it was rebuilt, i.e. the file is behind)."""
        import faiss

        binary = dtype == np.uint8
        idx = empty()
        p = self.fpath(name)
        if os.path.exists(p):
            try:
                idx = faiss.read_index_binary(p) if binary else faiss.read_index(p)
            except Exception:
                raise IndexCorruptError(f"{p} is corrupt; open with repair=True to rebuild it") from None
        count_sql = f"SELECT COUNT(*) FROM ({rows_sql})"
        if idx.ntotal == self.db.execute(count_sql).fetchone()[0]:
            return idx, False
        idx = empty()
        rows = self.db.execute(rows_sql).fetchall()
        if rows:
            idx.add_with_ids(np.stack([np.frombuffer(r[1], dtype) for r in rows]),
                             np.array([r[0] for r in rows], dtype=np.int64))
        return idx, True

    def write_index(self, idx, name: str) -> None:
        """Write a faiss index under ``name`` atomically (a crash never leaves half a file)."""
        import faiss

        writer = faiss.write_index_binary if isinstance(idx, faiss.IndexBinary) else faiss.write_index
        tmp = self.fpath(name + ".tmp")
        writer(idx, tmp)
        os.replace(tmp, self.fpath(name))

    # ------------------------------------------------------------ the first stage: snapshot + delta

    def load_global(self, read_descriptors: Callable[[int, int, int], np.ndarray]) -> tuple[GlobalIndex, bool]:
        """Memory-map the first stage's snapshot; images added since are its delta (from the database).
        ``read_descriptors(shard, offset, n)`` gives an image's ORB descriptors, for an index from before
        the first stage (its global descriptors are computed once, from the shards). Also returns whether
        the snapshot must be rebuilt (the descriptors were another model's)."""
        gd = default_descriptor()
        gidx = GlobalIndex(self.fpath("global.faiss"), gd.dim)
        stale = self.meta("gdesc_version") != gd.version
        if stale:
            # Descriptors of another model (retrained, or stored before the version was recorded) have
            # the same size but would be compared with queries described by this one: recomputed below
            # from the shards, the snapshot rebuilt by the next flush. A crash before the version is
            # recorded only repeats this.
            self.db.execute("UPDATE images SET gdesc = NULL")
            self.set_meta("global_built", -1)
        missing = self.db.execute("SELECT id, shard, off, n FROM images WHERE gdesc IS NULL").fetchall()
        if missing:
            self.db.execute("BEGIN")
            for iid, sid, off, n in missing:
                des = read_descriptors(sid, off, n)
                self.db.execute("UPDATE images SET gdesc=? WHERE id=?", (gd.describe(des).astype(np.float16).tobytes(), iid))
            self.db.execute("COMMIT")
        if stale:
            self.set_meta("gdesc_version", gd.version)
        built = int(self.meta("global_built", "-1"))
        if built >= 0:
            if not os.path.exists(gidx.path):
                raise IndexCorruptError(f"{gidx.path} is missing; open with repair=True to rebuild it")
            gidx.load()
        ids, vecs = [], []
        for iid, g in self.db.execute("SELECT id, gdesc FROM images WHERE id > ?", (built,)):
            ids.append(iid)
            vecs.append(np.frombuffer(g, np.float16).astype(np.float32))
        gidx.set_delta(ids, vecs)
        return gidx, stale

    def rebuild_global(self, gidx: GlobalIndex) -> None:
        """Fold every live descriptor into a new first-stage snapshot (atomic replace), then move the mark."""
        rows = self.db.execute("SELECT id, gdesc FROM images ORDER BY id").fetchall()
        ids = np.array([r[0] for r in rows], np.int64)
        vecs = (np.stack([np.frombuffer(r[1], np.float16) for r in rows]).astype(np.float32) if rows
                else np.zeros((0, gidx.dim), np.float32))
        gidx.rebuild(ids, vecs)
        self.set_meta("global_built", int(ids[-1]) if len(ids) else 0)
