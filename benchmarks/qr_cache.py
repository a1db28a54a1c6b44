"""How long a QR code takes: made from scratch (best-scored mask or Patrol's fixed one) or cached.

    .venv/bin/python benchmarks/qr_cache.py [COUNT]

Prints milliseconds per code for SVG and PNG: making the image with the mask qrcode scores
best and with Patrol's fixed mask, a first request (make and write to the cache) and a later
request (read the cache). Each figure is the mean over COUNT codes of each code's fastest of
a few interleaved tries, so other work on the machine disturbs it little. Uses a temporary
QR folder and a realistic BASE_URL, since the URL's length decides the symbol's size.
"""

import statistics
import sys
import time

from large_school import school_app  # beside this script

from app.labels import qr
from app.models.code import random_code
from app.urls import scan_url

BASE_URL = "https://patrol.example-school.cn"
TRIES = 3


def timed_ms(function):
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def uncached_request(code, fmt):
    qr.cache_path(code, fmt).unlink(missing_ok=True)
    qr.image_bytes(code, fmt)


def measure(codes, fmt):
    render = qr.RENDERERS[fmt]
    variants = {
        "best mask": lambda c: render(qr.symbol(scan_url(c), mask_pattern=None)),
        "fixed mask": lambda c: render(qr.symbol(scan_url(c))),
        "uncached": lambda c: uncached_request(c, fmt),
        "cached": lambda c: qr.image_bytes(c, fmt),
    }
    fastest = {name: [] for name in variants}
    for code in codes:
        tries = {name: [] for name in variants}
        for _ in range(TRIES):
            for name, variant in variants.items():
                tries[name].append(timed_ms(lambda v=variant, c=code: v(c)))
        for name in variants:
            fastest[name].append(min(tries[name]))
    return {name: statistics.mean(times) for name, times in fastest.items()}


def main(count):
    codes = [random_code() for _ in range(count)]
    with school_app(BASE_URL=BASE_URL) as school, school.app.app_context():
        results = {fmt: measure(codes, fmt) for fmt in qr.FORMATS}
        sizes = {
            fmt: statistics.mean(len(qr.image_bytes(c, fmt)) for c in codes)
            for fmt in qr.FORMATS
        }
        url = scan_url(codes[0])
        version = qr.symbol(url).version

    print(
        f"{count} codes like {url} ({len(url)} bytes), error correction {qr.DEFAULT_LEVEL}, "
        f"symbol version {version}, fixed mask {qr.MASK_PATTERN}"
    )
    print(
        f"{'ms per code':12}{'best mask':>11}{'fixed mask':>12}{'uncached':>10}{'cached':>9}"
        f"{'bytes':>8}"
    )
    for fmt, figures in results.items():
        print(
            f"{fmt:12}" + f"{figures['best mask']:>11.2f}{figures['fixed mask']:>12.2f}"
            f"{figures['uncached']:>10.2f}{figures['cached']:>9.3f}{sizes[fmt]:>8.0f}"
        )
    print(
        "best/fixed mask: making the image only; uncached: a first request (make and write "
        "to the cache, fixed mask); cached: a later request (read the file)."
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
