"""ONNX export (FP32) and static QDQ quantization (INT8), written graph by graph.

onnxruntime's Python quantizer is not packaged by Debian, so the QDQ graph is built here
directly from the PyTorch modules: the nets are plain chains, which keeps this short and
lets every tensor name and scale be chosen on purpose.

INT8 layout, the one ONNX Runtime fuses into QLinearConv:
  DQ(u8 act) , DQ(int8 W, per-channel symmetric, axis 0) , DQ(int32 bias, s_x*s_w) -> Conv -> Relu -> Q(u8, zp 0)
Models take the frame's uint8 luma (dequantized at 1/255, exact) and branches return uint8
luma: the final QuantizeLinear at 1/255 is the rounding to 8-bit video a frame needs anyway,
and lets ONNX Runtime run the residual Add on bytes; the sub-pixel shuffle is the engine's merge.
"""
import hashlib
import json
import os
import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .nets import CLASS_NAMES, SCALE, Branch, Classifier, branch_halo

OPSET = 13


class GraphBuilder:
    def __init__(self, quant, weight_bits=8, first_bits=7):
        self.nodes, self.inits = [], []
        self.quant = quant
        self.qmax = 2 ** (weight_bits - 1) - 1
        self.first_qmax = 2 ** (first_bits - 1) - 1
        self.n = 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, arr):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(arr, nm))
        return nm

    def node(self, op, inputs, base, **attrs):
        out = self.name(base)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out + "_node", **attrs))
        return out

    def qdq(self, x, scale, zp, base):
        """Quantize + dequantize a float tensor to uint8 at (scale, zp)."""
        s = self.const(base + "_scale", np.array(scale, np.float32))
        z = self.const(base + "_zp", np.array(zp, np.uint8))
        q = self.node("QuantizeLinear", [x, s, z], base + "_q")
        return self.node("DequantizeLinear", [q, s, z], base + "_dq")

    def conv(self, x, mod, x_scale, base, qmax=None):
        w = mod.weight.detach().numpy().astype(np.float32)
        b = mod.bias.detach().numpy().astype(np.float32)
        k = mod.kernel_size[0]
        pad = mod.padding[0]
        stride = mod.stride[0]
        attrs = dict(kernel_shape=[k, k], pads=[pad] * 4, strides=[stride, stride])
        if not self.quant:
            return self.node("Conv", [x, self.const(base + "_W", w), self.const(base + "_B", b)], base, **attrs)
        qmax = qmax or self.qmax
        amax = np.abs(w).reshape(w.shape[0], -1).max(axis=1)
        ws = np.maximum(amax, 1e-8) / qmax
        wq = np.clip(np.rint(w / ws[:, None, None, None]), -qmax, qmax).astype(np.int8)
        bs = (x_scale * ws).astype(np.float32)
        bq = np.rint(b / bs).astype(np.int32)
        wdq = self.node("DequantizeLinear", [self.const(base + "_Wq", wq), self.const(base + "_Ws", ws.astype(np.float32)),
                                             self.const(base + "_Wz", np.zeros(len(ws), np.int8))], base + "_Wdq", axis=0)
        bdq = self.node("DequantizeLinear", [self.const(base + "_Bq", bq), self.const(base + "_Bs", bs),
                                             self.const(base + "_Bz", np.zeros(len(bs), np.int32))], base + "_Bdq", axis=0)
        return self.node("Conv", [x, wdq, bdq], base, **attrs)


def unfold_channels(k):
    """Channels of the unfolded input: k*k taps rounded up to a multiple of 16 (the extra ones get zero weights).

    Measured with ONNX Runtime's profiler (VNNI Xeon, 320x180, large branch): the 1x1 convolution over 25 channels
    took 4.1 ms of a 15.2 ms run; over 32 the whole run took 11.6 ms, same output. Its INT8 GEMM kernels want the
    reduction in whole blocks; the 7 extra copies cost 7 bytes per pixel of memory traffic.
    """
    return round_up(k * k, 16)


