"""Writes the model card (models-int8/README.md) from manifest.json, so its figures are the measured ones."""
import os

from .nets import BRANCHES, CLEAN_BRANCHES, Classifier, branch_halo, branch_macs_per_lr_pixel
from .scale import SCALE

# Set5 / Set14 / B100 on the field's protocol at each scale (FSRCNN: Dong et al. 2016).
PUBLISHED = {4: {"bicubic (published)": (28.42, 26.00, 25.96), "FSRCNN (published)": (30.71, 27.59, 26.98)},
             2: {"bicubic (published)": (33.66, 30.24, 29.56), "FSRCNN (published)": (37.00, 32.63, 31.53)}}[SCALE]
# The models issues' targets for the large branch in FP32: FSRCNN's figures (x4 within a few hundredths, x2 above).
TARGET_LARGE = {4: (30.75, 27.60, 27.00), 2: (37.00, 32.63, 31.53)}[SCALE]
SETS = ("Set5", "Set14", "B100")
# The LR as it is (our bicubic) and as cameras deliver it: `eval --degrade jpeg:75` and `--degrade noise:3`.
CONDITIONS = (("", "clean"), (".jpeg75", "JPEG q75"), (".noise3", "noise σ3"))
COLUMNS = tuple(s + c for s in SETS for c, _ in CONDITIONS)
# `python3 -m classsr mix` (2-core EPYC, 2026-12-02): the v1 large branch, 2000 iterations at each camera-like share.
MIX_SWEEP = (("0 (v1)", "30.82", "28.03", "27.07", "25.60"), ("0.20", "30.79", "28.19", "27.06", "25.67"),
             ("0.35", "30.72", "28.30", "27.03", "25.73"), ("0.50", "30.62", "28.40", "26.99", "25.78"))
# Branch shapes timed (d, s, m, e; INT8 MACs per LR pixel as executed, widths padded to 16; branch ms per 320x180
# frame, median of 3 interleaved passes): `python3 -m classsr shapes --shape D,S,M,E --out DIR`, then
# `classsr-edge-bench --models DIR --only large-int8 --video off --no-opencv`, on a 2-core AMD EPYC (AVX-512 VNNI).
SHAPE_TIMES = (((16, 16, 1, 16), 5632, 3.19), ((32, 16, 2, 16), 8704, 3.77), ((16, 16, 2, 16), 7936, 4.03),
               ((32, 12, 3, 16), 11008, 4.51), ((32, 16, 3, 16), 11008, 4.51), ((56, 16, 4, 32), 17408, 6.74),
               ((56, 32, 2, 32), 28160, 7.21), ((56, 16, 6, 32), 22016, 8.48), ((56, 32, 3, 32), 37376, 8.83),
               ((56, 16, 8, 32), 26624, 9.84), ((32, 32, 4, 32), 44544, 10.59), ((56, 32, 4, 32), 46592, 11.05),
               ((56, 24, 6, 32), 65024, 15.38))
# The candidate large 56, 32, 3, 32 trained from scratch on the camera mix (`python3 -m classsr shape`, 40000
# iterations, lr 1e-3 cosine), scored by `classsr-edge eval --mode large` beside the first v2 set's large, 56, 16, 6, 32
# (2026-12-04): (set, FP32, INT8 by post-training quantization, that large FP32, its INT8).
CANDIDATE = (("Set5", 30.745, 30.704, 30.713, 30.680), ("Set5 JPEG q75", 28.426, 28.390, 28.280, 28.281),
             ("B100", 27.036, 27.025, 27.009, 26.990), ("B100 JPEG q75", 25.814, 25.803, 25.758, 25.756))
