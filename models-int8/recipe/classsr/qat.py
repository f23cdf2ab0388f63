"""Quantization-aware fine-tuning: the INT8 export's arithmetic simulated in the forward pass (straight-through
rounding), so training can move the weights to where 8-bit rounding costs least.

The simulation mirrors export.build_branch: per-channel symmetric weights (7-bit in the first layer, 8-bit after),
uint8 ReLU outputs scaled by their maximum over the calibration tiles, the tail's output on its own uint8 range, and
the frame's rounding to 8 bits after the residual add.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import train
from .nets import SCALE


def _ste(x, q):
    return x + (q - x).detach()


def _weights(w, bits):
    q = 2 ** (bits - 1) - 1
    s = (w.detach().abs().reshape(w.shape[0], -1).amax(1).clamp_min(1e-8) / q)[:, None, None, None]
    return _ste(w, (w / s).round().clamp(-q, q) * s)


@torch.no_grad()
def ranges(model, calib):
    """The export's activation ranges: each ReLU's max, and the tail output's (min, max) including 0."""
    x, maxes = calib, []
    for mod in model.body:
        x = mod(x)
        if isinstance(mod, nn.ReLU):
            maxes.append(float(x.max()))
    t = model.tail(x)
    return maxes, min(float(t.min()), 0.0), max(float(t.max()), 0.0)


@torch.no_grad()
def equalize(model, calib):
    """Cross-layer equalization (Nagel et al. 2019), in place. ReLU(x/s) = ReLU(x)/s for s > 0, so each channel a
    ReLU puts out can be divided by s in the conv before it and multiplied back in the conv after it: the same
    function in float. The export gives each layer's output one uint8 scale, set by its widest channel over the
    calibration tiles; scaled so that every channel reaches that maximum, the narrow channels get all 256 levels
    too. Weights are quantized per output channel, so only the next layer's weights on a scaled channel change
    their rounding. Channels that stay zero on every tile are left as they are."""
    convs = [m for m in model.body if isinstance(m, nn.Conv2d)] + [model.tail]
    x, k = calib, 0
    for mod in model.body:
        x = mod(x)
        if isinstance(mod, nn.ReLU):
            r = x.amax(dim=(0, 2, 3))
            s = torch.where(r > 0, r / r.max().clamp_min(1e-12), torch.ones_like(r))
            convs[k].weight /= s[:, None, None, None]
            convs[k].bias /= s
            convs[k + 1].weight *= s[None, :, None, None]
            x = x / s[None, :, None, None]
            k += 1
    return model


def forward(model, x0, rng, weight_bits=8, first_bits=7):
    maxes, lo, hi = rng
    x, k, ci = x0, 0, 0
    for mod in model.body:
        if isinstance(mod, nn.Conv2d):
            x = F.conv2d(x, _weights(mod.weight, first_bits if ci == 0 else weight_bits), mod.bias, padding=mod.padding)
            ci += 1
        else:
            x = F.relu(x)
            s = max(maxes[k], 1e-6) / 255  # as the export
            k += 1
            x = _ste(x, (x / s).round().clamp(0, 255) * s)
    t = F.conv2d(x, _weights(model.tail.weight, weight_bits), model.tail.bias, padding=model.tail.padding)
    s = (hi - lo) / 255
    zp = round(-lo / s)
    t = _ste(t, ((t / s).round() + zp).clamp(0, 255).sub(zp) * s)
    y = t + x0
    y = _ste(y, (y * 255).round().clamp(0, 255) / 255)
    return F.pixel_shuffle(y, SCALE)


class Simulated(nn.Module):
    """The model as its INT8 export computes it (for evaluation)."""

    def __init__(self, model, calib, weight_bits=8, first_bits=7):
        super().__init__()
        self.model, self.rng, self.bits = model, ranges(model, calib), (weight_bits, first_bits)

    def forward(self, x):
        return forward(self.model, x, self.rng, *self.bits)


def finetune(model, lr_u8, hr_u8, calib, iters, ckpt, base_lr=2e-5, batch=64, seed=5, weight_bits=8, first_bits=7,
             eval_sets=None, source=None):
    """Fine-tunes `model` (a copy of the float branch) through the simulated INT8 arithmetic. The activation ranges
    follow the weights: they are re-measured on the calibration tiles every 100 iterations."""
    opt, it = train.resume("qat", model, base_lr, iters, ckpt, init=None)
    if it >= iters:
        return model
    if eval_sets:
        model.eval()
        train.log(f"qat: start, simulated INT8 PSNR-Y {train.eval_branch(Simulated(model, calib, weight_bits, first_bits), eval_sets)}")
    rng = np.random.default_rng(seed + it)
    r = ranges(model, calib)

    def loss_of(i):
        nonlocal r
        if i % 100 == 0:
            r = ranges(model, calib)
        x, y = train.paired_batch(rng, lr_u8, hr_u8, batch)
        return F.l1_loss(forward(model, x, r, weight_bits, first_bits), y)

    train.optimise("qat", model, opt, it, iters, base_lr, ckpt, loss_of, train.l1_255, batch, "patches",
                   stamp={"source": source})
    if eval_sets:
        model.eval()
        train.log(f"qat: end, simulated INT8 PSNR-Y {train.eval_branch(Simulated(model, calib, weight_bits, first_bits), eval_sets)}")
    return model
