"""The index's images: their rows and records, which are live, and the structures that find them
(PDQ hashes for near-duplicates; the first stage: the global descriptors' snapshot + delta, or the
inverted file of visual words). Searching them with a photo is ``image_search``."""

from __future__ import annotations

import json

import numpy as np

from . import visual_words
from .fingerprints import Fingerprint
from .storage import Store
from .visual_words import InvertedFile

FIRST_STAGES = ("global", "bow")


class ImageIndex:
    DERIVED_FILES = (*visual_words.FILES, "pdq.faiss", "global.faiss")  # rebuilt from the database by repair

    def __init__(self, store: Store, vocab, first_stage: str):
        self.store = store
        self.vocab = vocab
        self.first_stage = first_stage
        self.words = InvertedFile(store, vocab.k)

    @property
    def uses_words(self) -> bool:
        """Whether the first stage is the inverted file (else the global descriptors' ANN index)."""
        return self.first_stage == "bow"

    def load(self) -> bool:
        """Load the derived structures; returns whether a file was behind the database (to be flushed)."""
        import faiss

        db = self.store.db
        max_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM images").fetchone()[0]
        self.live = np.zeros(max_id + 1 + 1024, dtype=bool)
        for (i,) in db.execute("SELECT id FROM images"):
            self.live[i] = True
        self.words.load(enabled=self.uses_words)
        self.gidx, stale = self.store.load_global(lambda sid, off, n: self.store.read_record(sid, off, n)[0])
        self.pdq, behind = self.store.id_index("pdq.faiss", lambda: faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(256)),
                                               "SELECT id, pdq FROM images", np.uint8)
        return behind or stale

    def id_of(self, key: str) -> int | None:
        r = self.store.db.execute("SELECT id FROM images WHERE key=?", (key,)).fetchone()
        return r[0] if r else None

    def add(self, key: str, grp: str, meta: dict, fp: Fingerprint, commit: bool = True) -> None:
        """Store one image (replacing ``key``), in its own transaction unless ``commit`` is False (the
        caller holds one); the structures in memory learn of it once it is in the database."""
        with self.store.transaction(commit):
            old = self.id_of(key)
            if old is not None:
                self.remove_id(old)
            f = fp.feats
            sid, off = self.store.append_record(f.des, f.xy, fp.words)
            cur = self.store.db.execute(
                "INSERT INTO images(key, grp, meta, shard, off, n, fw, fh, scale, pdq, quality, gdesc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, grp, json.dumps(meta, ensure_ascii=False), sid, off, len(f.des), f.size[0],
                 f.size[1], f.scale, fp.pdq.tobytes(), fp.quality, fp.gdesc.astype(np.float16).tobytes()))
        self._mark_added(cur.lastrowid, fp)

    def _mark_added(self, iid: int, fp: Fingerprint) -> None:
        if iid >= len(self.live):
            self.live = np.concatenate([self.live, np.zeros(max(1024, iid + 1 - len(self.live)), bool)])
        self.live[iid] = True
        self.pdq.add_with_ids(fp.pdq.reshape(1, 32), np.array([iid], np.int64))
        if self.uses_words:
            self.words.add(iid, fp.words, fp.feats.des, fp.feats.xy)
        self.gidx.add(iid, fp.gdesc.astype(np.float16).astype(np.float32))

    def remove_id(self, iid: int) -> None:
        self.store.db.execute("DELETE FROM images WHERE id=?", (iid,))
        if iid < len(self.live):
            self.live[iid] = False
        self.words.remove(iid)
        self.pdq.remove_ids(np.array([iid], np.int64))

    def count(self) -> int:
        return int(self.store.db.execute("SELECT COUNT(*) FROM images").fetchone()[0])

    def pending(self) -> int:
        """Images not yet folded into the first stage's built structure."""
        return len(self.words.delta) if self.uses_words else len(self.gidx.delta_ids)

    # ------------------------------------------------------------ rebuilding

    def rebuild_words(self) -> None:
        self.words.rebuild()

    def rebuild_global(self) -> None:
        self.store.rebuild_global(self.gidx)
        # images added while rebuilding cannot exist (the engine's lock), so the delta is empty

    def fold(self) -> None:
        """Fold the delta into the first stage's built structure when it has grown."""
        n_live = int(self.live.sum())
        if self.uses_words and (self.words.bow is None or len(self.words.delta) > max(200, 0.05 * n_live)):
            self.rebuild_words()
        if self.gidx.snapshot is None or len(self.gidx.delta_ids) > max(200, 0.05 * n_live):
            self.rebuild_global()

    def rebuild_first_stage(self) -> None:
        if self.uses_words:
            self.rebuild_words()
        self.rebuild_global()

    def compact(self) -> dict:
        """Rewrite the shards without the records of removed images, then rebuild the first stage."""
        info = self.store.rewrite_shards()
        self.rebuild_first_stage()
        return info

