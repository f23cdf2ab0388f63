"""The recipe's scale, read once when the package is imported so that every module agrees: 4 (models-int8/) or 2
(models-int8/x2/). make.sh --scale 2 sets CLASSSR_SCALE; so may a caller of `python3 -m classsr`."""
import os

SCALES = (2, 4)
SCALE = int(os.environ.get("CLASSSR_SCALE", "4"))
if SCALE not in SCALES:
    raise SystemExit(f"CLASSSR_SCALE={SCALE}: the recipe makes x2 or x4 sets")
