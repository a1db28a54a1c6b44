"""How long a QR code takes: made from scratch (best-scored mask or Patrol's fixed one) or cached.

    .venv/bin/python benchmarks/qr_cache.py [COUNT]

Prints milliseconds per code for SVG and PNG. Uses a temporary QR folder and an in-memory
database; a realistic BASE_URL, since the URL's length decides the symbol's size.
"""

import statistics
import sys
import tempfile
import time

from app import create_app
from app.labels import qr
from app.models.code import random_code
from app.urls import scan_url

BASE_URL = "https://patrol.example-school.cn"


def per_code_ms(function, codes, repeat=3):
    """The best of `repeat` runs over all codes, in ms per code (the least disturbed run)."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for code in codes:
            function(code)
        runs.append((time.perf_counter() - started) * 1000 / len(codes))
    return min(runs)


def main(count):
    codes = [random_code() for _ in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "benchmark",
                "DATABASE_URL": "sqlite://",
                "BASE_URL": BASE_URL,
                "QR_FOLDER": folder,
            }
        )
        with app.app_context():
            rows = []
            for fmt in qr.FORMATS:
                render = qr.RENDERERS[fmt]
                best_mask = per_code_ms(
                    lambda c, r=render: r(qr.symbol(scan_url(c), mask_pattern=None)), codes
                )
                fixed_mask = per_code_ms(lambda c, r=render: r(qr.symbol(scan_url(c))), codes)
                # The first request for a code makes the image and writes it (fresh codes
                # each run); later requests read the file.
                first = min(
                    per_code_ms(
                        lambda c, f=fmt: qr.image_bytes(c, f),
                        [random_code() for _ in range(count)],
                        repeat=1,
                    )
                    for _ in range(3)
                )
                for code in codes:
                    qr.image_bytes(code, fmt)
                cached = per_code_ms(lambda c, f=fmt: qr.image_bytes(c, f), codes)
                sizes = [len(qr.image_bytes(c, fmt)) for c in codes]
                rows.append((fmt, best_mask, fixed_mask, first, cached, statistics.mean(sizes)))
            url = scan_url(codes[0])
            version = qr.symbol(url).version

    print(f"{count} codes like {url} ({len(url)} bytes), ", end="")
    print(f"error correction {qr.DEFAULT_LEVEL}, symbol version {version}")
    print(f"{'':6}{'best mask':>12}{'fixed mask':>12}{'uncached':>12}{'cached':>10}{'bytes':>8}")
    print(f"{'':6}{'(generate)':>12}{'(generate)':>12}{'(+ write)':>12}{'(read)':>10}")
    for fmt, best_mask, fixed_mask, first, cached, size in rows:
        print(
            f"{fmt:6}{best_mask:>9.2f} ms{fixed_mask:>9.2f} ms{first:>9.2f} ms"
            f"{cached:>7.3f} ms{size:>8.0f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
