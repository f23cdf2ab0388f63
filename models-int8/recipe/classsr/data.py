"""Data preparation: MATLAB-compatible bicubic LR, BT.601 luma, 32x32 LR / 128x128 HR sub-images."""
import os
import glob
import numpy as np
from PIL import Image

SCALE = 4
LR_TILE = 32
HR_TILE = LR_TILE * SCALE


def load_rgb(path):
    img = Image.open(path)
    return np.asarray(img.convert("RGB"))


def mod_crop(img, m=SCALE):
    h, w = img.shape[:2]
    return img[: h - h % m, : w - w % m]


def resize_bicubic(rgb, size):
    """PIL's BICUBIC is Keys a=-0.5 with an antialiasing kernel when shrinking, as MATLAB imresize."""
    return np.asarray(Image.fromarray(rgb).resize(size, Image.BICUBIC))


def downscale(rgb, scale=SCALE):
    h, w = rgb.shape[:2]
    return resize_bicubic(rgb, (w // scale, h // scale))


def rgb_to_y(rgb):
    """BT.601 limited-range luma (16..235) as float, the field's convention for x4 PSNR."""
    x = rgb.astype(np.float64) / 255.0
    return 16.0 + 65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]


def y_u8(rgb):
    return np.clip(np.rint(rgb_to_y(rgb)), 0, 255).astype(np.uint8)


def list_images(folder):
    exts = ("*.png", "*.bmp", "*.jpg", "*.jpeg")
    files = []
    for e in exts:
        files += glob.glob(os.path.join(folder, e))
    return sorted(files)


def tile_starts(n, tile, step):
    starts = list(range(0, n - tile + 1, step))
    if not starts:
        return []
    # Edge-aligned extra tile so the right and bottom borders are seen too.
    if starts[-1] != n - tile:
        starts.append(n - tile)
    return starts


def make_subimages(files, scales=(1.0, 0.9, 0.8, 0.7, 0.6), lr_step=16):
    """Returns (lr, hr) uint8 arrays of shape (N, 32, 32) and (N, 128, 128), Y channel."""
    lrs, hrs = [], []
    for f in files:
        rgb = load_rgb(f)
        for sc in scales:
            if sc != 1.0:
                h, w = rgb.shape[:2]
                scaled = resize_bicubic(rgb, (max(1, int(round(w * sc))), max(1, int(round(h * sc)))))
            else:
                scaled = rgb
            hr = mod_crop(scaled)
            if hr.shape[0] < HR_TILE or hr.shape[1] < HR_TILE:
                continue
            lr = downscale(hr)
            ly, hy = y_u8(lr), y_u8(hr)
            for y0 in tile_starts(ly.shape[0], LR_TILE, lr_step):
                for x0 in tile_starts(ly.shape[1], LR_TILE, lr_step):
                    lrs.append(ly[y0:y0 + LR_TILE, x0:x0 + LR_TILE])
                    hrs.append(hy[y0 * SCALE:(y0 + LR_TILE) * SCALE, x0 * SCALE:(x0 + LR_TILE) * SCALE])
    return np.stack(lrs), np.stack(hrs)


def load_eval_set(folder):
    """[(name, lr_y_u8, hr_y_float)] with LR made by our bicubic from the mod-cropped HR."""
    out = []
    for f in list_images(folder):
        hr = mod_crop(load_rgb(f))
        lr = downscale(hr)
        out.append((os.path.basename(f), y_u8(lr), rgb_to_y(hr)))
    return out


def psnr_y(sr_y, hr_y, crop=SCALE):
    """Y-PSNR on 0..255 values with `crop` pixels removed from each border."""
    a = np.asarray(sr_y, np.float64)[crop:-crop, crop:-crop]
    b = np.asarray(hr_y, np.float64)[crop:-crop, crop:-crop]
    mse = np.mean((a - b) ** 2)
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))