def unfold_input(g, y, k):
    """k*k shifted copies of the uint8 luma, stacked as channels ([N,unfold_channels(k),H,W], zero border); the
    channels past k*k repeat the first copy and meet zero weights.

    A k x k convolution over one channel is then a 1x1 convolution over k*k channels. ONNX
    Runtime's INT8 convolution is slow on a single input channel (measured: the 5x5 first layer
    took a quarter of the large branch's time for 8% of its MACs); as a 1x1 it is a plain GEMM.
    The copies are bytes, so the unfold costs k*k bytes per pixel of memory traffic, no arithmetic.
    """
    r = k // 2
    pads = g.const("unfold_pads", np.array([0, 0, r, r, 0, 0, r, r], np.int64))
    xp = g.node("Pad", [y, pads, g.const("unfold_zero", np.array(0, np.uint8))], "unfold_pad")
    axes = g.const("unfold_axes", np.array([2, 3], np.int64))
    big = np.iinfo(np.int64).max
    parts = []
    for i in range(k):
        for j in range(k):
            starts = g.const("unfold_s", np.array([i, j], np.int64))
            ends = g.const("unfold_e", np.array([i - (k - 1) if i < k - 1 else big,
                                                 j - (k - 1) if j < k - 1 else big], np.int64))
            parts.append(g.node("Slice", [xp, starts, ends, axes], "unfold_slice"))
    parts += [parts[0]] * (unfold_channels(k) - k * k)
    return g.node("Concat", parts, "unfold", axis=1)


def conv_layers(seq):
    """Conv2d modules of a Conv/ReLU chain, in order."""
    return [m for m in seq if isinstance(m, torch.nn.Conv2d)]


def round_up(n, m):
    return (n + m - 1) // m * m


@torch.no_grad()
def pad_branch(model, mult=16):
    """The same function with every hidden width rounded up to a multiple of `mult` (zero weights).

    Measured on ONNX Runtime 1.31 (AVX2, NHWC QLinearConv): a 3x3 conv 12->12 ran at 11 GMAC/s
    and 8->8 at 9 GMAC/s, against 33 GMAC/s for 16->16, so the medium branch (7.6K MACs/px) was
    slower than the large one (16.6K). Zero channels stay zero through ReLU: outputs are identical.
    """
    sh = model.shape
    p = Branch(d=round_up(sh["d"], mult), s=round_up(sh["s"], mult), m=sh["m"], e=round_up(sh["e"], mult))
    for mod in p.modules():
        if isinstance(mod, torch.nn.Conv2d):
            mod.weight.zero_()
            mod.bias.zero_()
    for src, dst in zip(conv_layers(model.body) + [model.tail], conv_layers(p.body) + [p.tail]):
        o, i = src.weight.shape[:2]
        dst.weight[:o, :i] = src.weight
        dst.bias[:o] = src.bias
    return p


def as_pointwise(conv):
    """The same weights as a 1x1 convolution over the unfolded channels (channel i*k+j = tap (i, j); zero weights on
    the padding channels past k*k)."""
    d, _, k, _ = conv.weight.shape
    pw = torch.nn.Conv2d(unfold_channels(k), d, 1)
    with torch.no_grad():
        pw.weight.zero_()
        pw.weight[:, :k * k].copy_(conv.weight.reshape(d, k * k, 1, 1))
        pw.bias.copy_(conv.bias)
    return pw


@torch.no_grad()
def activation_ranges(modules, x):
    """Max of each ReLU output (zero-based uint8 range), per conv of the chain, over the calibration batch."""
    maxes = []
    for m in modules:
        x = m(x)
        if isinstance(m, torch.nn.ReLU):
            maxes.append(float(x.max()))
    return maxes, x


