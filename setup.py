"""What a wheel of Patrol carries beyond its Python: the folders at the top of the repository
that it serves, and its compiled catalog. The project itself is described in pyproject.toml.

templates/ and static/ stay at the top of the repository (beside qr/), where a checkout serves
them; a wheel installs only packages, so they are copied into this one as app/templates and
app/static, where app/folders.py looks first.

A checkout compiles app/translations' messages.po when it starts (app/i18n.py), but an
installed package may be read-only, and pip gives its files no dependable modification
times: the wheel carries the compiled messages.mo and no messages.po, so there is nothing to
compile at start.

An editable install (`pip install -e .`) runs the checkout itself: nothing is copied.
"""

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

SERVED_FROM_THE_TOP = ("templates", "static")
CATALOGS = "app/translations/*/LC_MESSAGES/messages.po"


class BuildPy(build_py):
    def run(self):
        if self.editable_mode:
            super().run()
            return
        package = Path(self.build_lib) / "app"
        # setuptools copies only what is newer into a build folder kept from an earlier build,
        # so a module moved or deleted since would still be installed.
        shutil.rmtree(package, ignore_errors=True)
        super().run()
        for folder in SERVED_FROM_THE_TOP:
            shutil.copytree(
                folder, package / folder, ignore=shutil.ignore_patterns(".*", "__pycache__")
            )
        for po_path in Path().glob(CATALOGS):
            mo_path = Path(self.build_lib) / po_path.with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file, mo_path.open("wb") as mo_file:
                write_mo(mo_file, read_po(po_file))


setup(cmdclass={"build_py": BuildPy})
