"""Descriptor variants for global_variants.py. A variant is named by '+'-joined options:

  shipped    the shipped codebook and projection (GV_MODEL_PREFIX=/path/old reads /path/old_mean.npy
             etc. instead); without it the projection is retrained on the cached seed-5 pairs

  k<K>       codebook size (32: the shipped one; others trained on the scikit-image photos)
  ma<M>      multiple assignment: each descriptor to its M nearest codewords (weights 1, 1/2, 1/4 ...)
  rn         residual normalisation: each residual to unit length before summing
  b<T>       burstiness: a descriptor's weight is 1/sqrt(number of descriptors of its image within
             Hamming distance T, itself included)
  p<X>       power normalisation exponent (default 0.5)
  r15        query regions: the shipped 6 + a 3x3 grid of half-size windows
  trreg      the projection also trained on each training photo's region nearest its register image
  kth        region fusion: each region's similarities minus its 200th best, then max
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from turath_engine import globaldesc as G  # noqa: E402

_CB = {}
_MEMO = {}


def _shipped(name):
    # GV_MODEL_PREFIX: another copy of the shipped files (e.g. the previous model's, to compare)
    pre = os.environ.get("GV_MODEL_PREFIX")
    return np.load(f"{pre}_{name}.npy" if pre else G.MODEL_FILES[name]).astype(np.float32)


def codebook(k):
    if k == 32:
        return _shipped("codebook")
    if k not in _CB:
        p = f"/tmp/turath-gv/codebook_{k}.npy"
        if not os.path.exists(p):
            from train_vocab import training_descriptors

            d = training_descriptors(zoomed_crops=False)
            rng = np.random.default_rng(0)
            d = d[rng.choice(len(d), min(len(d), 200_000), replace=False)]
            np.save(p, G.train_codebook(d, k))
        _CB[k] = np.load(p)
    return _CB[k]


def parse(name):
    cfg = {"trreg": False, "k": 32, "ma": 1, "rn": False, "b": 0, "p": 0.5, "regions": "r6", "fusion": "max"}
    for tok in name.split("+"):
        if tok in ("base", "shipped", ""):
            continue
        if tok.startswith("k") and tok != "kth":
            cfg["k"] = int(tok[1:])
        elif tok.startswith("ma"):
            cfg["ma"] = int(tok[2:])
        elif tok == "rn":
            cfg["rn"] = True
        elif tok.startswith("b"):
            cfg["b"] = int(tok[1:])
        elif tok.startswith("p"):
            cfg["p"] = float(tok[1:])
        elif tok.startswith("r"):
            cfg["regions"] = tok
        elif tok == "kth":
            cfg["fusion"] = "kth"
        elif tok == "trreg":
            cfg["trreg"] = True
        else:
            raise ValueError(tok)
    return cfg


def burst_weights(des, t):
    import faiss

    idx = faiss.IndexBinaryFlat(256)
    idx.add(np.ascontiguousarray(des))
    lims, _, _ = idx.range_search(np.ascontiguousarray(des), t + 1)  # strictly below t+1
    return 1.0 / np.sqrt(np.maximum(np.diff(lims), 1))


def raw(des, cb, cfg):
    k = len(cb)
    out = np.zeros((k, 256), np.float32)
    if len(des):
        bits = np.unpackbits(np.asarray(des, np.uint8), axis=1).astype(np.float32)
        s = np.einsum("nd,kd->nk", bits, 2 * cb) - (cb * cb).sum(1)
        m = cfg["ma"]
        if m == 1:
            a = np.argmax(s, 1)[:, None]
        else:
            a = np.argsort(-s, 1)[:, :m]
        w = np.ones(len(des), np.float32)
        if cfg["b"]:
            w = burst_weights(des, cfg["b"]).astype(np.float32)
        for j in range(a.shape[1]):
            aj = a[:, j]
            r = bits - cb[aj]
            if cfg["rn"]:
                r /= np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-9)
            r *= (w * 0.5 ** j)[:, None]
            _scatter(out, aj, r)
        out = np.sign(out) * np.abs(out) ** cfg["p"]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    v = out.ravel()
    return v / max(float(np.linalg.norm(v)), 1e-9)


def _scatter(out, a, r):
    order = np.argsort(a, kind="stable")
    sa = a[order]
    starts = np.flatnonzero(np.r_[True, sa[1:] != sa[:-1]])
    out[sa[starts]] += np.add.reduceat(r[order], starts, axis=0)


R6 = G.REGIONS
R15 = R6 + tuple((x, y, x + 0.5, y + 0.5) for y in (0, 0.25, 0.5) for x in (0, 0.25, 0.5))


def regions(cfg):
    return {"r6": R6, "r15": R15, "r1": R6[:1]}[cfg["regions"]]


def query_raws(des, xy, size, cb, cfg):
    w, h = size
    raws = [raw(des, cb, cfg)]
    for x0, y0, x1, y1 in regions(cfg)[1:]:
        m = (xy[:, 0] >= x0 * w) & (xy[:, 0] < x1 * w) & (xy[:, 1] >= y0 * h) & (xy[:, 1] < y1 * h)
        if m.sum() >= G.MIN_REGION_FEATURES:
            raws.append(raw(des[m], cb, cfg))
    return np.stack(raws)


def train_projection(refs, queries, dim=256, pca_dim=512, reg=0.1):
    """As globaldesc.train_projection, with the first PCA through the Gram matrix (raw dim may be
    far above the number of training vectors)."""
    allx = np.concatenate([refs, queries]).astype(np.float64)
    mean = allx.mean(0)
    xc = allx - mean
    gram = xc @ xc.T
    ev, u = np.linalg.eigh(gram)
    top = np.argsort(-ev)[:pca_dim]
    p1 = (xc.T @ u[:, top]) / np.sqrt(np.maximum(ev[top], 1e-12))  # (raw, pca_dim), orthonormal columns
    return G.whiten_after_pca(refs, queries, mean, p1, dim, reg)


def project(x, mean, proj):
    y = (np.atleast_2d(x) - mean) @ proj
    return y / np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-9)


def run(name, tr_ref, tr_q, refs, queries, qids):
    cfg = parse(name)
    cb = codebook(cfg["k"])
    key = (name.startswith("shipped"), cfg["k"], cfg["ma"], cfg["rn"], cfg["b"], cfg["p"], cfg["trreg"])
    if key not in _MEMO:  # query-side variants share the trained projection and reference vectors
        if key[0]:
            mean, proj = _shipped("mean"), _shipped("proj")
        else:
            A = np.stack([raw(d, cb, cfg) for d, _, _ in tr_ref])
            B = np.stack([raw(d, cb, cfg) for d, _, _ in tr_q])
            if cfg["trreg"]:  # also each training photo's region nearest its register image
                best = []
                for a_, (d, xy, size) in zip(A, tr_q, strict=True):
                    qr = query_raws(d, xy, size, cb, cfg)[1:]
                    best.append(qr[np.argmax(qr @ a_)] if len(qr) else None)
                keep = [j for j, b_ in enumerate(best) if b_ is not None]
                A = np.concatenate([A, A[keep]])
                B = np.concatenate([B, np.stack([best[j] for j in keep])])
            mean, proj = train_projection(A, B)
        _MEMO[key] = mean, proj, project(np.stack([raw(d, cb, cfg) for d, _, _ in refs]), mean, proj)
    mean, proj, R = _MEMO[key]
    ranks = []
    for (i, _cat), (d, xy, size) in zip(qids, queries, strict=True):
        qv = project(query_raws(d, xy, size, cb, cfg), mean, proj)
        sims = qv @ R.T
        if cfg["fusion"] == "kth":
            kk = min(200, sims.shape[1]) - 1
            sims = sims - np.partition(sims, -kk - 1, axis=1)[:, -kk - 1:-kk]
        s = sims.max(0)
        ranks.append(int((s > s[i]).sum()) + 1)
    return ranks
