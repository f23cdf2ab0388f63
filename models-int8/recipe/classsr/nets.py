"""ClassSR networks (x4, or x2 with CLASSSR_SCALE=2): three luma-only FSRCNN-style branches and a slim classifier.

Every layer is Conv + ReLU so that ONNX Runtime can fuse each into QLinearConv
(there is no quantized PReLU), and the output is sub-pixel (conv to 16 channels
+ DepthToSpace) because the CPU provider has no INT8 transposed convolution.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .scale import SCALE

# name -> (d: feature width, s: shrunk width, m: mapping 3x3 layers, e: width before the sub-pixel conv)
# CLEAN: the models v1 branches, trained on clean bicubic LR (stages 0-1; the x2 set keeps these shapes).
# small is 16 wide throughout: ONNX Runtime's INT8 kernels run 8- and 12-channel layers no faster than 16 (the INT8
# files are padded to 16 anyway), and at 16 the small branch gained 0.47 dB on Set5 (29.17 -> 29.64) for the same time.
# large is trained with 4 mapping layers (stage 0), then deepened to 6 by inserting identity layers and trained on
# (`deepen`): at the same 2-core budget that beat training on at 4 layers, whose Set5 had flattened at 30.62 dB.
CLEAN_BRANCHES = {
    "small": dict(d=16, s=16, m=1, e=16),
    "medium": dict(d=32, s=12, m=3, e=16),
    "large": dict(d=56, s=16, m=6, e=32),
}
# The exported x4 shapes (models v2), picked by measured time (the card's shapes table): a 32-wide INT8 mapping runs
# at more MACs per second than a 16-wide one, so large 56,32,3,32 (trained from scratch on the camera mix) costs 1.13x
# the time of 56,16,6,32 for 1.7x the MACs (8 runs in turn on the trained sets; the table's earlier passes said 1.04x).
# Medium's 12-wide mapping, padded to 16 in INT8 anyway, is widened to the 16 it already pays for (`widened`).
BRANCHES = dict(CLEAN_BRANCHES, medium=dict(d=32, s=16, m=3, e=16), large=dict(d=56, s=32, m=3, e=32)) \
    if SCALE == 4 else CLEAN_BRANCHES
STAGE0_LARGE = dict(CLEAN_BRANCHES["large"], m=4)
CLASS_NAMES = ["small", "medium", "large"]


def branch_macs_per_lr_pixel(d, s, m, e):
    return 25 * d + d * s + 9 * s * s * m + s * e + 9 * e * SCALE * SCALE


def branch_halo(d, s, m, e):
    # Receptive-field radius in LR pixels: 5x5 (2) + m 3x3 (m) + final 3x3 (1).
    return 2 + m + 1


class Branch(nn.Module):
    """FSRCNN-style: extract 5x5 -> shrink 1x1 -> m x 3x3 -> expand 1x1 -> 3x3 to 16 -> DepthToSpace.

    The network predicts a residual over nearest-neighbour upsampling of its input (added
    before DepthToSpace as a broadcast over the 16 phases), which trains faster and costs one Add.
    """

    def __init__(self, d, s, m, e):
        super().__init__()
        layers = [nn.Conv2d(1, d, 5, padding=2), nn.ReLU(inplace=True),
                  nn.Conv2d(d, s, 1), nn.ReLU(inplace=True)]
        for _ in range(m):
            layers += [nn.Conv2d(s, s, 3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(s, e, 1), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        self.tail = nn.Conv2d(e, SCALE * SCALE, 3, padding=1)
        self.shape = dict(d=d, s=s, m=m, e=e)
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
                nn.init.zeros_(mod.bias)
        nn.init.normal_(self.tail.weight, std=1e-3)

    def forward(self, x):
        r = self.tail(self.body(x)) + x
        return F.pixel_shuffle(r, SCALE)

    @property
    def macs_per_lr_pixel(self):
        return branch_macs_per_lr_pixel(**self.shape)


def make_branch(name):
    return Branch(**BRANCHES[name])


def clean_branch(name):
    return Branch(**CLEAN_BRANCHES[name])


def widened(state, s_to, seed=0):
    """Weights of the branch with mapping width s_to that computes exactly what `state` does: the new channels take
    small random weights from what feeds them and give nothing (zero weights) to what reads them, so they start silent
    and still get gradients."""
    g = torch.Generator().manual_seed(seed)
    out = {k: v.clone() for k, v in state.items()}
    s_from = state["body.2.weight"].shape[0]
    convs = sorted({int(k.split(".")[1]) for k in state if k.startswith("body.")})
    for i in convs[1:]:  # shrink 1x1, the 3x3 mapping layers, expand 1x1
        w, b = out[f"body.{i}.weight"], out[f"body.{i}.bias"]
        o, c = w.shape[:2]
        grow_out = o == s_from and i != convs[-1]
        grow_in = c == s_from
        nw = torch.zeros(s_to if grow_out else o, s_to if grow_in else c, *w.shape[2:])
        nw[:o, :c] = w
        if grow_out:
            fan_in = nw.shape[1] * w.shape[2] * w.shape[3]
            nw[o:, :c] = torch.randn(s_to - o, c, *w.shape[2:], generator=g) * (0.5 / fan_in) ** 0.5
            b = torch.cat([b, torch.zeros(s_to - o)])
        out[f"body.{i}.weight"], out[f"body.{i}.bias"] = nw, b
    return out


def deepened(state, m_from, m_to):
    """Weights of a branch with m_to mapping layers that computes exactly what `state` (m_from layers) does: the new
    3x3 layers, appended after the old ones, are identities. Their input has passed a ReLU, so ReLU(x) = x there."""
    body = lambda i: 4 + 2 * i  # body index of mapping layer i (after conv 5x5, ReLU, shrink 1x1, ReLU)
    out = {}
    for k, v in state.items():
        parts = k.split(".")
        if parts[0] == "body" and int(parts[1]) >= body(m_from):  # the expand 1x1 and what follows move down
            parts[1] = str(int(parts[1]) + 2 * (m_to - m_from))
        out[".".join(parts)] = v.clone()
    s = state[f"body.{body(0)}.weight"].shape[0]
    for i in range(m_from, m_to):
        w = torch.zeros(s, s, 3, 3)
        w[range(s), range(s), 1, 1] = 1.0
        out[f"body.{body(i)}.weight"] = w
        out[f"body.{body(i)}.bias"] = torch.zeros(s)
    return out


class Classifier(nn.Module):
    """ClassSR's classifier, slimmed for luma: conv 4x4/4 -> 1x1 convs -> global average pool -> linear.
    ReLU instead of LeakyReLU so each conv fuses into one QLinearConv.

    At 64 channels it costs about 0.7K MACs per LR pixel (ClassSR's own: 3.4K), under a
    twentieth of the large branch, so routing keeps its saving.
    """

    def __init__(self, width=64, mid=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=4), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 1), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 1), nn.ReLU(inplace=True),
            nn.Conv2d(width, mid, 1), nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(mid, 3)
        self.width, self.mid = width, mid

    def forward(self, x):
        f = self.features(x).mean(dim=(2, 3))
        return self.fc(f)

    @property
    def macs_per_lr_pixel(self):
        w, m = self.width, self.mid
        return (16 * w + 2 * w * w + w * m) / 16.0
