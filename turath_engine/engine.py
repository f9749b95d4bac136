"""The matching engine: an on-disk index of image fingerprints and text documents, and the query
that fuses image and text evidence into one ranked, calibrated list.

Index directory layout (everything derivable is rebuilt by ``Engine.repair()``):

- ``engine.sqlite3``: keys, groups, metadata, PDQ hashes, text and text embeddings, shard offsets
  (the source of truth, with the feature shards);
- ``feat-NNN.bin``: append-only shards of per-image records ``des (n*32 B) | xy (n*8 B) | words
  (n*2 B)``, read through ``numpy.memmap`` so 100,000+ images never have to sit in RAM;
- ``bow-*.npy``: the inverted file (visual word -> images, tf-idf weights), memory-mapped;
- ``pdq.faiss`` and ``text.faiss``: faiss indexes of PDQ hashes and text embeddings;
- ``global.faiss``: the first stage, an approximate-nearest-neighbour index of one global descriptor
  per image (``globaldesc``, ``globalindex``), memory-mapped; the descriptors themselves are in
  ``images.gdesc``.

Two first stages: ``global`` (the default; sub-linear: the ANN shortlist is re-ranked by word
matches read from the shards for its images only, then verified) and ``bow`` (the inverted file
over every image; its cost grows linearly with the register). ``TURATH_ENGINE_FIRST_STAGE=bow``
selects the second, for comparison.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import text as textmod
from .errors import BadImageError, EngineError, IndexCorruptError, IndexMissingError, KeyNotFoundError
from .features import Features, default_vocabulary, orb_features, pdq_hash
from .globaldesc import default_descriptor
from .globalindex import GlobalIndex
from .imaging import load_image
from .verify import QueryDescriptors, ransac, verify

FORMAT_VERSION = 1
DB_NAME = "engine.sqlite3"
SHARD_BYTES = 512 * 1024 * 1024
REC = 32 + 8 + 2  # bytes per keypoint in a shard record
SHORTLIST = 60  # candidates that get the cheap RANSAC on word matches (~0.5 ms each)
REFINE = 3  # of those, how many get full descriptor matching (~10-15 ms each) ...
REFINE_TOP = 10  # ... plus the first few of the shortlist order, whatever stage A said (~3 ms each)
PDQ_NEAR = 70  # Hamming distance (of 256) under which a PDQ neighbour joins the shortlist
QUERY_SOFT_WORDS = 2  # sub-words per query descriptor (see Vocabulary.assign_multi)
# Words with more than STOP_FACTOR x the mean posting count are skipped. Off: at 10,000 images a
# factor of 5 halved the shortlist's time (p95 477 -> 282 ms CPU) but lost 7 of 62 top-1 hits in a
# 90-query probe; recall is the scarcer of the two here (benchmarks/matching/RESULTS.md).
STOP_FACTOR = 1e9
GLOBAL_K = 200  # first-stage shortlist (per query region, fused by best similarity)
WORD_MASK = 0xFFFF  # shards store words as uint16; the two-level vocabulary has 131,072 words
HE_THRESHOLD = 64  # max Hamming distance (of 256 bits) for a word match to vote in the shortlist
CALIBRATION_FILE = os.path.join(os.path.dirname(__file__), "data", "calibration.json")

_DEFAULT_CAL = {
    # Overwritten by data/calibration.json, fitted by benchmarks/matching/calibrate.py.
    "image": {"a": -6.0, "b": 2.2, "feature": "log1p_inliers"},
    "text": {"a": -5.0, "b": 8.0},
    "text_weight": 2.5,
    "facet_boost": 0.4,
    "threshold": 0.5,
}


def load_calibration() -> dict:
    try:
        with open(CALIBRATION_FILE, encoding="utf-8") as fh:
            cal = json.load(fh)
        return {**_DEFAULT_CAL, **cal}
    except (OSError, ValueError):
        return dict(_DEFAULT_CAL)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def default_group(key: str) -> str:
    """Object key of an image key: '<object_id>:<image_id>' -> '<object_id>'."""
    return key.split(":", 1)[0]


# ---------------------------------------------------------------- fingerprints


@dataclass
class Fingerprint:
    """Everything the index stores about one reference image, computed once."""

    feats: Features
    words: np.ndarray  # (n,) visual word per keypoint
    pdq: np.ndarray  # (32,) uint8
    quality: int
    gdesc: np.ndarray  # (DIM,) float32 global descriptor
    size: tuple[int, int]  # working-image (width, height)
    flags: list[str]


def _single_thread_faiss():
    # faiss's OpenMP threads fight with the web server's and OpenCV's on 2 cores: one search of
    # 2,500 descriptors went from ~20 ms to 100-1000 ms with 2 threads. Parallelism is per query.
    import faiss

    faiss.omp_set_num_threads(1)


_single_thread_faiss()


def fingerprint(src) -> Fingerprint:
    img = load_image(src)
    feats = orb_features(img, query=False)
    words = default_vocabulary().assign(feats.des)
    pdq, q = pdq_hash(img)
    h, w = img.rgb.shape[:2]
    return Fingerprint(feats, words, pdq, q, default_descriptor().describe(feats.des), (w, h), img.flags)


def _fingerprint_job(args):
    """Worker for parallel indexing: never raises, so one bad file does not stop a batch."""
    key, path = args
    try:
        return key, path, fingerprint(path), None
    except BadImageError as e:
        return key, path, None, str(e)
    except Exception as e:  # pragma: no cover - defensive: report, don't kill the pool
        return key, path, None, f"{path}: {type(e).__name__}: {e}"


# ---------------------------------------------------------------- results


@dataclass
class Candidate:
    key: str  # the group (object) key when grouping, else the image/text key
    score: float  # calibrated confidence that this is the same object, 0..1
    group: str
    image_confidence: float | None = None
    text_score: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    # the candidate's own calibrated confidence, before sharing it with look-alike candidates
    independent_score: float | None = None
    similar: bool = False  # another candidate is (independently) about as likely: "similar objects"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class QueryResult:
    candidates: list[Candidate]
    hidden_count: int = 0  # matches above the threshold that allowed_keys hid from this caller
    threshold: float = 0.5
    flags: list[str] = field(default_factory=list)
    ms: float = 0.0
    similar: bool = False  # several candidates are alike: no single one can be trusted as "the" object

    def to_dict(self) -> dict:
        return {"candidates": [c.to_dict() for c in self.candidates], "hidden_count": self.hidden_count,
                "threshold": self.threshold, "flags": self.flags, "ms": self.ms, "similar": self.similar}


# ---------------------------------------------------------------- engine


class Engine:
    """Open with ``Engine.open(path)`` (existing) or ``Engine.create(path)`` (new, empty)."""

    def __init__(self, path: str, concepts: textmod.ConceptHook = None, _create: bool = False):
        self.path = os.path.abspath(path)
        self.concepts = concepts
        self.cal = load_calibration()
        self.threshold = float(self.cal["threshold"])
        self._lock = threading.RLock()
        self._vocab = default_vocabulary()
        self._memmaps: dict[int, np.memmap] = {}
        self._closed = False
        dbp = os.path.join(self.path, DB_NAME)
        if _create:
            os.makedirs(self.path, exist_ok=True)
            if os.path.exists(dbp):
                raise EngineError(f"an index already exists at {self.path}")
        else:
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
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if _create:
                self._init_schema()
            self._check_schema()
        except sqlite3.DatabaseError as e:
            raise IndexCorruptError(f"{dbp} is corrupt ({e}); rebuild the index from the images") from None
        self._load_derived()

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: str, concepts: textmod.ConceptHook = None, create: bool = False, repair: bool = False) -> Engine:
        """Open an index. ``create=True`` makes an empty one if none exists; ``repair=True``
        rebuilds damaged or missing derived files (inverted file, faiss indexes) from the database."""
        if create and not os.path.exists(os.path.join(path, DB_NAME)):
            return cls(path, concepts, _create=True)
        if repair:
            try:
                return cls(path, concepts)
            except IndexCorruptError:
                eng = cls.__new__(cls)
                eng._open_for_repair(path, concepts)
                return eng
        return cls(path, concepts)

    @classmethod
    def create(cls, path: str, concepts: textmod.ConceptHook = None) -> Engine:
        return cls(path, concepts, _create=True)

    def _open_for_repair(self, path, concepts):
        self.path = os.path.abspath(path)
        self.concepts = concepts
        self.cal = load_calibration()
        self.threshold = float(self.cal["threshold"])
        self._lock = threading.RLock()
        self._vocab = default_vocabulary()
        self._memmaps = {}
        self._closed = False
        dbp = os.path.join(self.path, DB_NAME)
        try:
            self.db = sqlite3.connect(dbp, check_same_thread=False, isolation_level=None)
            self._check_schema()
        except sqlite3.DatabaseError as e:
            raise IndexCorruptError(f"{dbp} is corrupt ({e}); rebuild the index from the images") from None
        self.repair()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.flush()
            self._memmaps.clear()
            self.db.close()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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
        self.db.execute("INSERT INTO meta VALUES ('vocab_k', ?)", (str(self._vocab.k),))
        self.db.execute("INSERT INTO meta VALUES ('bow_built', '-1')")
        self.db.execute("INSERT INTO meta VALUES ('global_built', '-1')")

    def _check_schema(self):
        rows = dict(self.db.execute("SELECT k, v FROM meta").fetchall())
        if rows.get("format") != str(FORMAT_VERSION):
            raise IndexCorruptError(f"{self.path}: unknown index format {rows.get('format')!r}; rebuild the index")
        if rows.get("vocab_k") != str(self._vocab.k):
            raise IndexCorruptError(f"{self.path}: index was built with another visual vocabulary; rebuild it")
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(images)")}
        if "gdesc" not in cols:  # an index made before the global first stage: filled from the shards
            self.db.execute("ALTER TABLE images ADD COLUMN gdesc BLOB")
        self.first_stage = os.environ.get("TURATH_ENGINE_FIRST_STAGE", "global")
        if self.first_stage not in ("global", "bow"):
            raise EngineError(f"TURATH_ENGINE_FIRST_STAGE must be 'global' or 'bow', not {self.first_stage!r}")

    def _meta(self, k, default=None):
        r = self.db.execute("SELECT v FROM meta WHERE k=?", (k,)).fetchone()
        return r[0] if r else default

    def _set_meta(self, k, v):
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, str(v)))

    # ------------------------------------------------------------ derived structures

    def _fpath(self, name):
        return os.path.join(self.path, name)

    def _load_derived(self):
        """Load inverted file + faiss indexes (memory-mapped) and the in-memory text index."""
        import faiss

        n_img = self.db.execute("SELECT COUNT(*) FROM images").fetchone()[0]
        max_id = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM images").fetchone()[0]
        self._live = np.zeros(max_id + 1 + 1024, dtype=bool)
        for (i,) in self.db.execute("SELECT id FROM images"):
            self._live[i] = True
        self._dirty = False
        self._load_bow()
        self._load_global()
        # PDQ faiss index
        self._pdq = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(256))
        pdq_file = self._fpath("pdq.faiss")
        if os.path.exists(pdq_file):
            try:
                self._pdq = faiss.read_index_binary(pdq_file)
            except Exception:
                raise IndexCorruptError(f"{pdq_file} is corrupt; open with repair=True to rebuild it") from None
        if self._pdq.ntotal != n_img:
            # images committed to the database after the last flush (a crash, a killed process):
            # the hashes are in the database, so the index is rebuilt from it, not refused
            self._pdq = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(256))
            rows = self.db.execute("SELECT id, pdq FROM images").fetchall()
            if rows:
                self._pdq.add_with_ids(np.stack([np.frombuffer(r[1], np.uint8) for r in rows]),
                                       np.array([r[0] for r in rows], dtype=np.int64))
            self._dirty = True
        # texts: lexical index in memory, embeddings in faiss
        self._lex = textmod.LexicalIndex()
        self._text_rows: dict[int, tuple[str, str, dict]] = {}
        n_txt = 0
        for tid, key, grp, meta, body in self.db.execute("SELECT id, key, grp, meta, body FROM texts"):
            self._text_rows[tid] = (key, grp, json.loads(meta or "{}"))
            self._lex.add(tid, self._doc_tokens(body))
            n_txt += 1
        self._temb = faiss.IndexIDMap2(faiss.IndexFlatIP(384))
        tf = self._fpath("text.faiss")
        if os.path.exists(tf):
            try:
                self._temb = faiss.read_index(tf)
            except Exception:
                raise IndexCorruptError(f"{tf} is corrupt; open with repair=True to rebuild it") from None
        n_emb = self.db.execute("SELECT COUNT(*) FROM texts WHERE emb IS NOT NULL").fetchone()[0]
        if self._temb.ntotal != n_emb:  # as for PDQ: texts committed after the last flush
            self._temb = faiss.IndexIDMap2(faiss.IndexFlatIP(384))
            rows = self.db.execute("SELECT id, emb FROM texts WHERE emb IS NOT NULL").fetchall()
            if rows:
                self._temb.add_with_ids(np.stack([np.frombuffer(r[1], np.float32) for r in rows]),
                                        np.array([r[0] for r in rows], dtype=np.int64))
            self._dirty = True

    def _load_global(self):
        """Memory-map the first stage's snapshot; images added since are its delta (from the database)."""
        gd = default_descriptor()
        self._gidx = GlobalIndex(self._fpath("global.faiss"), gd.dim)
        # descriptors missing (an index from before the first stage): computed from the stored ORB features
        missing = self.db.execute("SELECT id, shard, off, n FROM images WHERE gdesc IS NULL").fetchall()
        if missing:
            self.db.execute("BEGIN")
            for iid, sid, off, n in missing:
                des, _xy, _w = self._read_record(sid, off, n)
                self.db.execute("UPDATE images SET gdesc=? WHERE id=?", (gd.describe(des).astype(np.float16).tobytes(), iid))
            self.db.execute("COMMIT")
        built = int(self._meta("global_built", "-1"))
        if built >= 0:
            if not os.path.exists(self._gidx.path):
                raise IndexCorruptError(f"{self._gidx.path} is missing; open with repair=True to rebuild it")
            self._gidx.load()
        ids, vecs = [], []
        for iid, g in self.db.execute("SELECT id, gdesc FROM images WHERE id > ?", (built,)):
            ids.append(iid)
            vecs.append(np.frombuffer(g, np.float16).astype(np.float32))
        self._gidx.set_delta(ids, vecs)

    def rebuild_global(self) -> None:
        """Fold every live descriptor into a new first-stage snapshot (atomic replace)."""
        with self._lock:
            rows = self.db.execute("SELECT id, gdesc FROM images ORDER BY id").fetchall()
            ids = np.array([r[0] for r in rows], np.int64)
            vecs = (np.stack([np.frombuffer(r[1], np.float16) for r in rows]).astype(np.float32) if rows
                    else np.zeros((0, self._gidx.dim), np.float32))
            self._gidx.rebuild(ids, vecs)
            self._set_meta("global_built", int(ids[-1]) if len(ids) else 0)
            # images added while rebuilding cannot exist (the lock), so the delta is empty

    def _load_bow(self):
        """Memory-map the inverted file and re-read the delta (images added since its build)."""
        built = int(self._meta("bow_built", "-1"))
        self._bow = None
        self._delta: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._delta_cache = None
        if self.first_stage != "bow":
            self._built = built
            return
        if built >= 0:
            try:
                self._bow = {name: np.load(self._fpath(f"bow-{name}.npy"), mmap_mode="r")
                             for name in ("indptr", "rows", "des", "xy", "idf", "nkp")}
            except (OSError, ValueError) as e:
                raise IndexCorruptError(
                    f"{self.path}: inverted file missing or corrupt ({type(e).__name__}); "
                    "open with repair=True (CLI: engine repair) to rebuild it") from None
            ip = self._bow["indptr"]
            if (len(ip) != self._vocab.k + 1 or ip[-1] != len(self._bow["rows"])
                    or self._bow["des"].shape != (len(self._bow["rows"]), 32)
                    or self._bow["xy"].shape != (len(self._bow["rows"]), 2)):
                raise IndexCorruptError(f"{self.path}: inverted file is inconsistent; open with repair=True to rebuild it")
            self._bow = {k: np.asarray(v).view(np.ndarray) for k, v in self._bow.items()}
        self._built = built
        # Images added since the last inverted-file build are scored from memory (the "delta").
        self._delta: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._delta_cache = None
        for row in self.db.execute("SELECT id, shard, off, n FROM images WHERE id > ?", (built,)):
            des, xy, words = self._read_record(*row[1:])
            self._delta[row[0]] = (words.astype(np.int32), np.array(des), np.array(xy))  # uint16 in the shard

    def repair(self) -> None:
        """Rebuild every derived file (inverted file, faiss indexes) from the database + shards."""
        import faiss

        with self._lock:
            for name in ("bow-indptr.npy", "bow-rows.npy", "bow-des.npy", "bow-xy.npy", "bow-idf.npy", "bow-nkp.npy", "pdq.faiss",
                         "text.faiss", "global.faiss"):
                try:
                    os.remove(self._fpath(name))
                except FileNotFoundError:
                    pass
            self._set_meta("bow_built", -1)
            self._set_meta("global_built", -1)
            pdq = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(256))
            rows = self.db.execute("SELECT id, pdq FROM images").fetchall()
            if rows:
                pdq.add_with_ids(np.stack([np.frombuffer(r[1], np.uint8) for r in rows]),
                                 np.array([r[0] for r in rows], dtype=np.int64))
            faiss.write_index_binary(pdq, self._fpath("pdq.faiss"))
            temb = faiss.IndexIDMap2(faiss.IndexFlatIP(384))
            rows = self.db.execute("SELECT id, emb FROM texts WHERE emb IS NOT NULL").fetchall()
            if rows:
                temb.add_with_ids(np.stack([np.frombuffer(r[1], np.float32) for r in rows]),
                                  np.array([r[0] for r in rows], dtype=np.int64))
            faiss.write_index(temb, self._fpath("text.faiss"))
            self._load_derived()
            if self.first_stage == "bow":
                self.rebuild_bow()
            self.rebuild_global()

    # ------------------------------------------------------------ shards

    def _shard(self, sid: int) -> np.memmap:
        mm = self._memmaps.get(sid)
        if mm is None:
            p = self._fpath(f"feat-{sid:03d}.bin")
            try:
                mm = np.memmap(p, dtype=np.uint8, mode="r")
            except (OSError, ValueError) as e:
                raise IndexCorruptError(f"{p} is missing or unreadable ({type(e).__name__}); rebuild the index from the images") from None
            self._memmaps[sid] = mm
        return mm

    def _read_record(self, sid, off, n):
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

    def _read_words(self, sid, off, n):
        return self._read_record(sid, off, n)[2].astype(np.int32)

    def _append_record(self, fp: Fingerprint) -> tuple[int, int]:
        sid = int(self._meta("shard", "0"))
        p = self._fpath(f"feat-{sid:03d}.bin")
        size = os.path.getsize(p) if os.path.exists(p) else 0
        if size > SHARD_BYTES:
            sid += 1
            self._set_meta("shard", sid)
            p = self._fpath(f"feat-{sid:03d}.bin")
            size = 0
        f = fp.feats
        blob = f.des.tobytes() + f.xy.astype(np.float32).tobytes() + fp.words.astype(np.uint16).tobytes()
        with open(p, "ab") as fh:
            fh.write(blob)
        return sid, size

    # ------------------------------------------------------------ bag of words

    def rebuild_bow(self) -> None:
        """Rebuild the inverted file (visual word -> (image, descriptor)) from the shards.

        Postings keep the full 32-byte descriptor so the shortlist can check the Hamming distance
        of every word match ("Hamming embedding"): plain bag-of-words with ORB confuses too much.
        """
        with self._lock:
            rows = self.db.execute("SELECT id, shard, off, n FROM images ORDER BY id").fetchall()
            k = self._vocab.k
            ids, words, dess, xys = [], [], [], []
            max_id = rows[-1][0] if rows else 0
            nkp = np.zeros(max_id + 1, np.int32)
            df = np.zeros(k, np.float64)
            for i, sid, off, n in rows:
                des, xy, w = self._read_record(sid, off, n)
                words.append(w.astype(np.int32))
                dess.append(np.array(des))
                xys.append(np.array(xy))
                ids.append(np.full(n, i, np.int32))
                nkp[i] = n
                df[np.unique(w)] += 1
            n_img = max(1, len(rows))
            allw = np.concatenate(words) if words else np.zeros(0, np.int32)
            alli = np.concatenate(ids) if ids else np.zeros(0, np.int32)
            alld = np.concatenate(dess) if dess else np.zeros((0, 32), np.uint8)
            allxy = np.concatenate(xys) if xys else np.zeros((0, 2), np.float32)
            # +0.5, not +1: a word present in every image (always so in a one-image index) keeps a
            # small positive weight instead of zeroing that image out of every shortlist.
            idf = np.log((n_img + 1) / (df + 0.5)).astype(np.float32)
            order = np.argsort(allw, kind="stable")
            indptr = np.zeros(k + 1, np.int64)
            np.cumsum(np.bincount(allw, minlength=k), out=indptr[1:])
            self._bow = None
            self._memmaps.clear()
            for name, arr in (("indptr", indptr), ("rows", alli[order]), ("des", alld[order]), ("xy", allxy[order]), ("idf", idf), ("nkp", nkp)):
                tmp = self._fpath(f"bow-{name}.tmp.npy")
                np.save(tmp, arr)
                os.replace(tmp, self._fpath(f"bow-{name}.npy"))  # atomic: a crash never leaves half a file
            self._set_meta("bow_built", max_id)
            self._load_bow()

    def _bow_scores(self, qwords: np.ndarray, qdes: np.ndarray, top: int, qkp: np.ndarray | None = None):
        """Shortlist by word matches whose descriptors are also close in Hamming distance
        ("Hamming embedding"). Returns [(image id, score)] and the putative correspondences
        (image id, query keypoint, reference xy) that the first verification stage reuses."""
        scores = np.zeros(len(self._live), np.float64)
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.float32))
        if len(qwords) == 0:
            return [], empty
        n_img = max(1, int(self._live.sum()))
        sources = []
        if self._bow is not None:
            b = self._bow
            sources.append((b["indptr"], b["rows"], b["des"], b["xy"], b["idf"]))
        if self._delta:
            sources.append(self._delta_postings())
        pr, pq, pxy = [], [], []
        # the shards keep words as uint16 (WORD_MASK): words above 65,535 are looked up where they were stored
        qwords = qwords.astype(np.int64) & WORD_MASK
        # qkp[j]: the query keypoint of word entry j (a keypoint has several entries when soft-assigned)
        qkp = np.arange(len(qwords)) if qkp is None else np.asarray(qkp, np.int64)
        # Hamming distances on four 64-bit lanes instead of 32 bytes: same result, a quarter of the work.
        q64 = np.ascontiguousarray(qdes).view(np.uint64)
        for ip, rows, des, xys, idf in sources:
            des = np.ascontiguousarray(des).view(np.uint64)
            lo = np.asarray(ip)[qwords]
            ln = np.asarray(ip)[qwords + 1] - lo
            # Stop words: a word with many times the mean posting count costs most of the pairs
            # and, by its idf, carries little of the score.
            ln[(ln > 4 * n_img) | (ln > STOP_FACTOR * (int(ip[-1]) / max(1, len(ip) - 1)))] = 0
            # query keypoints grouped by word, so each word's pairs fall in one chunk
            qidx = np.flatnonzero(ln)
            qidx = qidx[np.argsort(qwords[qidx], kind="stable")]
            # every (query keypoint, posting of its word) pair, in chunks of about 1M pairs
            cum = np.cumsum(ln[qidx])
            start = 0
            while start < len(qidx):
                base = cum[start - 1] if start else 0
                stop = int(np.searchsorted(cum, base + 1_000_000, side="right"))
                stop = max(stop, start + 1)
                while stop < len(qidx) and qwords[qidx[stop]] == qwords[qidx[stop - 1]]:
                    stop += 1  # never split a word between chunks
                js = qidx[start:stop]
                L = ln[js]
                jrep = np.repeat(js, L)
                offs = np.arange(len(jrep)) - np.repeat(np.cumsum(L) - L, L)
                post = np.repeat(lo[js], L) + offs
                d = np.bitwise_count(q64[qkp[jrep]] ^ des[post]).sum(1, dtype=np.int32)
                ok = np.flatnonzero(d <= HE_THRESHOLD)
                if len(ok):
                    # one pair per posting: its closest query descriptor. Several query keypoints
                    # (the same corner at several pyramid levels, a repetitive texture) would
                    # otherwise vote, and pair, many times for one reference keypoint.
                    o = ok[np.lexsort((d[ok], post[ok]))]
                    first = np.r_[True, post[o][1:] != post[o][:-1]]
                    ok = o[first]
                    po = post[ok]
                    r = rows[po]
                    wts = idf[qwords[jrep[ok]]].astype(np.float64) ** 2 * np.exp(-((d[ok] / 24.0) ** 2))
                    sc = np.bincount(r, weights=wts, minlength=len(scores))
                    scores[: len(sc)] += sc[: len(scores)]
                    pr.append(r)
                    pq.append(qkp[jrep[ok]])
                    pxy.append(xys[po])
                start = stop
        # normalise by the reference's feature count (sqrt: a mild penalty for busy references)
        nk = np.ones(len(scores))
        if self._bow is not None:
            m = min(len(nk), len(self._bow["nkp"]))
            nk[:m] = np.maximum(1, self._bow["nkp"][:m])
        for i, dv in self._delta.items():
            if i < len(nk):
                nk[i] = max(1, len(dv[0]))
        scores = scores / np.sqrt(nk)
        scores[~self._live] = -1
        top = min(top, len(scores))
        idx = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
        idx = idx[np.argsort(-scores[idx])]
        short = [(int(i), float(scores[i])) for i in idx if scores[i] > 0]
        if pr:
            pairs = (np.concatenate(pr).astype(np.int64), np.concatenate(pq).astype(np.int64), np.concatenate(pxy))
        else:
            pairs = empty
        return short, pairs

    def _word_matches(self, cand: list[int], qwords: np.ndarray, qdes: np.ndarray, qkp: np.ndarray):
        """The inverted file's scoring, for the first stage's candidates only: word matches whose
        descriptors are within HE_THRESHOLD bits, read from the shards. Returns what _bow_scores
        returns ([(image id, score)] best first, putative correspondences)."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.float32))
        if not cand or len(qwords) == 0:
            return [], empty
        rows = {r[0]: r[1:] for r in self.db.execute(
            f"SELECT id, shard, off, n FROM images WHERE id IN ({','.join('?' * len(cand))})", cand)}
        rid, rw, rd, rxy, nkp = [], [], [], [], {}
        for iid in cand:
            if iid not in rows:
                continue
            des, xy, w = self._read_record(*rows[iid])
            rid.append(np.full(len(w), iid, np.int64))
            rw.append(w.astype(np.int64))
            rd.append(des)
            rxy.append(xy)
            nkp[iid] = max(1, len(w))
        if not rid:
            return [], empty
        rid, rw, rd, rxy = np.concatenate(rid), np.concatenate(rw), np.concatenate(rd), np.concatenate(rxy)
        qw = np.asarray(qwords, np.int64) & WORD_MASK
        order = np.argsort(qw, kind="stable")
        qs = qw[order]
        lo = np.searchsorted(qs, rw, "left")
        L = np.searchsorted(qs, rw, "right") - lo
        post = np.repeat(np.arange(len(rw)), L)  # reference keypoint of each pair
        if not len(post):
            return [], empty
        j = order[np.repeat(lo, L) + np.arange(len(post)) - np.repeat(np.cumsum(L) - L, L)]  # query word entry
        q64 = np.ascontiguousarray(qdes).view(np.uint64)
        r64 = np.ascontiguousarray(rd).view(np.uint64)
        d = np.bitwise_count(q64[qkp[j]] ^ r64[post]).sum(1, dtype=np.int32)
        ok = np.flatnonzero(d <= HE_THRESHOLD)
        if not len(ok):
            return [], empty
        o = ok[np.lexsort((d[ok], post[ok]))]  # one pair per reference keypoint: its closest query descriptor
        ok = o[np.r_[True, post[o][1:] != post[o][:-1]]]
        r = rid[post[ok]]
        uniq, inv = np.unique(r, return_inverse=True)
        sc = np.bincount(inv, weights=np.exp(-((d[ok] / 24.0) ** 2)))
        sc = sc / np.sqrt([nkp[int(u)] for u in uniq])
        short = sorted(((int(u), float(v)) for u, v in zip(uniq, sc, strict=True)), key=lambda t: -t[1])
        return short, (r, qkp[j[ok]].astype(np.int64), rxy[post[ok]])

    def _idf_for(self, idf, w):
        return idf[w] if idf is not None else 1.0

    def _delta_postings(self):
        """Inverted file of the not-yet-built images, cached until the next add/remove."""
        if self._delta_cache is None:
            k = self._vocab.k
            ids = list(self._delta)
            w = np.concatenate([self._delta[i][0] for i in ids])
            d = np.concatenate([self._delta[i][1] for i in ids])
            xy = np.concatenate([self._delta[i][2] for i in ids])
            r = np.concatenate([np.full(len(self._delta[i][0]), i, np.int32) for i in ids])
            order = np.argsort(w, kind="stable")
            ip = np.zeros(k + 1, np.int64)
            np.cumsum(np.bincount(w, minlength=k), out=ip[1:])
            idf = self._bow["idf"] if self._bow is not None else np.full(k, 1.0, np.float32)
            self._delta_cache = (ip, r[order], d[order], xy[order], idf)
        return self._delta_cache

    # ------------------------------------------------------------ adding / removing

    def add_image(self, key: str, image, meta: dict | None = None) -> dict:
        """Index one image (path, bytes, file object or uint8 array) under ``key``.

        Re-adding an existing key replaces it. Returns {"key", "keypoints", "flags"}.
        Raises BadImageError (BlankImageError, DecompressionBombError) for unusable input.
        """
        fp = fingerprint(image)
        return self.add_fingerprint(key, fp, meta)

    def add_fingerprint(self, key: str, fp: Fingerprint, meta: dict | None = None, commit: bool = True) -> dict:
        if not isinstance(key, str) or not key:
            raise EngineError("image key must be a non-empty string")
        meta = dict(meta or {})
        grp = str(meta.get("group") or default_group(key))
        with self._lock:
            if commit:
                self.db.execute("BEGIN")
            try:
                old = self.db.execute("SELECT id FROM images WHERE key=?", (key,)).fetchone()
                if old:
                    self._remove_image_id(old[0])
                sid, off = self._append_record(fp)
                cur = self.db.execute(
                    "INSERT INTO images(key, grp, meta, shard, off, n, fw, fh, scale, pdq, quality, gdesc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (key, grp, json.dumps(meta, ensure_ascii=False), sid, off, len(fp.feats.des), fp.feats.size[0],
                     fp.feats.size[1], fp.feats.scale, fp.pdq.tobytes(), fp.quality, fp.gdesc.astype(np.float16).tobytes()))
                if commit:
                    self.db.execute("COMMIT")
            except BaseException:
                if commit:
                    self.db.execute("ROLLBACK")
                raise
            iid = cur.lastrowid
            if iid >= len(self._live):
                self._live = np.concatenate([self._live, np.zeros(max(1024, iid + 1 - len(self._live)), bool)])
            self._live[iid] = True
            self._pdq.add_with_ids(fp.pdq.reshape(1, 32), np.array([iid], np.int64))
            if self.first_stage == "bow":
                # as the shard stores it (uint16), so the delta and the rebuilt inverted file agree
                self._delta[iid] = ((fp.words & WORD_MASK).astype(np.int32), fp.feats.des, fp.feats.xy.astype(np.float32))
                self._delta_cache = None
            self._gidx.add(iid, fp.gdesc.astype(np.float16).astype(np.float32))
            self._dirty = True
            return {"key": key, "keypoints": int(len(fp.feats.des)), "flags": list(fp.flags)}

    def add_images(self, items: Iterable[tuple[str, Any, dict | None]], workers: int = 1,
                   on_progress: Callable[[str, str | None], None] | None = None) -> dict:
        """Bulk indexing. Fingerprints are computed in ``workers`` processes; bad images are
        skipped and reported. Returns {"added": n, "errors": [(key, message), ...]}."""
        items = list(items)
        metas = {k: m for k, _, m in items}
        errors = []
        added = 0

        def handle(key, fp, err):
            nonlocal added
            if err:
                errors.append((key, err))
            else:
                self.add_fingerprint(key, fp, metas.get(key), commit=False)
                added += 1
            if on_progress:
                on_progress(key, err)

        with self._lock:
            self.db.execute("BEGIN")
            try:
                jobs = [(k, src) for k, src, _ in items]
                if workers > 1 and len(jobs) > 8:
                    with ProcessPoolExecutor(workers) as ex:
                        for n, (key, _path, fp, err) in enumerate(ex.map(_fingerprint_job, jobs, chunksize=8)):
                            handle(key, fp, err)
                            if n % 500 == 499:
                                self.db.execute("COMMIT")
                                self.db.execute("BEGIN")
                else:
                    for key, src in jobs:
                        key, _path, fp, err = _fingerprint_job((key, src))
                        handle(key, fp, err)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.flush()
        return {"added": added, "errors": errors}

    def add_text(self, key: str, text: str, lang: str | None = None, meta: dict | None = None,
                 embed_text: str | None = None) -> dict:
        """Index a text document (description, inscription, title) under ``key``; re-adding replaces.

        ``embed_text``, when given, is what the sentence embedding reads instead of the whole text (the
        lexical index always has the whole text): the model's cost grows faster than linearly with
        length, so a caller with long multilingual records passes their gist."""
        if not isinstance(key, str) or not key:
            raise EngineError("text key must be a non-empty string")
        if not isinstance(text, str) or not text.strip():
            raise EngineError(f"text for {key!r} is empty")
        meta = dict(meta or {})
        grp = str(meta.get("group") or default_group(key))
        emb = None
        emb_model = textmod.embedder()
        if emb_model.available:
            emb = emb_model.passages([embed_text if embed_text and embed_text.strip() else text])[0]
        with self._lock:
            old = self.db.execute("SELECT id FROM texts WHERE key=?", (key,)).fetchone()
            if old:
                self._remove_text_id(old[0])
            cur = self.db.execute("INSERT INTO texts(key, grp, meta, body, lang, emb) VALUES (?,?,?,?,?,?)",
                                  (key, grp, json.dumps(meta, ensure_ascii=False), text, lang,
                                   emb.tobytes() if emb is not None else None))
            tid = cur.lastrowid
            self._text_rows[tid] = (key, grp, meta)
            self._lex.add(tid, self._doc_tokens(text))
            if emb is not None:
                self._temb.add_with_ids(emb.reshape(1, -1), np.array([tid], np.int64))
            self._dirty = True
        return {"key": key, "script": textmod.script_of(text)}

    def remove(self, key: str) -> None:
        """Remove an image or text by key (both, if both exist). Raises KeyNotFoundError."""
        with self._lock:
            found = False
            r = self.db.execute("SELECT id FROM images WHERE key=?", (key,)).fetchone()
            if r:
                self._remove_image_id(r[0])
                found = True
            r = self.db.execute("SELECT id FROM texts WHERE key=?", (key,)).fetchone()
            if r:
                self._remove_text_id(r[0])
                found = True
            if not found:
                raise KeyNotFoundError(f"no image or text with key {key!r}")
            self._dirty = True

    def _remove_image_id(self, iid):
        self.db.execute("DELETE FROM images WHERE id=?", (iid,))
        if iid < len(self._live):
            self._live[iid] = False
        if self._delta.pop(iid, None) is not None:
            self._delta_cache = None
        self._pdq.remove_ids(np.array([iid], np.int64))

    def _remove_text_id(self, tid):
        self.db.execute("DELETE FROM texts WHERE id=?", (tid,))
        self._text_rows.pop(tid, None)
        self._lex.remove(tid)
        if self._temb.ntotal:
            self._temb.remove_ids(np.array([tid], np.int64))

    def flush(self) -> None:
        """Persist faiss indexes and fold the delta into the inverted file when it has grown."""
        import faiss

        with self._lock:
            if not self._dirty:
                return
            n_live = int(self._live.sum())
            if self.first_stage == "bow" and (self._bow is None or len(self._delta) > max(200, 0.05 * n_live)):
                self.rebuild_bow()
            if self._gidx.snapshot is None or len(self._gidx.delta_ids) > max(200, 0.05 * n_live):
                self.rebuild_global()
            for idx, name, writer in ((self._pdq, "pdq.faiss", faiss.write_index_binary),
                                      (self._temb, "text.faiss", faiss.write_index)):
                tmp = self._fpath(name + ".tmp")
                writer(idx, tmp)
                os.replace(tmp, self._fpath(name))
            self._dirty = False

    def compact(self) -> dict:
        """Rewrite the shards without the records of removed images, then rebuild the inverted file."""
        with self._lock:
            self.flush()
            rows = self.db.execute("SELECT id, shard, off, n FROM images ORDER BY id").fetchall()
            old = sorted({int(f[5:8]) for f in os.listdir(self.path) if f.startswith("feat-") and f.endswith(".bin")})
            before = sum(os.path.getsize(self._fpath(f"feat-{s:03d}.bin")) for s in old)
            new_sid = (max(old) + 1) if old else 0
            first_new = new_sid
            out = open(self._fpath(f"feat-{new_sid:03d}.bin"), "wb")
            pos = 0
            updates = []
            for i, sid, off, n in rows:
                des, xy, words = self._read_record(sid, off, n)
                blob = des.tobytes() + xy.tobytes() + words.tobytes()
                if pos + len(blob) > SHARD_BYTES and pos:
                    out.close()
                    new_sid += 1
                    out = open(self._fpath(f"feat-{new_sid:03d}.bin"), "wb")
                    pos = 0
                out.write(blob)
                updates.append((new_sid, pos, i))
                pos += len(blob)
            out.flush()
            os.fsync(out.fileno())
            out.close()
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE images SET shard=?, off=? WHERE id=?", updates)
            self._set_meta("shard", new_sid)
            self.db.execute("COMMIT")
            self._memmaps.clear()
            for s in old:
                if s < first_new:
                    os.remove(self._fpath(f"feat-{s:03d}.bin"))
            if self.first_stage == "bow":
                self.rebuild_bow()
            self.rebuild_global()
            after = sum(os.path.getsize(self._fpath(f"feat-{s:03d}.bin")) for s in range(first_new, new_sid + 1))
            return {"images": len(rows), "bytes_before": before, "bytes_after": after}

    # ------------------------------------------------------------ info

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM images").fetchone()[0])

    def stats(self) -> dict:
        size = sum(os.path.getsize(os.path.join(self.path, f)) for f in os.listdir(self.path))
        return {"images": len(self), "texts": len(self._text_rows), "bytes_on_disk": size,
                "pending_delta": len(self._delta) if self.first_stage == "bow" else len(self._gidx.delta_ids),
                "first_stage": self.first_stage,
                "embeddings": textmod.embedder().loaded}

    def keys(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT key FROM images UNION SELECT key FROM texts")]

    # ------------------------------------------------------------ text helpers

    def _expand(self, words: list[str]) -> dict[str, set[str]]:
        return textmod.expand_concepts(words, self.concepts)

    def _doc_tokens(self, body: str) -> list[str]:
        # words, the concepts they name (any language) and names' consonant skeletons (any script)
        return textmod.tokens(body) + textmod.concept_tokens(body, self.concepts) + textmod.name_tokens(body)

    def _text_scores(self, text: str, concepts: textmod.ConceptHook = None) -> tuple[dict[str, tuple[float, dict]], list[str]]:
        """group -> (text score 0..1, evidence) for the best text document of each group."""
        flags = []
        script = textmod.script_of(text)
        if script == "other":
            flags.append("text:unexpected_script")
        hook = concepts if concepts is not None else self.concepts
        qtoks = textmod.tokens(text) + textmod.concept_tokens(text, hook) + textmod.name_tokens(text)
        lex = self._lex.score(qtoks) if qtoks else {}
        sem: dict[int, float] = {}
        emb = textmod.embedder()
        if emb.available and self._temb.ntotal:
            q = emb.query(text)
            k = min(self._temb.ntotal, 200)
            D, Idx = self._temb.search(q.reshape(1, -1), k)
            sem = {int(i): float(d) for d, i in zip(D[0], Idx[0], strict=True) if i >= 0}
        elif not emb.available:
            flags.append("text:lexical_only")
        sc = self.cal.get("semantic", {"lo": 0.80, "hi": 0.92})
        typed = textmod.typed_words(text)
        out: dict[str, tuple[float, dict]] = {}
        for tid in set(lex) | set(sem):
            row = self._text_rows.get(tid)
            if row is None:
                continue
            key, grp, _meta = row
            ls, matched = lex.get(tid, (0.0, set()))
            cos = sem.get(tid)
            ss = 0.0 if cos is None else min(1.0, max(0.0, (cos - sc["lo"]) / (sc["hi"] - sc["lo"])))
            lw = self.cal.get("text_lexical_weight", 0.35)
            s = lw * ls + (1 - lw) * ss if emb.available else ls
            terms = sorted(t for t in matched if ":" not in t)
            ev = {"text_key": key, "matched_terms": terms,
                  "matched_words": sorted({w for t in terms for w in typed.get(t, [t])}),
                  "matched_names": sorted(t[5:] for t in matched if t.startswith("name:")),
                  "matched_concepts": sorted(t[8:] for t in matched if t.startswith("concept:")),
                  "lexical": round(ls, 4), "semantic_cosine": None if cos is None else round(cos, 4)}
            if grp not in out or s > out[grp][0]:
                out[grp] = (s, ev)
        return out, flags

    # ------------------------------------------------------------ query

    def _image_conf(self, inliers: int) -> float:
        c = self.cal["image"]
        return _sigmoid(c["a"] + c["b"] * math.log1p(inliers))

    def query(self, images: Iterable | None = None, text: str | None = None, facets: dict | None = None,
              filters: dict | None = None, top: int = 10, allowed_keys: set | Callable[[str, str], bool] | None = None,
              group: bool = True, concepts: textmod.ConceptHook = None, include_below_threshold: bool = False) -> QueryResult:
        """Rank register entries against query photos and/or words.

        images: paths / bytes / arrays (several photos of the same object are combined).
        text: a few words in any language. facets: boosts, e.g. {"material": "bronze"};
        filters: hard facet filters, same shape. allowed_keys: a set of keys or groups the caller
        may see, or a callable (key, group) -> bool; applied before truncation to ``top``, and the
        number of confident matches it hid is returned as ``hidden_count``.
        Candidates below the no-match threshold are omitted unless include_below_threshold.
        """
        t0 = time.perf_counter()
        images = list(images or [])
        if not images and not (text and text.strip()):
            raise EngineError("query needs at least one image or some text")
        flags: list[str] = []
        with self._lock:
            # --- image evidence, per image key
            per_image: dict[int, dict] = {}
            for qi, src in enumerate(images):
                img = load_image(src)  # BadImageError propagates: the caller must know
                qf = orb_features(img, query=True)
                if len(qf.des) < 30:
                    flags.append(f"image{qi}:low_texture")
                soft = self._vocab.assign_multi(qf.des, QUERY_SOFT_WORDS)
                qkp = np.repeat(np.arange(len(qf.des)), soft.shape[1])
                if self.first_stage == "bow":
                    short, pairs = self._bow_scores(soft.ravel(), qf.des, 400, qkp)
                else:
                    qv = default_descriptor().describe_regions(qf.des, qf.xy, qf.size)
                    sims = self._gidx.search(qv, GLOBAL_K, self._live)
                    cand = sorted(sims, key=lambda i: -sims[i])[:GLOBAL_K]
                    short, pairs = self._word_matches(cand, soft.ravel(), qf.des, qkp)
                pdq, _q = pdq_hash(img)
                if self._pdq.ntotal:
                    D, Idx = self._pdq.search(pdq.reshape(1, 32), min(10, self._pdq.ntotal))
                    near = [(int(i), int(d)) for d, i in zip(D[0], Idx[0], strict=True) if i >= 0 and d <= PDQ_NEAR]
                else:
                    near = []
                order = [i for i, _ in near] + [i for i, _ in short]
                bow_of = dict(short)
                self._verify_list(order, qf, img, allowed_keys, per_image, qi, bow_of, dict(near), pairs)
            # --- text evidence, per group
            tscores: dict[str, tuple[float, dict]] = {}
            if text and text.strip():
                tscores, tflags = self._text_scores(text, concepts)
                flags.extend(tflags)
            # --- group and fuse
            groups: dict[str, dict] = {}
            for ev in per_image.values():
                g = ev["group"] if group else ev["key"]
                cur = groups.get(g)
                if cur is None or ev["inliers"] > cur["img"]["inliers"]:
                    groups[g] = {"img": ev, "meta": ev["meta"], "keys": (cur or {}).get("keys", [])}
                groups[g]["keys"].append(ev["key"])
            for g, (s, ev) in tscores.items():
                groups.setdefault(g, {"img": None, "meta": self._text_meta(ev["text_key"]), "keys": []})
                groups[g]["text"] = (s, ev)
            cands = []
            cal = self.cal
            for g, info in groups.items():
                meta = info["meta"] or {}
                if filters and not _facets_match_all(meta, filters):
                    continue
                tsc = info.get("text", (None, None))
                img_ev = info["img"]
                nf = _facets_match_count(meta, facets) if facets else 0
                # the words alone: calibrated on the text benchmark (never a flat 1.00, see below)
                text_logit = None if tsc[0] is None else cal["text"]["a"] + cal["text"]["b"] * tsc[0]
                if images:
                    p_img = self._image_conf(img_ev["inliers"]) if img_ev else self._image_conf(0)
                    logit = _logit(p_img)
                    if tsc[0] is not None:
                        logit += cal["text_weight"] * (tsc[0] - 0.5)
                    # Fuse, never intersect: a photo that finds nothing (a poor phone photo) must not
                    # hide what the words find, so a candidate keeps at least its words-only score.
                    if text_logit is not None:
                        logit = max(logit, text_logit)
                else:
                    p_img = None
                    logit = text_logit if text_logit is not None else cal["text"]["a"]
                logit += cal["facet_boost"] * nf
                score = _sigmoid(logit)
                evidence: dict[str, Any] = {}
                if img_ev:
                    evidence["image"] = {k: img_ev[k] for k in ("key", "query_index", "inliers", "matches", "bow_score",
                                                                "ref_polygon", "ref_bbox", "query_polygon", "pdq_distance")}
                    evidence["image_keys"] = info["keys"]
                if tsc[1]:
                    evidence["text"] = tsc[1]
                if nf:
                    evidence["facets_matched"] = nf
                cands.append(Candidate(key=g, score=score, group=g, image_confidence=None if p_img is None else round(p_img, 4),
                                       text_score=None if tsc[0] is None else round(tsc[0], 4), evidence=evidence, meta=meta))
            similar = _share_among_alike(cands, self.threshold)
            if similar:
                flags.append("similar_objects")
            cands.sort(key=lambda c: (-c.score, c.key))
            visible, hidden = [], 0
            for c in cands:
                # The no-match threshold applies to a candidate's own confidence: look-alikes are all
                # shown (flagged similar, each with its shared, lower confidence), never dropped for
                # resembling each other.
                ok = _allowed(allowed_keys, c)
                if not ok:
                    if c.independent_score >= self.threshold:
                        hidden += 1
                    continue
                if c.independent_score < self.threshold and not include_below_threshold:
                    continue
                visible.append(c)
            return QueryResult(candidates=visible[:top], hidden_count=hidden, threshold=self.threshold, flags=flags,
                               ms=round((time.perf_counter() - t0) * 1000, 1), similar=similar)

    def _text_meta(self, text_key):
        r = self.db.execute("SELECT meta FROM texts WHERE key=?", (text_key,)).fetchone()
        return json.loads(r[0] or "{}") if r else {}

    def _verify_list(self, order, qf, img, allowed_keys, per_image, qi, bow_of, pdq_of, pairs):
        """Two-stage geometric verification of the shortlist.

        Stage A (cheap, SHORTLIST candidates): RANSAC on the Hamming-embedding word matches found
        while shortlisting, no descriptor matching. Stage B (REFINE best of stage A): full ORB
        matching with the ratio test against the stored descriptors, RANSAC again; the better of
        the two is kept. Allowed and hidden candidates are counted separately so that
        ``allowed_keys`` never starves the visible list and hidden matches can still be counted.
        """
        q_to_orig = (img.original_size[0] / img.rgb.shape[1]) / qf.scale if qf.scale else 1.0
        pr, pq, pxy = pairs
        srt = np.argsort(pr, kind="stable")
        pr_s = pr[srt]
        chosen = []
        n_allowed = n_hidden = 0
        seen = set()
        for iid in order:
            if iid in seen:
                continue
            seen.add(iid)
            if n_allowed >= SHORTLIST and n_hidden >= SHORTLIST // 2:
                break
            row = self.db.execute("SELECT key, grp, meta, shard, off, n, fw, fh, scale FROM images WHERE id=?", (iid,)).fetchone()
            if row is None:
                continue
            ok = _allowed(allowed_keys, _KeyGroup(row[0], row[1]))
            if ok and n_allowed >= SHORTLIST or (not ok and n_hidden >= SHORTLIST // 2):
                continue
            n_allowed += ok
            n_hidden += not ok
            chosen.append((iid, row))
        results = {}
        for iid, row in chosen:
            key, grp, meta, sid, off, n, fw, fh, scale = row
            a, b = np.searchsorted(pr_s, iid), np.searchsorted(pr_s, iid, side="right")
            sel = srt[a:b]
            v = ransac(pxy[sel], qf.xy[pq[sel]], (fw, fh), 1.0 / scale if scale else 1.0, q_to_orig, max_iters=2000)
            results[iid] = v
        # stage B on the most promising few
        # Stage A is noisy (few true word matches under blur/clutter), so the best few by the
        # shortlist score are refined as well as the best few by stage-A inliers.
        best = sorted(results, key=lambda i: -results[i].inliers)[:REFINE]
        for iid, _row in chosen[:REFINE_TOP]:
            if iid not in best:
                best.append(iid)
        rows = dict(chosen)
        q_index = QueryDescriptors(qf.des) if best else None
        for iid in best:
            key, grp, meta, sid, off, n, fw, fh, scale = rows[iid]
            des, xy, _w = self._read_record(sid, off, n)
            v = verify(qf.xy, qf.des, xy, des, (fw, fh), 1.0 / scale if scale else 1.0, q_to_orig, q_index)
            if v.inliers > results[iid].inliers:
                results[iid] = v
        for iid, v in results.items():
            key, grp, meta, *_ = rows[iid]
            prev = per_image.get(iid)
            if prev is None or v.inliers > prev["inliers"]:
                per_image[iid] = {"key": key, "group": grp, "meta": json.loads(meta or "{}"), "query_index": qi,
                                  "inliers": v.inliers, "matches": v.matches, "bow_score": round(bow_of.get(iid, 0.0), 4),
                                  "ref_polygon": v.ref_polygon, "ref_bbox": v.ref_bbox, "query_polygon": v.query_polygon,
                                  "pdq_distance": pdq_of.get(iid)}


def _share_among_alike(cands: list[Candidate], threshold: float) -> bool:
    """At most one register entry is the photographed object, so the candidates' confidences are
    shared as mutually exclusive hypotheses: P(i) = odds_i / (1 + sum of all odds). One confident
    candidate among weak ones keeps its confidence; four look-alike coins that each match
    (independently 0.8) fall to ~0.2 each, and are flagged ``similar``. Returns whether any were."""
    odds = [min(c.score, 1 - 1e-9) / (1 - min(c.score, 1 - 1e-9)) for c in cands]
    per_group: dict[str, float] = {}  # images of one object (group=False) are one hypothesis
    for c, o in zip(cands, odds, strict=True):
        per_group[c.group] = max(o, per_group.get(c.group, 0.0))
    total = 1.0 + sum(per_group.values())
    alike = {c.group for c in cands if c.score >= threshold}
    for c, o in zip(cands, odds, strict=True):
        c.independent_score = round(c.score, 4)
        c.score = round(o / total, 4)
        c.similar = len(alike) > 1 and c.independent_score >= threshold
    return len(alike) > 1


class _KeyGroup:
    __slots__ = ("key", "group")

    def __init__(self, key, group):
        self.key = key
        self.group = group


def _allowed(allowed, c) -> bool:
    if allowed is None:
        return True
    if callable(allowed):
        return bool(allowed(c.key, c.group))
    if c.key in allowed or c.group in allowed:
        return True
    # a grouped candidate is visible if any of its image keys is
    keys = getattr(c, "evidence", {}).get("image_keys", []) if hasattr(c, "evidence") else []
    return any(k in allowed for k in keys)


def _norm_values(v) -> set[str]:
    if v is None:
        return set()
    if isinstance(v, (list, tuple, set, frozenset)):
        return {textmod.normalize(str(x)) for x in v}
    return {textmod.normalize(str(v))}


def _facets_match_count(meta: dict, facets: dict) -> int:
    return sum(1 for f, want in facets.items() if _norm_values(meta.get(f)) & _norm_values(want))


def _facets_match_all(meta: dict, filters: dict) -> bool:
    return all(_norm_values(meta.get(f)) & _norm_values(want) for f, want in filters.items())
