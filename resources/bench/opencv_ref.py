#!/usr/bin/python3
"""OpenCV reference denoisers and inpainters for `gnc bench`.

Reads and writes 8-bit PNG files and prints one JSON object on stdout with the
seconds the OpenCV call itself took (file I/O and the interpreter start are
left out, so the figure compares with the engine's solve time).

  opencv_ref.py version
  opencv_ref.py nlm IN.png OUT.png H
      cv2.fastNlMeansDenoising(img, None, H, templateWindowSize=5, searchWindowSize=21)
      (fastNlMeansDenoisingColored with h = hColor = H for colour images)
  opencv_ref.py inpaint IN.png MASK.png OUT_TELEA.png OUT_NS.png RADIUS
      cv2.inpaint with INPAINT_TELEA and INPAINT_NS; a non-zero mask pixel means "fill in"
"""
import json
import sys
import time

import cv2


def read(path, flags=cv2.IMREAD_UNCHANGED):
    img = cv2.imread(path, flags)
    if img is None:
        raise SystemExit(f"opencv_ref: cannot read {path}")
    if img.dtype != "uint8":
        raise SystemExit(f"opencv_ref: {path} is not 8-bit ({img.dtype})")
    if img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


def write(path, img):
    if not cv2.imwrite(path, img):
        raise SystemExit(f"opencv_ref: cannot write {path}")


def main(argv):
    if len(argv) >= 1 and argv[0] == "version":
        print(json.dumps({"version": cv2.__version__}))
        return
    if len(argv) == 4 and argv[0] == "nlm":
        _, src, dst, h = argv
        img = read(src)
        h = float(h)
        t = time.perf_counter()
        if img.ndim == 3:
            out = cv2.fastNlMeansDenoisingColored(img, None, h, h, 5, 21)
        else:
            out = cv2.fastNlMeansDenoising(img, None, h, templateWindowSize=5, searchWindowSize=21)
        seconds = time.perf_counter() - t
        write(dst, out)
        print(json.dumps({"seconds": seconds}))
        return
    if len(argv) == 6 and argv[0] == "inpaint":
        _, src, mask_path, dst_telea, dst_ns, radius = argv
        img = read(src)
        mask = read(mask_path, cv2.IMREAD_GRAYSCALE)
        mask = (mask != 0).astype("uint8") * 255
        radius = float(radius)
        seconds = {}
        for name, flag, dst in (("telea", cv2.INPAINT_TELEA, dst_telea), ("ns", cv2.INPAINT_NS, dst_ns)):
            t = time.perf_counter()
            out = cv2.inpaint(img, mask, radius, flag)
            seconds[name] = time.perf_counter() - t
            write(dst, out)
        print(json.dumps(seconds))
        return
    raise SystemExit("usage: opencv_ref.py version | nlm IN OUT H | inpaint IN MASK OUT_TELEA OUT_NS RADIUS")


if __name__ == "__main__":
    main(sys.argv[1:])
