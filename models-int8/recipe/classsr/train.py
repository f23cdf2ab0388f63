"""Training loops with checkpoint/resume, so a run can span sessions on a 2-core CPU."""
import math
import os
import time
import numpy as np
import torch
import torch.nn.functional as F

from . import data
from .nets import Branch, make_branch, Classifier


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def cosine_lr(base, it, total, floor=1e-2):
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(it, total) / total)))


def dihedral(t, k):
    """One of the 8 flips/rotations, applied to NCHW tensors."""
    if k & 4:
        t = t.flip(-1)
    return torch.rot90(t, k & 3, dims=(-2, -1))


def to_unit(u8):
    return torch.from_numpy(u8).float().unsqueeze(1).div_(255.0)


@torch.no_grad()
def upscale_y(model, lr_y_u8):
    """Whole-image SR of a Y plane (uint8) -> float 0..255, rounded and clipped as a frame would be."""
    x = to_unit(lr_y_u8[None])
    y = model(x)[0, 0].mul(255.0).round().clamp(0, 255)
    return y.numpy()


def eval_branch(model, sets):
    model.eval()
    res = {}
    for name, items in sets.items():
        res[name] = float(np.mean([data.psnr_y(upscale_y(model, lr), hr) for _, lr, hr in items]))
    model.train()
    return res


def resume(name, model, base_lr, iters, ckpt, init=None):
    """(optimizer, iteration) from the checkpoint if there is one, else a fresh start."""
    opt = torch.optim.Adam(model.parameters(), lr=base_lr, betas=(0.9, 0.99))
    it = 0
    if os.path.exists(ckpt):
        st = torch.load(ckpt)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        it = st["it"]
        log(f"{name}: resumed at {it}/{iters}")
    elif init is not None:
        model.load_state_dict(init)
        log(f"{name}: initialised from given weights")
    return opt, it


def optimise(name, model, opt, it, iters, base_lr, ckpt, loss_of, describe, batch, unit, stamp=None, after=None):
    """The loop the training stages share: cosine learning rate, one Adam step per batch from `loss_of(it)`, and every
    250 iterations a checkpoint (with `stamp` in it) and a log line (`describe(mean loss)`); `after(it)` follows each
    step."""
    t0, acc, n = time.time(), 0.0, 0
    model.train()
    while it < iters:
        for g in opt.param_groups:
            g["lr"] = cosine_lr(base_lr, it, iters)
        loss = loss_of(it)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        acc += loss.item()
        n += 1
        if it % 250 == 0 or it == iters:
            save_atomic({"model": model.state_dict(), "opt": opt.state_dict(), "it": it, **(stamp or {})}, ckpt)
            log(f"{name}: it {it}/{iters} {describe(acc / n)} {n * batch / (time.time() - t0):.0f} {unit}/s")
            t0, acc, n = time.time(), 0.0, 0
        if after:
            after(it)
    return model


def paired_batch(rng, lr_u8, hr_u8, batch):
    """A random batch of LR/HR sub-images under one random flip/rotation."""
    idx = rng.integers(0, len(lr_u8), batch)
    k = int(rng.integers(0, 8))
    return dihedral(to_unit(lr_u8[idx]), k), dihedral(to_unit(hr_u8[idx]), k)


def l1_255(loss):
    return f"L1 {loss * 255:.3f} (0..255)"


def train_branch(name, lr_u8, hr_u8, iters, ckpt, batch=64, base_lr=1e-3, init=None,
                 eval_sets=None, eval_every=2000, seed=0, shape=None, stamp=None):
    """`stamp`: what the checkpoint is made from, kept in it; one that holds another stamp is trained again."""
    model = Branch(**shape) if shape else make_branch(name)
    if os.path.exists(ckpt):
        held = torch.load(ckpt)
        want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        if {k: tuple(v.shape) for k, v in held["model"].items()} != want:
            # A work folder from before a branch was reshaped (models v2) holds the old network under the same name.
            log(f"{os.path.basename(ckpt)}: holds a branch of another shape than {model.shape}, trained again")
            os.remove(ckpt)
        elif stamp and any(held.get(k) != v for k, v in stamp.items()):
            log(f"{os.path.basename(ckpt)}: made from other data ({ {k: held.get(k) for k in stamp} }), trained again")
            os.remove(ckpt)
        del held
    opt, it = resume(name, model, base_lr, iters, ckpt, init)
    if it >= iters:
        return model
    rng = np.random.default_rng(seed + it)

    def loss_of(_):
        x, y = paired_batch(rng, lr_u8, hr_u8, batch)
        return F.l1_loss(model(x), y)

    def after(i):
        if eval_sets and (i % eval_every == 0 or i == iters):
            log(f"{name}: it {i} PSNR-Y {eval_branch(model, eval_sets)}")

    return optimise(name, model, opt, it, iters, base_lr, ckpt, loss_of, l1_255, batch, "patches", stamp=stamp, after=after)


@torch.no_grad()
def branch_outputs(model, lr_u8, bs=256):
    model.eval()
    outs = []
    for i in range(0, len(lr_u8), bs):
        outs.append(model(to_unit(lr_u8[i:i + bs])).clamp_(0, 1).half())
    return torch.cat(outs)


def tile_mse(sr, hr_u8):
    """Per-sub-image MSE of float [0,1] outputs, rounded to 8 bits as frames are, against uint8 HR."""
    return ((sr.float().mul(255.0).round().div(255.0) - to_unit(hr_u8)) ** 2).mean(dim=(1, 2, 3)).numpy()


