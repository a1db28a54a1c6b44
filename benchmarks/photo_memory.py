"""What hostile photos cost the server's memory, next to real phone photos, all sent at once.

    .venv/bin/python benchmarks/photo_memory.py [--workers 2] [--threads 4] [--port N]

Builds a small school (benchmarks/large_school.py, 60 assets, no history) in a temporary
SQLite file and serves the real app under gunicorn on the loopback, behind one pretend proxy
so each report comes from an address of its own (the public report form's rate limit is per
address). It makes, with Pillow, four hostile images small on the wire:

- a 9,400 x 9,400 PNG of one colour (88 million pixels, just under Pillow's own limit);
- a 9,000 x 9,000 WebP of one colour;
- a JPEG whose header declares 20,000 x 20,000 (a small JPEG with its size rewritten);
- a 7,000 x 7,000 progressive JPEG of one colour (a progressive JPEG is held whole while
  it is decoded, however small it is drawn);

and four real-looking 12-megapixel phone photos (4,000 x 3,000 JPEGs with noise on a
gradient, a few MB each). After a warm-up it reads the server's idle memory (the resident
set of gunicorn and its workers, from /proc), then sends the eight as public fault reports
from the outbox (JSON answers), all at once, sampling the memory every 10 ms until every
answer is in. It prints idle, peak and peak above idle, and each send's status and message.
The goal: under 400 MB above idle, every real photo kept, every hostile one refused.

A second round sends eight images just within the limits Patrol accepts (the dearest to
decode it lets in: RGBA WebP and PNG, a progressive JPEG and a 50-megapixel JPEG, two of
each, each with noise so none is small), and prints the same figures: what an attacker who
knows the limits can make a server spend.
"""

import argparse
import io
import json
import random
import secrets
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from large_school import build_school, school_app  # beside this script
from PIL import Image, ImageDraw
from scan_page import Server, free_port

from app.core.photos.decoding import WHOLE_MAX_PIXELS
from app.extensions import db

MEGABYTE = 1024 * 1024
GOAL_ABOVE_IDLE = 400 * MEGABYTE


def hostile_images():
    """(label, filename, bytes): small files that declare or decode to a great many pixels."""
    png = io.BytesIO()
    Image.new("RGB", (9400, 9400), (200, 40, 40)).save(png, "PNG")
    webp = io.BytesIO()
    Image.new("RGB", (9000, 9000), (40, 200, 40)).save(webp, "WEBP", quality=10, method=0)
    progressive = io.BytesIO()
    Image.new("RGB", (7000, 7000), (40, 40, 200)).save(
        progressive, "JPEG", progressive=True, quality=50
    )
    return [
        ("PNG 9400x9400, one colour", "flat.png", png.getvalue()),
        ("WebP 9000x9000, one colour", "flat.webp", webp.getvalue()),
        ("JPEG declaring 20000x20000", "declared.jpg", declared_jpeg(20000, 20000)),
        ("progressive JPEG 7000x7000", "progressive.jpg", progressive.getvalue()),
    ]


def within_limits(rng):
    """(label, filename, bytes): the dearest images to decode that are still accepted."""
    whole = int(WHOLE_MAX_PIXELS ** 0.5) - 1
    images = []
    for number in range(2):
        noise = Image.effect_noise((whole, whole), 30 + number)
        rgba = Image.merge("RGBA", (noise, noise, noise, noise))
        # Under the 10 MB a photo may weigh: PNG has no lossy setting to shrink noise with.
        gradient = Image.linear_gradient("L").resize((whole, whole))
        smooth = Image.merge("RGBA", (gradient, gradient, noise.point(lambda v: v // 64 * 64),
                                      gradient))
        for label, extension, options in (
            ("WebP RGBA", "webp", {"format": "WEBP", "quality": 1, "method": 0}),
            ("PNG RGBA", "png", {"format": "PNG", "compress_level": 1}),
            ("progressive JPEG", "jpg",
             {"format": "JPEG", "progressive": True, "subsampling": 0, "quality": 30}),
        ):
            data = io.BytesIO()
            image = {"webp": rgba, "png": smooth, "jpg": rgba.convert("RGB")}[extension]
            image.save(data, **options)
            images.append((f"{label} {whole}x{whole}", f"limit{number}.{extension}",
                           data.getvalue()))
        large = Image.effect_noise((8160, 6120), 20).convert("RGB")
        data = io.BytesIO()
        large.save(data, "JPEG", quality=30)
        images.append(("JPEG 8160x6120", f"large{number}.jpg", data.getvalue()))
    return images


def declared_jpeg(width, height):
    """A small baseline JPEG whose frame header claims width x height."""
    small = io.BytesIO()
    Image.new("RGB", (64, 64), "grey").save(small, "JPEG")
    data = bytearray(small.getvalue())
    frame = data.index(b"\xff\xc0")  # SOF0: length(2) precision(1) height(2) width(2)
    data[frame + 5:frame + 7] = height.to_bytes(2, "big")
    data[frame + 7:frame + 9] = width.to_bytes(2, "big")
    return bytes(data)


def phone_photos(count, rng):
    """(label, filename, bytes): 4000 x 3000 JPEGs as detailed as a phone's, 3-6 MB each."""
    photos = []
    for number in range(count):
        size = (4000, 3000)
        base = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360)).resize(size)
        channels = [
            Image.blend(base, Image.effect_noise(size, rng.uniform(40, 70)), 0.5)
            for _ in range(3)
        ]
        image = Image.merge("RGB", channels)
        ImageDraw.Draw(image).ellipse((800, 600, 3200, 2400), outline="white", width=40)
        data = io.BytesIO()
        image.save(data, "JPEG", quality=80)
        photos.append((f"phone photo {number + 1}, 4000x3000", f"IMG_{number + 1}.jpg",
                       data.getvalue()))
    return photos