# The routing's share floors weighed (2026-12-04, this set's branches and classifier, only the offsets changed):
# `python3 -m classsr route --min-small S --min-medium M`, then `classsr-edge eval --hr B100 --mode classsr --no-promote
# --precision int8 --cost-model macs`, against large INT8 27.021 dB. (S, M, training-tile loss dB, B100 dB, B100 shares
# small / medium / large %, MACs vs large with tile halos).
ROUTE_FLOORS = ((0.30, 0.00, 0.020, 26.975, (29, 0, 71), 0.891), (0.15, 0.15, 0.015, 26.981, (15, 15, 70), 0.922),
                (0.15, 0.20, 0.019, 26.975, (16, 20, 64), 0.896), (0.10, 0.25, 0.018, 26.978, (11, 25, 64), 0.905),
                (0.20, 0.15, 0.022, 26.969, (20, 17, 63), 0.879), (0.20, 0.20, 0.027, 26.964, (21, 21, 58), 0.853),
                (0.30, 0.15, 0.035, 26.950, (29, 16, 55), 0.819))
ROUTE_FLOORS_LARGE = 27.021
# Models v1 (clean-trained), large INT8: the models v2 issue's clean floor is 0.1 dB under these.
V1_LARGE_INT8 = {"Set5": 30.78, "B100": 27.04}


def fmt(v):
    return "—" if v is None else f"{v:.2f}"


def column_title(key):
    st, _, cond = key.partition(".")
    return st if not cond else f"{st} {dict((c[1:], t) for c, t in CONDITIONS if c)[cond]}"


