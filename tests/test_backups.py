"""Backups that restore: an archive made while phones keep sending, restored into a new
install with every acknowledged send, signature and photo; and every archive or install a
restore must refuse."""

import io
import re
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app, tenancy
from app.backups.archive import ArchiveWriter, Manifest
from app.backups.integrity import check
from app.backups.restoring import migrations
from app.extensions import db
from app.models import Asset, Fault, Inspection, Signature
from tests.conftest import POSTGRES_URL, AuthActions, base_config
from tests.factories import make_asset, make_school, make_slide
from tests.test_inspections import all_ok, drawn_signature, image_file, post

PHONES = 3
BEFORE_BACKUP = 6


@pytest.fixture
def slide(app):
    return make_slide(app)


@pytest.fixture
def new_install(tmp_path):
    """Make another empty install beside the test's, migrated to `revision` (None: its schema
    not made). Its own SQLite file, or on PostgreSQL its own database (the test's name +
    "_restored" and a number)."""
    made = []

    def make(revision="head"):
        folder = tmp_path / f"new-{len(made)}"
        if POSTGRES_URL:
            url = _empty_postgres_database(f"{POSTGRES_URL}_restored{len(made)}")
        else:
            url = f"sqlite:///{folder / 'patrol.sqlite'}"
        folder.mkdir()
        install = create_app(base_config(folder, url))
        if revision:
            with install.app_context():
                upgrade(revision=revision)
        made.append(install)
        return install

    yield make
    for install in made:
        with install.app_context():
            db.session.remove()
            db.engine.dispose()


def _empty_postgres_database(url):
    server, name = url.rsplit("/", 1)
    admin = sa.create_engine(
        re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", f"{server}/postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


def backup(app, path):
    return app.test_cli_runner().invoke(args=["backup", str(path)])


def restore(app, path):
    return app.test_cli_runner().invoke(args=["restore", str(path)])


def client_ids(app, model):
    with app.app_context(), tenancy.everywhere():
        return set(db.session.scalars(sa.select(model.client_id)))


def count_rows(app):
    with app.app_context(), db.engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return sum(
            connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
            for name in names
            if name not in ("alembic_version", "schools")
        )


class Phones:
    """Phones sending all the time: inspectors signing the slide's check (every third with a
    photo) and the logistics head reporting faults with a photo. What was acknowledged, in order."""

    def __init__(self, app, slide):
        self.app, self.slide = app, slide
        self.inspections, self.faults = [], []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self._inspector) for _ in range(PHONES)]
        self.threads.append(threading.Thread(target=self._reporter))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def acknowledged(self):
        with self.lock:
            return set(self.inspections), set(self.faults)

    def wait_for(self, count):
        deadline = time.monotonic() + 60
        while len(self.inspections) + len(self.faults) < count:
            assert time.monotonic() < deadline and not self.errors, self.errors
            time.sleep(0.05)

    def _inspector(self):
        client = self.app.test_client()
        AuthActions(client).login("inspector")
        photo_item = self.slide["items"][4]
        sent = 0
        while not self.stopping.is_set():
            extra = {f"item-{photo_item}-photo": image_file()} if sent % 3 == 0 else {}
            data = all_ok(self.slide, signature_data=drawn_signature(), **extra)
            self._answered(post(client, self.slide, data), data["client_id"], self.inspections)
            sent += 1

    def _reporter(self):
        client = self.app.test_client()
        AuthActions(client).login("admin")
        while not self.stopping.is_set():
            client_id = uuid.uuid4().hex
            response = client.post(
                f"/q/{self.slide['code']}/report",
                data={"description": "Chain loose", "urgency": "unsafe", "client_id": client_id,
                      "public_name": "王老师", "photos": [image_file()]},
                content_type="multipart/form-data",
            )
            self._answered(response, client_id, self.faults)

    def _answered(self, response, client_id, acknowledged):
        if response.status_code == 303:
            with self.lock:
                acknowledged.append(client_id)
        elif response.status_code != 503:  # busy: the phone's outbox sends it again
            self.errors.append((response.request.path, response.status_code))


