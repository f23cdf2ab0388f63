"""Data preparation: MATLAB-compatible bicubic LR, BT.601 luma, 32x32 LR / (32·scale)² HR sub-images."""
import io
import os
import glob
import zlib
import numpy as np
from PIL import Image, ImageFilter

from .scale import SCALE

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


def jpeg(rgb, quality):
    """JPEG at `quality` with 4:2:0 chroma, as USB cameras' MJPEG and the product's `eval --degrade jpeg:Q` encode."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=int(quality), subsampling="4:2:0")
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def sensor_noise(rgb, rng, read_sigma, shot):
    """Gaussian read noise plus signal-dependent shot noise (variance shot * value), per channel, in code values."""
    x = rgb.astype(np.float64)
    sigma = np.sqrt(read_sigma ** 2 + shot * x)
    return np.clip(np.rint(x + rng.standard_normal(x.shape) * sigma), 0, 255).astype(np.uint8)


def blur(rgb, sigma):
    return np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(sigma)))


# What cameras do to the LR, drawn per image: (share, blur, noise, JPEG). Noise stays under about 5 code values
# (read sigma up to 3, shot variance up to 0.06 x value: sigma 3.9 at white); JPEG quality 50-95, 4:2:0.
CAMERA = (
    (0.40, False, False, True),   # MJPEG from a clean sensor
    (0.35, False, True, True),    # a noisy sensor, then MJPEG
    (0.15, False, True, False),   # raw (YUYV) from a noisy sensor
    (0.10, True, True, True),     # soft optics too
)


def camera(rgb, rng):
    """One camera-like degradation of an LR image, drawn by `rng` from CAMERA."""
    k = rng.choice(len(CAMERA), p=[c[0] for c in CAMERA])
    _, soft, noisy, compressed = CAMERA[k]
    if soft:
        rgb = blur(rgb, rng.uniform(0.3, 0.7))
    if noisy:
        rgb = sensor_noise(rgb, rng, rng.uniform(0.5, 3.0), rng.uniform(0.0, 0.06))
    if compressed:
        rgb = jpeg(rgb, rng.integers(50, 96))
    return rgb


def seed_of(path, scale):
    """A stable seed per image and rescale (Python's hash() changes between runs)."""
    return zlib.crc32(f"{os.path.basename(path)}@{scale}".encode())


def make_subimages(files, scales=(1.0, 0.9, 0.8, 0.7, 0.6), lr_step=16, degraded=False):
    """Returns (lr, hr) uint8 arrays of shape (N, 32, 32) and (N, 128, 128), Y channel; with `degraded`, (lr, lr_camera,
    hr), where lr_camera is cut from the same LR image after one camera-like degradation of the whole image (so JPEG's
    8x8 blocks sit where a camera's would: tiles start on multiples of 16, but for the edge-aligned ones)."""
    lrs, cams, hrs = [], [], []
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
            cy = y_u8(camera(lr, np.random.default_rng(seed_of(f, sc)))) if degraded else None
            for y0 in tile_starts(ly.shape[0], LR_TILE, lr_step):
                for x0 in tile_starts(ly.shape[1], LR_TILE, lr_step):
                    lrs.append(ly[y0:y0 + LR_TILE, x0:x0 + LR_TILE])
                    if degraded:
                        cams.append(cy[y0:y0 + LR_TILE, x0:x0 + LR_TILE])
                    hrs.append(hy[y0 * SCALE:(y0 + LR_TILE) * SCALE, x0 * SCALE:(x0 + LR_TILE) * SCALE])
    if degraded:
        return np.stack(lrs), np.stack(cams), np.stack(hrs)
    return np.stack(lrs), np.stack(hrs)


def load_eval_set(folder, jpeg_quality=None, limit=None):
    """[(name, lr_y_u8, hr_y_float)] with LR made by our bicubic from the mod-cropped HR, then (`jpeg_quality`) JPEG as
    `classsr-edge eval --degrade jpeg:Q` does."""
    out = []
    for f in list_images(folder)[:limit]:
        hr = mod_crop(load_rgb(f))
        lr = downscale(hr)
        if jpeg_quality:
            lr = jpeg(lr, jpeg_quality)
        out.append((os.path.basename(f), y_u8(lr), rgb_to_y(hr)))
    return out


def psnr_y(sr_y, hr_y, crop=SCALE):
    """Y-PSNR on 0..255 values with `crop` pixels removed from each border."""
    a = np.asarray(sr_y, np.float64)[crop:-crop, crop:-crop]
    b = np.asarray(hr_y, np.float64)[crop:-crop, crop:-crop]
    mse = np.mean((a - b) ** 2)
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))
