"""The index's text documents (descriptions, inscriptions, titles): their rows, the lexical index in
memory (words, the concepts they name, names' consonant skeletons) and the sentence embeddings in
faiss (``text.faiss``), and the text score of each register entry for a query's words.

The text processing itself (normalising, concepts, names, embeddings) is ``text``."""

from __future__ import annotations

import json

import numpy as np

from . import embedding
from . import text as textmod
from .storage import Store

EMBED_DIM = 384


def _empty_embeddings():
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(EMBED_DIM))


def index_tokens(body: str, concepts: textmod.ConceptHook) -> list[str]:
    # of a document and of a query's words alike: words, the concepts they name (any language) and names' consonant skeletons (any script)
    return textmod.tokens(body) + textmod.concept_tokens(body, concepts) + textmod.name_tokens(body)


class TextIndex:
    def __init__(self, store: Store):
        self.store = store

    def load(self, concepts: textmod.ConceptHook) -> bool:
        """Read the documents into the lexical index and load the embeddings; returns whether
        ``text.faiss`` was behind the database (to be flushed)."""
        self.lex = textmod.LexicalIndex()
        self.rows: dict[int, tuple[str, str, dict]] = {}
        for tid, key, grp, meta, body in self.store.db.execute("SELECT id, key, grp, meta, body FROM texts"):
            self.rows[tid] = (key, grp, json.loads(meta or "{}"))
            self.lex.add(tid, index_tokens(body, concepts))
        self.emb, behind = self.store.id_index("text.faiss", _empty_embeddings,
                                               "SELECT id, emb FROM texts WHERE emb IS NOT NULL", np.float32)
        return behind

    @staticmethod
    def embed(text: str, embed_text: str | None) -> np.ndarray | None:
        """The passage embedding of a document (of ``embed_text``, its gist, when given), or None
        when the model is off."""
        model = embedding.embedder()
        if not model.available:
            return None
        return model.passages([embed_text if embed_text and embed_text.strip() else text])[0]

    def id_of(self, key: str) -> int | None:
        r = self.store.db.execute("SELECT id FROM texts WHERE key=?", (key,)).fetchone()
        return r[0] if r else None

    def add(self, key: str, grp: str, meta: dict, text: str, lang: str | None, emb: np.ndarray | None,
            concepts: textmod.ConceptHook) -> None:
        old = self.id_of(key)
        if old is not None:
            self.remove_id(old)
        cur = self.store.db.execute("INSERT INTO texts(key, grp, meta, body, lang, emb) VALUES (?,?,?,?,?,?)",
                                    (key, grp, json.dumps(meta, ensure_ascii=False), text, lang,
                                     emb.tobytes() if emb is not None else None))
        tid = cur.lastrowid
        self.rows[tid] = (key, grp, meta)
        self.lex.add(tid, index_tokens(text, concepts))
        if emb is not None:
            self.emb.add_with_ids(emb.reshape(1, -1), np.array([tid], np.int64))

    def remove_id(self, tid: int) -> None:
        self.store.db.execute("DELETE FROM texts WHERE id=?", (tid,))
        self.rows.pop(tid, None)
        self.lex.remove(tid)
        if self.emb.ntotal:
            self.emb.remove_ids(np.array([tid], np.int64))

    def meta_of(self, text_key: str) -> dict:
        r = self.store.db.execute("SELECT meta FROM texts WHERE key=?", (text_key,)).fetchone()
        return json.loads(r[0] or "{}") if r else {}

    def scores(self, text: str, concepts: textmod.ConceptHook, cal: dict) -> tuple[dict[str, tuple[float, dict]], list[str]]:
        """group -> (text score 0..1, evidence) for the best text document of each group, and flags."""
        flags = []
        script = textmod.script_of(text)
        if script == "other":
            flags.append("text:unexpected_script")
        qtoks = index_tokens(text, concepts)
        lex = self.lex.score(qtoks) if qtoks else {}
        sem: dict[int, float] = {}
        emb = embedding.embedder()
        if emb.available and self.emb.ntotal:
            q = emb.query(text)
            k = min(self.emb.ntotal, 200)
            D, Idx = self.emb.search(q.reshape(1, -1), k)
            sem = {int(i): float(d) for d, i in zip(D[0], Idx[0], strict=True) if i >= 0}
        elif not emb.available:
            flags.append("text:lexical_only")
        sc = cal.get("semantic", {"lo": 0.80, "hi": 0.92})
        typed = textmod.typed_words(text)
        out: dict[str, tuple[float, dict]] = {}
        for tid in set(lex) | set(sem):
            row = self.rows.get(tid)
            if row is None:
                continue
            key, grp, _meta = row
            ls, matched = lex.get(tid, (0.0, set()))
            cos = sem.get(tid)
            ss = 0.0 if cos is None else min(1.0, max(0.0, (cos - sc["lo"]) / (sc["hi"] - sc["lo"])))
            lw = cal.get("text_lexical_weight", 0.35)
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
