"""Where the folders Patrol serves and writes are: at the top of a checkout, or inside the
installed package.

The repository keeps templates/, static/ and qr/ at its top, beside app/; so does an editable
install (`pip install -e .`), which runs the checkout itself. A wheel installs only packages,
so setup.py copies templates/ and static/ into this one (app/templates, app/static). qr/ is
a cache Patrol writes, and site-packages may be read-only: an installed Patrol keeps it in
its instance folder instead.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = (PACKAGE / "templates").is_dir()
SERVED_FROM = PACKAGE if INSTALLED else PACKAGE.parent
TEMPLATES = SERVED_FROM / "templates"
STATIC = SERVED_FROM / "static"


def qr_folder(instance: Path) -> Path:
    return instance / "qr" if INSTALLED else PACKAGE.parent / "qr"
