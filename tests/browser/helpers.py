"""What a person does with a phone in Patrol, as Playwright steps."""

from contextlib import contextmanager

import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import School

DEMO_PASSWORD = "demo"


def sign_in(page, server, username, password=DEMO_PASSWORD, next_path=None):
    """Signs in from the sign-in page; lands where `next_path` (or the role's home) leads."""
    url = f"{server.url}/login"
    if next_path:
        url += f"?next={next_path}"
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stack button.primary")
    page.wait_for_load_state()


def draw_signature(page, canvas_selector="form[data-signed] canvas"):
    """A scribble with the finger (the mouse stands in for it) across the signature box."""
    canvas = page.locator(canvas_selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    left, top = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(left + step * 20, top + (12 if step % 2 else -12), steps=4)
    page.mouse.up()


def photo_file(folder, name="photo.jpg"):
    """A real JPEG, as a phone's camera would give."""
    from PIL import Image

    path = folder / name
    Image.new("RGB", (640, 480), (180, 60, 40)).save(path, "JPEG", quality=80)
    return path


@contextmanager
def in_first_school(app):
    """The app's context in the demo's first school, 阳光幼儿园: with the district's three
    schools, code outside a request is in no school until told which."""
    with app.app_context():
        first = db.session.scalar(sa.select(School.id).order_by(School.id).limit(1))
        with tenancy.in_school(first):
            yield