def tile_psnr(sr, hr_u8):
    """Per-sub-image Y-PSNR (no crop) of float [0,1] outputs against uint8 HR."""
    hr = to_unit(hr_u8)
    mse = ((sr.float() - hr) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-10)
    return (10 * torch.log10(1.0 / mse)).numpy()


def class_loss(p):
    # 2 - sum_{i<j} |p_i - p_j|: zero when each tile's probabilities are one-hot.
    d = (p[:, 0] - p[:, 1]).abs() + (p[:, 0] - p[:, 2]).abs() + (p[:, 1] - p[:, 2]).abs()
    return (2 - d).mean()


def average_loss(p, target):
    b = p.shape[0]
    t = torch.tensor(target, dtype=p.dtype) * b
    return (p.sum(dim=0) - t).abs().sum() / (4 * b / 3)


def train_stage2(lr_u8, hr_u8, sr_all, iters, ckpt, batch=96, base_lr=2e-4,
                     weights=(1000.0, 0.5, 3.0), target=(1 / 3, 1 / 3, 1 / 3), seed=1):
    """Stage 2: ClassSR's classifier trained with the branches frozen (their outputs precomputed in sr_all:
    (3, N, 1, 128, 128) fp16); the classifier step starts from it."""
    model = Classifier()
    opt, it = resume("stage2", model, base_lr, iters, ckpt)
    if it >= iters:
        return model
    rng = np.random.default_rng(seed + it)
    n = len(lr_u8)
    w1, w2, w3 = weights
    t0, acc = time.time(), np.zeros(4)
    model.train()
    while it < iters:
        for g in opt.param_groups:
            g["lr"] = cosine_lr(base_lr, it, iters)
        idx = rng.integers(0, n, batch)
        k = int(rng.integers(0, 8))
        x = dihedral(to_unit(lr_u8[idx]), k)
        hr = dihedral(to_unit(hr_u8[idx]), k)
        srs = dihedral(sr_all[:, idx].float(), k)
        p = torch.softmax(model(x), dim=1)
        sr = (p.t()[:, :, None, None, None] * srs).sum(dim=0)
        l1 = F.l1_loss(sr, hr)
        lc = class_loss(p)
        la = average_loss(p, target)
        loss = w1 * l1 + w2 * lc + w3 * la
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        acc += np.array([l1.item() * 255, lc.item(), la.item(), 1])
        if it % 250 == 0 or it == iters:
            save_atomic({"model": model.state_dict(), "opt": opt.state_dict(), "it": it}, ckpt)
            share = np.bincount(p.argmax(1).numpy(), minlength=3) / batch
            log(f"stage2: it {it}/{iters} L1 {acc[0] / acc[3]:.3f} class {acc[1] / acc[3]:.3f} "
                f"avg {acc[2] / acc[3]:.3f} shares {np.round(share, 2)} {acc[3] * batch / (time.time() - t0):.0f} tiles/s")
            acc[:] = 0
            t0 = time.time()
    return model


@torch.no_grad()
def tile_mses(nets, lr_u8, hr_u8, bs=1024):
    """(N, branches) per-sub-image MSE of each branch, in chunks so no branch's outputs are all held at once."""
    rows = []
    for i in range(0, len(lr_u8), bs):
        rows.append(np.stack([tile_mse(branch_outputs(m, lr_u8[i:i + bs]), hr_u8[i:i + bs]) for m in nets], 1))
    return np.concatenate(rows)


# Per-pixel MSE (0..1 scale) below which a branch's loss against the large one counts as nothing: 0.13 grey levels².
LOSS_EPS = 2e-6


def routing_target(mse):
    """log of what sending a tile to small / medium costs against the large branch (pooled MSE is what PSNR sees)."""
    return np.log(np.maximum(mse[:, :2] - mse[:, 2:3], 0) + LOSS_EPS).astype(np.float32)


def as_classifier_logits(model):
    """Turns a regression head (outputs 0, 1: predicted log loss of small, medium) into the classifier's logits
    (-loss_small, -loss_medium, 0) in place: the engine's argmax plus offsets then routes a tile to small when its
    predicted loss is under exp(offset), and its class-bias knob keeps its meaning (positive: more small tiles)."""
    with torch.no_grad():
        model.fc.weight[:2].neg_()
        model.fc.bias[:2].neg_()
        model.fc.weight[2].zero_()
        model.fc.bias[2].zero_()
    return model


def train_classifier(lr_u8, mse, iters, ckpt, init, batch=128, base_lr=1e-3, seed=2, source=None):
    """The classifier the engine runs: the stage-2 network fine-tuned to regress each tile's loss in the cheaper branches.

    ClassSR's stage-2 loss rewards a blend of branch outputs, which only loosely ranks tiles by what routing them
    cheaply costs; regressing that cost directly ranks them by it (measured on held-out training images, 30% of
    tiles to small: 0.067 dB lost with the stage-2 classifier, 0.027 dB with this, 0.014 dB for an oracle).
    """
    model = Classifier()
    opt, it = resume("classifier", model, base_lr, iters, ckpt, init)
    if it >= iters:
        return model
    target = torch.from_numpy(routing_target(mse))
    rng = np.random.default_rng(seed + it)

    def loss_of(_):
        idx = rng.integers(0, len(lr_u8), batch)
        x = dihedral(to_unit(lr_u8[idx]), int(rng.integers(0, 8)))
        return F.smooth_l1_loss(model(x)[:, :2], target[idx])

    return optimise("classifier", model, opt, it, iters, base_lr, ckpt, loss_of, lambda v: f"smooth-L1 {v:.4f} (log loss)",
                    batch, "tiles", stamp={"source": source})