def test_a_backup_during_a_stream_of_sends_restores_every_send_acknowledged_before_it(
    app, slide, tmp_path, new_install, runner
):
    archive = tmp_path / "patrol.tar.gz"
    with Phones(app, slide) as phones:
        phones.wait_for(BEFORE_BACKUP)
        inspections_before, faults_before = phones.acknowledged()
        made = backup(app, archive)
        sent_during_backup = len(phones.inspections) + len(phones.faults)
        phones.wait_for(sent_during_backup + 3)
    assert made.exit_code == 0, made.output
    assert not phones.errors
    assert "Backup written to" in made.output

    install = new_install(revision=None)
    restored = restore(install, archive)
    assert restored.exit_code == 0, restored.output
    assert "Records checked: every signature and every photo named is in place." in restored.output
    assert inspections_before <= client_ids(install, Inspection)
    assert faults_before <= client_ids(install, Fault)
    with install.app_context():
        report = check(migrations().get_current_head())
        photos = list((Path(install.config["UPLOAD_FOLDER"]) / "photos").iterdir())
        with tenancy.everywhere():
            drawn = db.session.scalar(
                sa.select(sa.func.count()).select_from(Signature).where(Signature.image.is_not(None))
            )
    assert report.problems == [] and report.older_revision is None
    assert len(photos) >= 2 * (len(faults_before) + len(inspections_before) // 3)
    assert drawn >= len(inspections_before)


def test_a_restored_install_is_the_backup_and_still_keeps_its_schools_apart(
    app, slide, tmp_path, new_install
):
    with app.app_context():
        other = make_school("east")
        with tenancy.in_school(other):
            make_asset("东校滑梯", "East slide", code="EAST01")
        db.session.commit()
        other_id = other.id
    archive = tmp_path / "patrol.tar"
    assert backup(app, archive).exit_code == 0
    install = new_install()
    restored = restore(install, archive)
    assert restored.exit_code == 0, restored.output
    with install.app_context():
        with tenancy.in_school(1):
            # A plain statement, below the application's criteria: on PostgreSQL only the
            # restored policies, and the grants to its role, keep the east school's out.
            seen = set(db.session.execute(sa.text("SELECT code FROM assets")).scalars())
            db.session.rollback()
        with tenancy.in_school(other_id):
            east = set(db.session.scalars(sa.select(Asset.code)))
            db.session.rollback()
    assert east == {"EAST01"}
    if POSTGRES_URL:
        assert seen == {slide["code"]}
        with install.app_context(), tenancy.in_school(1):
            role = db.session.execute(sa.text("SELECT current_user")).scalar()
            db.session.rollback()
        assert role == install.config["DATABASE_APP_ROLE"]


def test_the_check_finds_a_missing_photo_and_a_changed_signature(
    app, slide, tmp_path, new_install
):
    client = app.test_client()
    AuthActions(client).login("inspector")
    photo_item = slide["items"][4]
    photo = {f"item-{photo_item}-photo": image_file()}
    data = all_ok(slide, signature_data=drawn_signature(), **photo)
    assert post(client, slide, data).status_code == 303
    archive = tmp_path / "patrol.tar"
    assert backup(app, archive).exit_code == 0
    install = new_install()
    assert restore(install, archive).exit_code == 0
    folder = Path(install.config["UPLOAD_FOLDER"]) / "photos"
    (lost,) = [path for path in folder.iterdir() if not path.name.endswith("_thumb.jpg")]
    lost.unlink()
    with install.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE signatures SET signer_name = 'Someone else'"))
    with install.app_context():
        with tarfile.open(archive) as tar:
            manifest = Manifest.from_json(tar.extractfile("manifest.json").read())
        report = check(migrations().get_current_head(), manifest)
    problems = [str(problem) for problem in report.problems]
    assert problems == [
        "The signatures are not those of the backup.",
        f"The photo {lost.name}, named by a record, is missing.",
    ]
    checked = install.test_cli_runner().invoke(args=["check-records"])
    assert checked.exit_code == 1
    assert f"The photo {lost.name}, named by a record, is missing." in checked.output


def test_a_restore_into_an_install_in_use_is_refused(app, tmp_path, new_install, runner):
    archive = tmp_path / "patrol.tar"
    assert backup(app, archive).exit_code == 0
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1
    assert "This install is not empty (memberships holds 3 rows)" in refused.output


def test_refusals_speak_the_terminal_s_language(app, tmp_path, monkeypatch):
    archive = tmp_path / "patrol.tar"
    assert backup(app, archive).exit_code == 0
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    refused = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1
    assert "本系统并非空的" in refused.output
    again = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert again.exit_code == 1 and "已存在" in again.output


def test_a_backup_into_a_folder_that_is_not_there_is_refused(app, tmp_path, runner):
    made = runner.invoke(args=["backup", str(tmp_path / "gone" / "patrol.tar")])
    assert made.exit_code == 1
    assert f"The folder {tmp_path / 'gone'} does not exist." in made.output


def test_a_backup_never_overwrites_a_file(app, tmp_path, runner):
    archive = tmp_path / "patrol.tar"
    archive.write_bytes(b"last week's")
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 1
    assert "already exists" in made.output
    assert archive.read_bytes() == b"last week's"


def damaged(archive: Path, how: str) -> Path:
    data = bytearray(archive.read_bytes())
    if how == "cut in a member":
        data = data[: len(data) // 2]
    elif how == "cut before the manifest":
        with tarfile.open(archive) as tar:
            data = data[: tar.getmember("manifest.json").offset]
    elif how == "flipped":
        # A byte inside the database, the first member: its header is the first 1.5 KB.
        data[4096] ^= 0xFF
    else:
        data = bytearray(b"PK\x03\x04 not a tar at all" * 100)
    archive.write_bytes(bytes(data))
    return archive


@pytest.mark.parametrize(
    "how, message",
    [
        ("cut in a member", "This file is not a Patrol backup, or it is damaged or cut short"),
        ("cut before the manifest", "This backup is incomplete: its manifest is missing"),
        ("flipped", "does not match its checksum"),
        ("foreign", "This file is not a Patrol backup, or it is damaged or cut short"),
    ],
)
def test_a_damaged_or_foreign_archive_is_refused_and_restores_nothing(
    app, tmp_path, new_install, how, message
):
    archive = tmp_path / "patrol.tar"
    assert backup(app, archive).exit_code == 0
    install = new_install()
    refused = restore(install, damaged(archive, how))
    assert refused.exit_code == 1
    assert message in refused.output
    assert count_rows(install) == 0


def archive_with(path: Path, members, manifest_fields=None) -> Path:
    """A well-formed archive of these (name, TarInfo type, bytes) members and a manifest
    listing them with their right checksums."""
    writer = ArchiveWriter(path)
    for name, kind, content in members:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.size = len(content) if kind == tarfile.REGTYPE else 0
        info.linkname = "/etc/passwd" if kind != tarfile.REGTYPE else ""
        writer.tar.addfile(info, io.BytesIO(content) if kind == tarfile.REGTYPE else None)
        writer.files[name] = {"sha256": _sha256(content), "size": len(content)}
    fields = {
        "patrol_version": "0.1.0",
        "alembic_revision": "3c5d0e8f2a41",
        "database": "postgresql" if POSTGRES_URL else "sqlite",
        "created_at": "2026-12-04T08:00:00+00:00",
        "counts": {},
        "signatures_sha256": "",
        "schema": "public" if POSTGRES_URL else None,
        **(manifest_fields or {}),
    }
    writer.finish(Manifest(**fields))
    return path


def _sha256(content):
    import hashlib

    return hashlib.sha256(content).hexdigest()


DATABASE = "database.pgdump" if POSTGRES_URL else "database.sqlite"


@pytest.mark.parametrize(
    "name, kind",
    [
        ("../../escaped", tarfile.REGTYPE),
        ("/tmp/escaped", tarfile.REGTYPE),
        ("photos/../../escaped", tarfile.REGTYPE),
        ("photos/sub/escaped", tarfile.REGTYPE),
        ("photos/link.jpg", tarfile.SYMTYPE),
        ("photos/hard.jpg", tarfile.LNKTYPE),
        ("photos/.hidden", tarfile.REGTYPE),
        ("instance/config.py", tarfile.REGTYPE),
    ],
)
def test_an_archive_with_a_hostile_member_is_refused_and_nothing_lands_outside(
    tmp_path, new_install, name, kind
):
    install = new_install()
    archive = archive_with(
        tmp_path / "hostile.tar", [(DATABASE, tarfile.REGTYPE, b"x"), (name, kind, b"owned")]
    )
    refused = restore(install, archive)
    assert refused.exit_code == 1
    assert f"This backup holds “{name}”, which a Patrol backup never holds" in refused.output
    assert not Path("/tmp/escaped").exists()
    assert [p for p in tmp_path.rglob("*escaped*")] == []
    uploads = Path(install.config["UPLOAD_FOLDER"])
    assert [p.name for p in uploads.iterdir()] == []
    assert count_rows(install) == 0


def test_an_archive_of_the_other_kind_of_database_is_refused(tmp_path, new_install):
    install = new_install()
    other = "sqlite" if POSTGRES_URL else "postgresql"
    member = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}[other]
    archive = archive_with(
        tmp_path / "other.tar", [(member, tarfile.REGTYPE, b"x")], {"database": other}
    )
    refused = restore(install, archive)
    assert refused.exit_code == 1
    assert "a restore cannot move records between the two" in refused.output


def test_an_archive_from_a_newer_patrol_is_refused(tmp_path, new_install):
    install = new_install()
    archive = archive_with(
        tmp_path / "newer.tar",
        [(DATABASE, tarfile.REGTYPE, b"x")],
        {"alembic_revision": "0123456789ab"},
    )
    refused = restore(install, archive)
    assert refused.exit_code == 1
    assert "made by a newer Patrol (database revision 0123456789ab)" in refused.output
    assert count_rows(install) == 0


def test_an_older_backup_is_restored_and_brought_forward_by_db_upgrade(
    tmp_path, new_install, runner
):
    old = new_install(revision="3c5d0e8f2a41")
    with old.app_context(), db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (username, display_name, password_hash, active,"
                " created_at) VALUES ('wang', 'Wang', 'x', true, '2026-01-01')"
            )
        )
    archive = tmp_path / "old.tar"
    assert backup(old, archive).exit_code == 0
    install = new_install()
    restored = restore(install, archive)
    assert restored.exit_code == 0, restored.output
    assert "The database is at an older revision (3c5d0e8f2a41)" in restored.output
    with install.app_context():
        upgrade()
    checked = install.test_cli_runner().invoke(args=["check-records"])
    assert checked.exit_code == 0, checked.output
    assert "Records checked" in checked.output
    with install.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT username FROM users")).scalars().all() == [
            "wang"
        ]