def multipart(fields, files):
    boundary = secrets.token_hex(16)
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n".encode())
    for name, filename, data in files:
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                   f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                   .encode())
        body.write(data)
        body.write(b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def send_report(origin, code, address, filename, data):
    """One public report from the outbox, from its own address; returns (status, answer)."""
    forwarded = {"X-Forwarded-For": address, "Accept-Language": "en"}
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    token_request = urllib.request.Request(f"{origin}/offline/csrf", headers=forwarded)
    with opener.open(token_request, timeout=30) as answer:
        token = json.load(answer)["csrf_token"]
    body, content_type = multipart(
        {"csrf_token": token, "client_id": secrets.token_hex(16), "description": "Broken",
         "urgency": "needs_repair", "public_name": "Benchmark"},
        [("photos", filename, data)],
    )
    request = urllib.request.Request(
        f"{origin}/q/{code}/report", data=body, method="POST",
        headers={**forwarded, "Content-Type": content_type, "X-Patrol-Outbox": "1"},
    )
    try:
        with opener.open(request, timeout=300) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def tree_rss(pid):
    """Resident memory of a process and its children, in bytes, from /proc."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for member in (pid, *map(int, children)):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except FileNotFoundError:  # a worker restarting
            continue
        kilobytes = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        total += int(kilobytes.split()[1]) * 1024
    return total


class PeakSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.01)


def outcome(status, answer):
    if status in (200, 201):
        return "kept"
    messages = answer.get("errors", {}).get("photos") or [answer.get("message", "")]
    return f"refused ({status}): {' / '.join(messages)}"


def main(args):
    rng = random.Random(2024)
    hostile, real, limits = hostile_images(), phone_photos(4, rng), within_limits(rng)

    with school_app() as school:
        with school.app.app_context():
            codes, _without = build_school(60, 0, 0, rng)
            db.session.remove()
        environment = {"PATROL_ENV": "development", "DATABASE_URL": school.database_url,
                       "PROXY_COUNT": "1"}
        for name in ("SECRET_KEY", "UPLOAD_FOLDER", "QR_FOLDER"):
            environment[name] = school.app.config[name]
        server = Server(school.folder, environment, args.workers, args.port or free_port(),
                        threads=args.threads)
        try:
            server.wait_until_up()
            small = io.BytesIO()
            Image.new("RGB", (800, 600), "white").save(small, "JPEG")
            for number in range(2 * args.workers):  # every worker has served a photo once
                send_report(server.origin, codes[0], f"10.0.0.{number + 1}", "warm.jpg",
                            small.getvalue())
            time.sleep(1)
            idle = tree_rss(server.process.pid)

            sends = [*hostile, *real]
            peak, answers = send_at_once(server, codes, sends, 1)
            time.sleep(1)
            second_idle = tree_rss(server.process.pid)
            second_peak, second_answers = send_at_once(server, codes, limits, 2)
        finally:
            server.stop()

    print(f"gunicorn, {args.workers} workers x {args.threads} threads, on the loopback; "
          f"{len(sends)} public fault reports sent at once, one photo each")
    print_round("hostile images and real phone photos", idle, peak, sends, answers)
    kept_real = sum(status in (200, 201) for status, _ in answers[len(hostile):])
    refused_hostile = sum(status not in (200, 201) for status, _ in answers[:len(hostile)])
    print(f"real photos kept: {kept_real} of {len(real)}; "
          f"hostile images refused: {refused_hostile} of {len(hostile)}")
    print_round("images just within the limits", second_idle, second_peak, limits,
                second_answers)


def send_at_once(server, codes, sends, round_number):
    """Every send at once, each from an address of its own; (peak memory, answers)."""
    sampler = PeakSampler(server.process.pid)
    sampler.start()
    with ThreadPoolExecutor(len(sends)) as pool:
        answers = list(pool.map(
            lambda numbered: send_report(
                server.origin, codes[numbered[0]], f"10.{round_number}.1.{numbered[0] + 1}",
                numbered[1][1], numbered[1][2],
            ),
            enumerate(sends),
        ))
    sampler.running = False
    sampler.join()
    return sampler.peak, answers


def print_round(title, idle, peak, sends, answers):
    print(f"{title}: idle {idle / MEGABYTE:.0f} MB, peak {peak / MEGABYTE:.0f} MB, "
          f"peak above idle {(peak - idle) / MEGABYTE:.0f} MB "
          f"(goal: under {GOAL_ABOVE_IDLE // MEGABYTE} MB)")
    for (label, _filename, data), (status, answer) in zip(sends, answers, strict=True):
        print(f"  {label} ({len(data) / 1024:.0f} KB): {outcome(status, answer)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, help="loopback port for gunicorn (default: a free one)")
    main(parser.parse_args())