def render(man, bicubic=None, opencv=None):
    models = {(m["role"], m["precision"]): m for m in man["models"]}
    large_macs = models[("large", "fp32")]["macs_per_lr_pixel"]
    out = []
    w = out.append
    w(f"# ClassSR.Edge x{SCALE} model set (INT8 and FP32)\n")
    recipe_dir = "this folder's `recipe/`" if SCALE == 4 else "`../recipe/`, with `--scale 2`"
    w(f"Made by `models-int8/recipe/make.sh{' --scale 2' if SCALE == 2 else ''}` ({recipe_dir}); every figure below is measured by the product's own")
    w(f"`classsr-edge eval{' --scale 2' if SCALE == 2 else ''}` with ONNX Runtime, and regenerated with the manifest. Protocol: HR cropped to a multiple of {SCALE},")
    w(f"LR by MATLAB-compatible bicubic, PSNR/SSIM on BT.601 luma (16..235) with {SCALE} pixels cropped from each border.\n")
    if SCALE == 2:
        w("The x2 set has the x4 set's design (`../README.md`) but for its output layer, and starts from the x4 set's")
        w("weights; figures quoted in the design notes below were measured on the x4 set.\n")
    w("## Networks\n")
    w("Luma only (uint8 Y in, uint8 Y out; chroma is upscaled by bicubic in the engine). Branches are FSRCNN-style with ReLU")
    w("(ONNX Runtime has no quantized PReLU) and a sub-pixel output (conv to 16 channels + DepthToSpace; the CPU provider has no")
    w("INT8 transposed convolution), predicting a residual over nearest-neighbour upsampling. The ONNX files stop before the")
    w(f"DepthToSpace: a branch returns {SCALE * SCALE} phase planes, uint8 [N,{SCALE * SCALE},H,W] (plane dy·{SCALE}+dx holds HR pixel ({SCALE}y+dy, {SCALE}x+dx)), and the")
    w("engine's merge interleaves them into the frame (ONNX Runtime's DepthToSpace took 8-12% of a run).\n")
    w("| model | shape | MACs per LR pixel | cost vs large | INT8 file: widths padded to 16, MACs executed | receptive-field halo (LR px) |")
    w("|---|---|---|---|---|---|")
    for name, sh in BRANCHES.items():
        macs = branch_macs_per_lr_pixel(**sh)
        q = models[(name, "int8")]
        w(f"| {name} | 5x5 1→{sh['d']}, 1x1 →{sh['s']}, {sh['m']}× 3x3 {sh['s']}→{sh['s']}, 1x1 →{sh['e']}, 3x3 →{SCALE * SCALE}, DepthToSpace({SCALE}) "
          f"| {macs:.0f} | {macs / large_macs:.2f} | {q['macs_per_lr_pixel']:.0f} | {branch_halo(**sh)} |")
    c = Classifier()
    w(f"| classifier | 4x4/4 1→{c.width}, 2× 1x1 {c.width}→{c.width}, 1x1 →{c.mid}, global average pool, linear →3 "
      f"| {c.macs_per_lr_pixel:.0f} | {c.macs_per_lr_pixel / large_macs:.3f} | {c.macs_per_lr_pixel:.0f} | 0 |\n")
    fb = man.get("first_layer_weight_bits", man.get("weight_bits", 8))
    w(f"INT8 models are static QDQ: per-channel symmetric weights ({man.get('weight_bits', 8)}-bit; {fb}-bit in the layer that")
    w("reads the frame, see below), uint8 activations calibrated (min/max) on 512 training")
    w("tiles, uint8 input at 1/255 (exact for 8-bit video). The INT8 first layer is computed as a 1x1 convolution over the 25")
    w("shifted copies of the input, same weights (ONNX Runtime's INT8 convolution is slow on one input channel), padded to")
    w("32 channels with zero weights (over 25 its INT8 GEMM took 4.1 ms of v1's large branch's 15.2 ms at 320x180 on a VNNI")
    w("Xeon; over 32 the whole branch took 11.6 ms; the MACs column counts the padding). A test proves")
    w("that ONNX Runtime runs every Conv of the INT8 models as QLinearConv. INT8 branches have their hidden widths padded")
    w("with zero channels to multiples of 16 (same outputs): ONNX Runtime's INT8 convolution ran 3x slower per MAC at 8 or 12")
    w("channels than at 16.\n")
    w("Why the first layer has 7-bit weights: ONNX Runtime's u8s8 kernels on x86 AVX2 (no VNNI) multiply bytes with")
    w("VPMADDUBSW, which adds each pair of products into a saturating 16-bit sum. The first layer reads the frame itself:")
    w("neighbouring pixels are alike and near 255 in bright areas, and neighbouring taps of a smooth kernel share a sign,")
    w("so with 8-bit weights the pairs overflow (measured on this machine: small branch Set5 29.17 dB FP32, 28.81 INT8).")
    w("7-bit weights cannot overflow (2 x 255 x 63 < 32767) and cost 0.01 dB there; deeper layers see ReLU features,")
    w("rarely large together, and keep 8 bits (7 bits everywhere lost up to 0.11 dB).\n")
    w("The medium and large branches' INT8 files come from quantization-aware fine-tuning (`qat` step): float weights trained on")
    w("(lr 2e-5 cosine, the `qat` budget below) through a simulation of the INT8 export's arithmetic (rounded weights and")
    w("activations, straight-through gradients). With six mapping layers (v1's large), post-training quantization cost the large branch 0.074 dB on")
    w("Set5 (30.812 FP32, 30.738 INT8), spread over every layer rather than in one; 7-bit weights everywhere did worse")
    w("(30.709) and clipping activations at a percentile worse still. Medium, once trained to 30000 iterations, lost 0.052 dB")
    w("on Set5 the same way (30.243 FP32, 30.191 INT8); it is fine-tuned on its own class of sub-images. The FP32 files keep")
    if SCALE == 4:
        w("the float-trained weights. Small keeps post-training quantization: it loses at most 0.03 dB without it, and")
        w("fine-tuning small this way in an earlier try lost 0.03 dB.\n")
    else:
        w("the float-trained weights. At x2 all three branches are fine-tuned so, and each is first equalized across layers")
        w("(Nagel et al. 2019; `qat.equalize`): a ReLU's output channel divided by s in the conv before it and multiplied")
        w("back in the conv after it is the same function in float, and scaled so every channel reaches its layer's")
        w("maximum, the narrow channels use all 256 levels of the layer's one uint8 scale. Then QAT for the `qat` budget at")
        w("lr 5e-5. Measured on Set5 in PyTorch's simulation of the export (FP32 large 37.056, medium 36.529, small 36.247 dB):")
        w("QAT alone for 2500 iterations at 2e-5 left large at 36.973, medium 36.436, small 36.188; equalized first,")
        w("37.014, 36.489, 36.218. At x2, where the PSNR is higher, the same rounding costs more decibels than at x4.\n")
    if SCALE == 4 and SHAPE_TIMES:
        w("### Branch shapes by measured time\n")
        w("ONNX Runtime's INT8 convolution is far from its GEMM peak on narrow layers, so MACs do not rank shapes by time.")
        w("Each shape below was exported through the same INT8 path as the set (untrained: the time does not depend on the")
        w("weights) and timed as the large branch of a set by the development bench on B100 mosaics, 320x180 LR")
        w("(`python3 -m classsr shapes --shape d,s,m,e --out DIR`, then `classsr-edge-bench --models DIR --only large-int8")
        w("--video off --no-opencv`; 2-core AMD EPYC with AVX-512 VNNI, median of 3 passes taken in turn, nothing else")
        w("running). The branch time excludes the chroma bicubic.\n")
        w("| shape d, s, m, e | MACs per LR pixel (INT8, executed) | branch ms per 320x180 frame | ns per LR pixel | GMAC/s | now |")
        w("|---|---|---|---|---|---|")
        now = {tuple(sh.values()): name for name, sh in BRANCHES.items()}
        for shape, macs, ms in SHAPE_TIMES:
            w(f"| {', '.join(map(str, shape))} | {macs:.0f} | {ms:.2f} | {ms * 1e6 / (320 * 180):.0f} | "
              f"{macs * 320 * 180 / ms / 1e6:.1f} | {now.get(shape, '')} |")
        w("")
        timed = {shape: (macs, ms) for shape, macs, ms in SHAPE_TIMES}
        gmacs = lambda sh: timed[sh][0] * 320 * 180 / timed[sh][1] / 1e6
        large = tuple(CLEAN_BRANCHES["large"].values())  # v1's, the one the redesign was weighed against
        wide3, wide2 = (56, 32, 3, 32), (56, 32, 2, 32)
        macs_x = lambda sh: timed[sh][0] / timed[large][0]
        time_x = lambda sh: timed[sh][1] / timed[large][1] - 1
        med = CLEAN_BRANCHES["medium"]
        w(f"Per MAC, a 32-wide mapping runs about {gmacs(wide3) / gmacs(large):.1f}x as fast as a 16-wide one ({gmacs(wide3):.0f} against "
          f"{gmacs(large):.0f} GMAC/s). 56, 32, 3, 32")
        w(f"does {macs_x(wide3):.1f}x the v1 large branch's MACs in {time_x(wide3):.0%} more time, and 56, 32, 2, 32 does "
          f"{macs_x(wide2):.1f}x in {-time_x(wide2):.0%} less: a redesign")
        w(f"should widen the mapping rather than deepen it; v2's large is 56, 32, 3, 32. The v1 medium's {med['s']}-wide mapping was")
        w(f"padded to 16 in the INT8 file, so v2's medium is 16 wide (32, 16, 3, 16) at the same time, with {16 * 16 / med['s'] ** 2:.1f}x the mapping weights.")
        w("On an Arm core with dot-product instructions (Cortex-A76 in the Raspberry Pi 5, Jetson Orin's A78AE), ONNX")
        w("Runtime's INT8 GEMM does 4-byte dot products per lane. The fixed cost per output pixel (packing, requantization)")
        w("weighs the same way against narrow layers there, so the ranking is expected to hold. That is not measured (no")
        w("board here): `classsr-edge bench` on a board is the check. On the Pi 4's Cortex-A72, which has no dot product,")
        w("INT8 gains less over FP32 on every shape.\n")
        w("The redesign, weighed before it was shipped: large 56, 32, 3, 32 trained from scratch on the camera mix for 40000")
        w("iterations (`python3 -m classsr shape`, the `camera` step's schedule, which resumes from its checkpoint), scored by")
        w("`classsr-edge eval --mode large` beside the large branch it replaced (56, 16, 6, 32, the v1 network fine-tuned on")
        w("the mix). INT8 here by post-training quantization; the shipped file adds QAT (figures below). Timed again once")
        w("trained and shipped (2026-12-04, the development bench's frames, `--only large-int8`, the two sets' large INT8 in")
        w("turn, 8 runs each): 1.13x the replaced branch's time per frame (1.06-1.18x), not the 1.04x of the table, whose")
        w("passes were taken on an earlier day; on this shared host the 32-wide layers' advantage moves from day to day.\n")
        w("| large branch | " + " | ".join(c[0] for c in CANDIDATE) + " |")
        w("|---|" + "---|" * len(CANDIDATE))
        for label, k in (("56, 32, 3, 32 FP32", 1), ("56, 32, 3, 32 INT8 (PTQ)", 2), ("56, 16, 6, 32 FP32", 3), ("56, 16, 6, 32 INT8", 4)):
            w(f"| {label} | " + " | ".join(f"{c[k]:.2f}" for c in CANDIDATE) + " |")
        w("")
        w("A fourth 32-wide layer (56, 32, 4, 32, 25% more time) on the same schedule was within 0.04 dB of the 3-layer")
        w("candidate on Set5, and within 0.02 on B100's first 40 images clean and at q75, at 4000, 8000 and 12000")
        w("iterations (PyTorch FP32). It was stopped there: depth is not what these branches lack.\n")
    w("## Quality (Y-PSNR dB)\n")
    w("Each set three ways: our bicubic LR as it is (clean); that LR through JPEG at quality 75 with 4:2:0 chroma, as an")
    w("MJPEG camera delivers it (`eval --degrade jpeg:75`); and with Gaussian noise of σ 3 code values, a sensor's")
    w("(`--degrade noise:3`, seeded by the image's name). Every row on the same LR, OpenCV's included.\n")
    w("| model | " + " | ".join(column_title(k) for k in COLUMNS) + " |")
    w("|---|" + "---|" * len(COLUMNS))
    if bicubic:
        w("| bicubic (ours) | " + " | ".join(fmt(bicubic.get(k)) for k in COLUMNS) + " |")
    for k, v in PUBLISHED.items():
        pub = dict(zip(SETS, v))
        w(f"| {k} | " + " | ".join(fmt(pub.get(c)) for c in COLUMNS) + " |")
    if opencv:
        w("| OpenCV FSRCNN_x4 (dnn_superres, ours) | " + " | ".join(fmt(opencv.get(k)) for k in COLUMNS) + " |")
    for name in ("small", "medium", "large"):
        for prec in ("fp32", "int8"):
            m = models[(name, prec)]
            w(f"| {name} {prec} | " + " | ".join(fmt(m["psnr"].get(k)) for k in COLUMNS) + " |")
    for kind, label in (("routed", "routing only"), ("classsr", "engine")):
        for prec in ("fp32", "int8"):
            cs = man.get(kind, {})
            w(f"| ClassSR {prec}, {label} | " + " | ".join(fmt(cs.get(f"{k}.{prec}", {}).get("psnr")) for k in COLUMNS) + " |")
    w("")
    w("*Routing only*: every tile runs in the branch the classifier chose (`eval --no-promote`), the model set's own")
    w("quality. *Engine*: the default, whose region planner runs a tile's neighbours through a costlier branch, or the")
    w("large branch on the whole frame, wherever that is cheaper than the halos a region of its own would need (see the")
    w("main README): it can only raise quality, and on B100's 120x80 LR images it mostly picks the whole frame.\n")
    w("| ClassSR | set | simple / medium / hard tiles (classifier) | MACs vs large (classifier and halos included) | SSIM |")
    w("|---|---|---|---|---|")
    for kind, label in (("routed", "routing only"), ("classsr", "engine")):
        for key, v in sorted(man.get(kind, {}).items()):
            s, prec = key.rsplit(".", 1)
            if "." in s and prec != "int8":
                continue  # degraded LR: the INT8 models only, as they run
            sh = v["shares"]
            w(f"| {prec}, {label} | {column_title(s)} | {sh[0]:.0%} / {sh[1]:.0%} / {sh[2]:.0%} | {v['macs_ratio']:.3f} | {v['ssim']:.4f} |")
    w("")
    w("## Against the targets of the models issue\n")
    w("| target | measured | met |")
    w("|---|---|---|")
    lf = models[("large", "fp32")]["psnr"]
    for st, t in zip(SETS, TARGET_LARGE):
        v = lf.get(st)
        w(f"| large FP32 {st} ≥ {t:.2f} | {'—' if v is None else f'{v:.3f}'} | {'yes' if v is not None and v >= t else 'no'} |")
    worst = max(((abs(models[(n, 'int8')]['psnr'][k] - models[(n, 'fp32')]['psnr'][k]), n, k)
                 for n in ("small", "medium", "large") for k in COLUMNS
                 if k in models[(n, 'int8')]['psnr'] and k in models[(n, 'fp32')]['psnr']), default=(0, "", ""))
    w(f"| every INT8 branch within 0.05 dB of its FP32, every column | worst {worst[0]:.3f} dB ({worst[1]}, {column_title(worst[2]) if worst[2] else ''}) | {'yes' if worst[0] <= 0.05 else 'no'} |")
    li = models[("large", "int8")]["psnr"]
    if bicubic and "B100.jpeg75" in li and "B100.jpeg75" in bicubic:
        d = li["B100.jpeg75"] - bicubic["B100.jpeg75"]
        w(f"| large INT8 on B100 JPEG q75 ≥ 0.6 dB above bicubic on the same LR | {li['B100.jpeg75']:.2f} vs {bicubic['B100.jpeg75']:.2f}: "
          f"{d:+.2f} dB | {'yes' if d >= 0.6 else 'no'} |")
    for st, v1 in (V1_LARGE_INT8 if SCALE == 4 else {}).items():
        if st in li:
            w(f"| large INT8 clean {st} no more than 0.1 dB below models v1 ({v1:.2f}) | {li[st]:.2f} ({li[st] - v1:+.2f}) | "
              f"{'yes' if li[st] >= v1 - 0.1 else 'no'} |")
    r = man.get("routed", {}).get("B100.int8")
    if r and "B100" in li:
        d = r["psnr"] - li["B100"]
        w(f"| ClassSR INT8 (routing only) on B100: medium ≥ 15% of tiles, within 0.05 dB of large INT8 | {r['shares'][1]:.0%} medium, "
          f"{d:+.3f} dB | {'yes' if r['shares'][1] >= 0.15 and d >= -0.05 else 'no'} |")
    b = [models[(n, "fp32")]["psnr"].get("B100", 0) for n in ("small", "medium", "large")]
    w(f"| small < medium < large on B100 | {b[0]:.2f} < {b[1]:.2f} < {b[2]:.2f} | {'yes' if b[0] < b[1] < b[2] else 'no'} |")
    for kind, label in (("routed", "routing only"), ("classsr", "engine")):
        cs = man.get(kind, {}).get("B100.int8")
        if cs:
            d = cs["psnr"] - models[("large", "int8")]["psnr"].get("B100", 0)
            ok = d >= -0.05 and cs["shares"][0] >= 0.25
            if kind == "routed":
                # What the routing itself costs: classifier plus each class's branch on its tiles, without the halos
                # that running 32x32 tiles one by one adds (those are the engine's to avoid, by grouping tiles).
                own = (models[("classifier", "int8")]["macs_per_lr_pixel"] + sum(
                    sh * models[(n, "int8")]["macs_per_lr_pixel"] for sh, n in zip(cs["shares"], ("small", "medium", "large")))) \
                    / models[("large", "int8")]["macs_per_lr_pixel"]
                # The models issue's target is the routing's quality at that small share. Run tile by tile, its halos
                # can cost more than the whole frame on B100's small images; saving time is the engine's part.
                met = ("yes (quality and share; on these small images tile-by-tile halos cost more than routing saves)"
                       if ok and cs["macs_ratio"] >= 1 else "yes") if ok else "no"
                cost = f"MACs {cs['macs_ratio']:.2f} ({own:.2f} without tile halos)"
            else:
                # A plan that costs what the large branch costs meets the quality by not routing: no saving to claim.
                met = "yes" if ok and cs["macs_ratio"] < 0.95 else (
                    "no: the planner ran the large branch on most of each image, no saving" if ok else "no")
                cost = f"MACs {cs['macs_ratio']:.2f}"
            w(f"| ClassSR INT8 ({label}) on B100 within 0.05 dB of large INT8, ≥ 25% small | {d:+.3f} dB, "
              f"{cs['shares'][0]:.0%} small, {cost} | {met} |")
    w("")
    w("## How they were made\n")
    r = man.get("recipe", {})
    t = man.get("thresholds", {})
    w(f"- Data: {r.get('data', '')}. Sub-images LR 32x32 / HR 128x128, step 16 LR px plus edge-aligned tiles; flips and 90° rotations.")
    w("- Models v1 (clean LR), which the class split and stage 1 start from: the large branch (56, 16, 6, 32) in stages.")
    w("- Stage 0: the large branch with 4 mapping layers on all sub-images (L1, Adam 0.9/0.99, lr 1e-3 cosine, batch 64).")
    w("- Deepen: two identity 3x3 layers appended to its mapping (the same function to start with), then all of it trained")
    w("  on at lr 5e-4 cosine. At 4 layers Set5 had flattened (30.56 / 30.61 / 30.62 dB at 22k / 36k / 50k iterations);")
    w("  the deeper network passed 30.71 within 2000 iterations, for 28% more MACs.")
    if r.get("large_history"):
        w(f"  Trained in steps across sessions ({r['large_history']}); each raise of the budget resumed the cosine")
        w("  schedule part-way, a warm restart.")
    at = (f" (the thresholds below: the split of the clean and camera-like tiles by the exported large branch at {t['large_iterations']} iterations,"
          " which the camera step's small and medium, stage 2 and QAT follow; stage 1 used the same split of the clean tiles by v1's large)") \
        if t.get("large_iterations") else ""
    w(f"- Class split by the large branch's PSNR on each sub-image{at}, at the thirds: simple ≥ {t.get('psnr_simple_min', 0):.2f} dB > "
      f"medium ≥ {t.get('psnr_hard_max', 0):.2f} dB > hard.")
    w("- Stage 1: small on the simple third, medium on the medium third (the large branch stays as it is).")
    if r.get("small_history"):
        w(f"  Trained in steps ({r['small_history']}, a warm restart).")
    if r.get("camera_history") and SCALE == 4:
        w("- Camera step (models v2): each sub-image also cut as a camera delivers it (data.CAMERA, drawn per image: 40%")
        w("  JPEG q50-95 with 4:2:0 chroma; 35% read and shot noise up to about 4 code values, then JPEG; 15% noise only;")
        w("  10% soft optics, noise and JPEG). On that mix the large branch is trained from scratch in its v2 shape (lr 1e-3")
        w("  cosine), small is fine-tuned from its clean branch (lr 2e-4) and medium widened to 16, then fine-tuned (lr 5e-4). The class")
        w("  split, stage 2, the classifier, the routing calibration and QAT below are then made on the same mix, since a")
        w(f"  compressed flat region is no longer simple. {r['camera_history']}.")
        w("  The share was measured (`python3 -m classsr mix`: the v1 large branch fine-tuned 2000 iterations at each share,")
        w("  PyTorch FP32 Y-PSNR dB; B100/40 is B100's first 40 images, JPEG by PIL):\n")
        w("  | camera-like share | Set5 | Set5 JPEG q75 | B100/40 | B100/40 JPEG q75 |")
        w("  |---|---|---|---|---|")
        for row in MIX_SWEEP:
            w("  | " + " | ".join(row) + " |")
        w("")
        w("  Each step of share trades clean for compressed quality at about one for one: a network of this size has no")
        w("  room to learn deblocking beside sharpening. 0.35 keeps clean Set5 within the 0.1 dB the models issue allows.")
    w("- Stage 2: classifier only, branches frozen, output = Σ p_k·SR_k, loss 1000·L1 + 0.5·ClassLoss + 3·AverageLoss"
      " (ClassSR's weights), target mix 1/3 each, batch 96, lr 2e-4.")
    w("- Stage 3 (`classifier` step): the stage-2 network fine-tuned to predict, for each sub-image, the log of what the")
    w("  small and the medium branch lose there against the large one (MSE; smooth-L1, batch 128, lr 1e-3 cosine). The")
    w("  exported logits are (−predicted loss small, −predicted loss medium, 0). ClassSR's stage-2 loss rewards a blend of")
    w("  branch outputs and ranks tiles only loosely by what routing them cheaply costs. Measured on held-out training")
    w("  images (a fifth of T91+BSD200, native scale, 30% of tiles to small): 0.067 dB lost with the stage-2 classifier")
    w("  (which had even seen those images), 0.027 dB after this stage, 0.014 dB for an oracle.")
    rt = t.get("routing") or man.get("routing") or {}
    if rt:
        w(f"- Routing calibration (`route` step): logit offsets {rt['bias']} (simple, medium, hard) are added to the")
        w("  classifier's output layer in both exported files: a tile goes to the small branch when its predicted loss")
        w("  is under exp(offset). Chosen on the training images' tiles at their own scale")
        w(f"  ({rt.get('tiles', '?')} LR 32x32 tiles, no rescales, as camera frames come): the least loss against the")
        w(f"  large branch alone (pooled MSE) among offsets that send at least {rt['min_small']:.0%} of tiles to the small branch.")
        w(f"  There: {rt['loss_db']:+.3f} dB with shares {' / '.join(f'{x:.0%}' for x in rt['shares'])}.")
        if rt["shares"][1] < 0.01:
            w("  The medium branch gets no tiles under these offsets: on these tiles no assignment to it lost less than")
            w("  another choice with the same small share. It stays in the set, and `--class-bias` routes to it at run time.")
    if SCALE == 4 and ROUTE_FLOORS:
        w("- The floors weighed (this set's branches and classifier, only the offsets changed; B100, ClassSR INT8 routing")
        w(f"  only, against large INT8 {ROUTE_FLOORS_LARGE:.2f} dB; MACs with tile halos):\n")
        w("  | least small / medium share | training-tile loss | B100 | vs large INT8 | B100 tiles small / medium / large | MACs vs large |")
        w("  |---|---|---|---|---|---|")
        for fs, fm, loss, db, sh, macs in ROUTE_FLOORS:
            w(f"  | {fs:.0%} / {fm:.0%} | {loss:+.3f} dB | {db:.3f} | {db - ROUTE_FLOORS_LARGE:+.3f} | {sh[0]}% / {sh[1]}% / {sh[2]}% | {macs:.3f} |")
        w("")
        w("  Medium and small trade against each other at about the same loss for the same time on this CPU: medium takes")
        w("  half the large branch's time for 38% less excess loss per tile than small, which takes 36% of it. Floors that")
        w("  give medium 15% and keep small at the 25% of the first models issue lose 0.07 dB; floors that give medium its")
        w("  15% with small at 15% stay within 0.05 dB but fall short of that 25%. The shipped offsets keep the 30% of")
        w("  small. A classifier with a 3x3 layer, or a full-resolution first layer, did not route better on held-out")
        w("  training images (0.024 dB at 30% small, against 0.023 for this one; an oracle that knows each tile's loss:")
        w("  0.006): these classifiers are not what limits the routing, and the rest of the gap to the oracle may not be")
        w("  predictable from a tile's LR pixels at all.")
    if r.get("iterations"):
        w(f"- Budget of this run (2-core CPU, batch 64/96): {r['iterations']} iterations.")
    w(f"- Recipe commit: `{r.get('commit', 'unknown')}`.\n")
    w("## Data terms\n")
    w("T91 (Yang et al. 2010): research use. BSD200 / B100 (BSDS300, Martin et al. 2001): non-commercial research and education.")
    w("Set5 / Set14: research use. These models were trained on BSDS images and inherit their non-commercial terms.")
    return "\n".join(out) + "\n"


def write(man, out_dir, bicubic=None, opencv=None):
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write(render(man, bicubic, opencv))