def build_branch(model, quant, calib=None, weight_bits=8, first_bits=7):
    """uint8 luma in [N,1,H,W], uint8 luma out as [N,16,H,W]: plane dy*4+dx holds HR pixel (4y+dy, 4x+dx), the frame's
    own bytes, so the engine places them and converts nothing.

    The output's QuantizeLinear at 1/255 is the rounding to 8-bit video that a frame needs anyway.
    """
    g = GraphBuilder(quant, weight_bits, first_bits)
    inv255 = np.array(1.0 / 255.0, np.float32)
    s_in, z_in = g.const("in_scale", inv255), g.const("in_zp", np.array(0, np.uint8))
    x = g.node("DequantizeLinear", ["y", s_in, z_in], "in_dq")
    cur, cur_scale = x, 1.0 / 255.0
    if quant:
        with torch.no_grad():
            maxes, feat = activation_ranges(list(model.body), calib)
            t = model.tail(feat)
            tmin, tmax = float(t.min()), float(t.max())
    for i, conv in enumerate(conv_layers(model.body)):
        if i == 0 and quant:
            k = conv.kernel_size[0]
            unfolded = g.node("DequantizeLinear", [unfold_input(g, "y", k), s_in, z_in], "unfold_dq")
            cur = g.conv(unfolded, as_pointwise(conv), cur_scale, f"conv{i}", g.first_qmax)
        else:
            cur = g.conv(cur, conv, cur_scale, f"conv{i}")
        cur = g.node("Relu", [cur], f"relu{i}")
        if quant:
            cur_scale = max(maxes[i], 1e-6) / 255.0
            cur = g.qdq(cur, cur_scale, 0, f"act{i}")
    cur = g.conv(cur, model.tail, cur_scale, "tail")
    if quant:
        lo, hi = min(tmin, 0.0), max(tmax, 0.0)
        s = max(hi - lo, 1e-6) / 255.0
        cur = g.qdq(cur, s, int(np.clip(np.rint(-lo / s), 0, 255)), "tail_out")
    cur = g.node("Add", [cur, x], "residual")
    s_out, z_out = g.const("out_scale", inv255), g.const("out_zp", np.array(0, np.uint8))
    # The sub-pixel shuffle is left to the engine's merge, which interleaves the 16 phase planes straight into the
    # frame: ONNX Runtime's DepthToSpace took 8-12% of a branch run (its profiler, both precisions). Planes, not
    # NHWC: with NHWC output the residual Add ran in NHWC, and its broadcast over the phases took 14% of an INT8 run.
    g.node("QuantizeLinear", [cur, s_out, z_out], "out_q")
    g.nodes[-1].output[0] = "sr"
    return g, "y", "sr", ["N", 1, "H", "W"], ["N", SCALE * SCALE, "H", "W"]


def build_classifier(model, quant, calib=None, weight_bits=8, first_bits=7):
    g = GraphBuilder(quant, weight_bits, first_bits)
    mods = list(model.features)
    inv255 = np.array(1.0 / 255.0, np.float32)
    cur = g.node("DequantizeLinear", ["tile", g.const("in_scale", inv255), g.const("in_zp", np.array(0, np.uint8))], "in_dq")
    cur_scale = 1.0 / 255.0
    if quant:
        maxes, _ = activation_ranges(mods, calib)
    for i, conv in enumerate(conv_layers(mods)):
        cur = g.conv(cur, conv, cur_scale, f"conv{i}", g.first_qmax if i == 0 else None)
        cur = g.node("Relu", [cur], f"relu{i}")
        if quant:
            cur_scale = max(maxes[i], 1e-6) / 255.0
            cur = g.qdq(cur, cur_scale, 0, f"act{i}")
    cur = g.node("GlobalAveragePool", [cur], "pool")
    cur = g.node("Flatten", [cur], "flat", axis=1)
    w = model.fc.weight.detach().numpy().astype(np.float32)
    b = model.fc.bias.detach().numpy().astype(np.float32)
    cur = g.node("Gemm", [cur, g.const("fc_W", w), g.const("fc_B", b)], "fc", transB=1)
    g.nodes[-1].output[0] = "logits"
    return g, "tile", "logits", ["N", 1, "H", "W"], ["N", 3]


