"""Load the demo kindergarten: add what is missing, leave everything already there alone.

Rows are matched by stable keys (kind key, username, and the demo's fixed codes through
every code ever issued), so a re-seed neither duplicates nor undoes what someone changed
in the demo: a renamed, moved or relabelled asset stays as it is.
"""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.demo import kindergarten
from app.extensions import db
from app.models import Asset, AssetKind, Place, ScanCode, User
from app.models.code import issue_code


@dataclass
class SeedResult:
    added: Counter = field(default_factory=Counter)
    # Demo usernames that already existed with a password other than the demo's.
    kept_passwords: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added)


def seed_demo() -> SeedResult:
    result = SeedResult()
    kinds = _kinds(result)
    issued = {
        scan_code.value: scan_code
        for scan_code in db.session.scalars(
            sa.select(ScanCode).where(ScanCode.value.in_(demo_codes()))
        )
    }
    _place(kindergarten.SITE, None, 0, kinds, issued, result)
    _users(result)
    db.session.commit()
    return result


def demo_places(place=kindergarten.SITE):
    """Every demo place, depth first in walking order."""
    yield place
    for child in place.children:
        yield from demo_places(child)


def demo_codes() -> list[str]:
    places = list(demo_places())
    return [p.code for p in places] + [a.code for p in places for a in p.assets]


def _kinds(result):
    existing = db.session.scalars(sa.select(AssetKind)).all()
    by_key = {kind.key: kind for kind in existing}
    by_name = {kind.name: kind for kind in existing}
    kinds = {}
    for key, name, name_en in kindergarten.KINDS:
        # A kind someone already made under the demo's Chinese name is the same kind.
        kind = by_key.get(key) or by_name.get(name)
        if kind is None:
            kind = AssetKind(key=key, name=name, name_en=name_en)
            db.session.add(kind)
            result.added["kinds"] += 1
        kinds[key] = kind
    return kinds


def _place(seed, parent, position, kinds, issued, result):
    scan_code = issued.get(seed.code)
    place = scan_code.place if scan_code is not None else None
    if place is None:
        place = Place(
            name=seed.name,
            name_en=seed.name_en,
            kind=seed.kind,
            parent=parent,
            position=position,
            notes=seed.notes,
            code="",
        )
        db.session.add(place)
        issue_code(place, seed.code)
        result.added["places"] += 1
    for item in seed.assets:
        if item.code not in issued:
            asset = Asset(
                name=item.name,
                name_en=item.name_en,
                kind=kinds[item.kind],
                place=place,
                asset_number=item.asset_number,
                status=item.status,
                notes=item.notes,
                code="",
            )
            db.session.add(asset)
            issue_code(asset, item.code)
            result.added["assets"] += 1
    for child_position, child in enumerate(seed.children, start=1):
        _place(child, place, child_position, kinds, issued, result)


def _users(result):
    usernames = [username for username, _name, _role in kindergarten.USERS]
    existing = {
        user.username: user
        for user in db.session.scalars(sa.select(User).where(User.username.in_(usernames)))
    }
    for username, display_name, role in kindergarten.USERS:
        user = existing.get(username)
        if user is None:
            user = User(username=username, display_name=display_name, role=role)
            user.set_password(kindergarten.DEMO_PASSWORD)
            db.session.add(user)
            result.added["users"] += 1
        elif not user.check_password(kindergarten.DEMO_PASSWORD):
            # Someone chose this password; the demo must not take their account away.
            result.kept_passwords.append(username)