def save_model(g, inp, out, in_shape, out_shape, path, meta, out_type):
    graph = helper.make_graph(
        g.nodes, os.path.basename(path),
        [helper.make_tensor_value_info(inp, TensorProto.UINT8, in_shape)],
        [helper.make_tensor_value_info(out, out_type, out_shape)],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="classsr-edge-recipe")
    model.ir_version = 8
    for k, v in meta.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=str(v)))
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def to_unit(u8):
    return torch.from_numpy(u8).float().unsqueeze(1).div_(255.0)


def export_all(branches, classifier, calib_lr_u8, out_dir, split, weight_bits=8, first_bits=7, recipe=None, pad=True,
               int8_branches=None):
    """Writes {classifier,small,medium,large}.{fp32,int8}.onnx and manifest.json (shapes, costs, hashes).

    int8_branches: weights fine-tuned for INT8 (quantization-aware) that replace the float ones in the INT8 files.

    PSNR figures are added to the manifest later by the evaluate step (ONNX Runtime, through the C# eval).
    """
    os.makedirs(out_dir, exist_ok=True)
    calib = to_unit(calib_lr_u8)
    info = {"scale": SCALE, "colour": "Y",
            "normalization": "uint8 BT.601 limited-range luma in (dequantized at 1/255 inside the graph); branches output uint8 luma, the classifier float logits",
            "tile": 32, "stride": 32,
            "thresholds": {"psnr_simple_min": split["psnr_simple_min"], "psnr_hard_max": split["psnr_hard_max"],
                           "large_iterations": split.get("large_it")},
            "routing": split.get("routing", {}),
            "weight_bits": weight_bits, "first_layer_weight_bits": first_bits, "recipe": recipe or {}, "models": []}
    jobs = [("classifier", classifier, build_classifier, classifier.macs_per_lr_pixel, 0)]
    for name in CLASS_NAMES:
        m = branches[name]
        jobs.append((name, m, build_branch, m.macs_per_lr_pixel, branch_halo(**m.shape)))
    for name, model0, builder, macs0, halo in jobs:
        model0.eval()
        for prec, quant in (("fp32", False), ("int8", True)):
            # Padded widths only where they pay: INT8 (see pad_branch); FP32's NCHWc kernels were
            # slower padded (small branch 13.6 -> 23.7 ms at 320x180). MACs are as executed.
            model, macs = model0, macs0
            if quant and int8_branches and name in int8_branches:
                model = int8_branches[name].eval()
            if quant and pad and name != "classifier":
                model = pad_branch(model).eval()
                first = conv_layers(model.body)[0]
                k = first.kernel_size[0]
                macs = model.macs_per_lr_pixel + (unfold_channels(k) - k * k) * first.out_channels
            g, i, o, ish, osh = builder(model, quant, calib if quant else None, weight_bits, first_bits)
            fname = f"{name}.{prec}.onnx"
            meta = {"classsr.role": name, "classsr.precision": prec, "classsr.macs_per_lr_pixel": macs,
                    "classsr.halo": halo, "classsr.scale": SCALE}
            out_type = TensorProto.FLOAT if name == "classifier" else TensorProto.UINT8
            sha = save_model(g, i, o, ish, osh, os.path.join(out_dir, fname), meta, out_type)
            shape = getattr(model, "shape", None) or {"width": model.width, "mid": model.mid}
            info["models"].append({"file": fname, "sha256": sha, "role": name, "precision": prec,
                                   "macs_per_lr_pixel": macs, "halo": halo, "shape": shape, "psnr": {}})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(info, f, indent=1)
    return info
