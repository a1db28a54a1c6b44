"""Who works in which school as what, and over which district's schools: the lookups that
span schools by design, for the sign-in, the school switch and the district's pages.

Rules:

- A person's schools are their memberships, each with a role; their first school is the one
  of lowest id (the oldest).
- A district's people read each of the district's schools (Role.VIEWER there) and change
  nothing in them; a district admin also manages the district's schools and templates.
- A person may belong to several districts; their district pages show the schools of all
  of them, and a school of another district is not found for them.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import tenancy
from app.extensions import db
from app.models import District, DistrictMember, DistrictRole, Membership, School, User


def schools_of(user: User) -> list[Membership]:
    """The user's memberships with their schools, oldest school first."""
    with tenancy.everywhere():
        return db.session.scalars(
            sa.select(Membership)
            .join(Membership.school)
            .where(Membership.user_id == user.id)
            .options(so.contains_eager(Membership.school))
            .order_by(School.id)
        ).all()


def member_or_404(user_id: int) -> User:
    """A person of the current school by id, with their membership; 404 for anyone else.
    People belong to the deployment: a school sees only those who work in it."""
    return db.one_or_404(
        sa.select(User)
        .join(User.membership)
        .where(User.id == user_id)
        .options(so.contains_eager(User.membership))
    )


def first_school_id(user: User) -> int | None:
    with tenancy.everywhere():
        return db.session.scalar(
            sa.select(sa.func.min(Membership.school_id)).where(Membership.user_id == user.id)
        )


def membership_in(user: User, school_id: int) -> Membership | None:
    with tenancy.everywhere():
        return db.session.scalar(
            sa.select(Membership).where(
                Membership.user_id == user.id, Membership.school_id == school_id
            )
        )


def district_role_over(user: User, school: School) -> DistrictRole | None:
    """The user's role in the school's district, if the school has one and they are in it."""
    if school.district_id is None:
        return None
    return db.session.scalar(
        sa.select(DistrictMember.role).where(
            DistrictMember.user_id == user.id,
            DistrictMember.district_id == school.district_id,
        )
    )


def district_memberships(user: User) -> list[DistrictMember]:
    """The user's district roles with their districts, in district code order; read once per
    request (kept on the user object, which lives for one request)."""
    found = getattr(user, "_district_memberships", None)
    if found is None:
        found = db.session.scalars(
            sa.select(DistrictMember)
            .join(DistrictMember.district)
            .where(DistrictMember.user_id == user.id)
            .options(so.contains_eager(DistrictMember.district))
            .order_by(District.code)
        ).all()
        user._district_memberships = found
    return found


def district_ids(user: User, roles: tuple[DistrictRole, ...] = tuple(DistrictRole)) -> list[int]:
    """The districts in which the user has one of these roles."""
    return [m.district_id for m in district_memberships(user) if m.role in roles]


def district_schools(user: User) -> list[School]:
    """Every school of the user's districts, by code."""
    ids = district_ids(user)
    if not ids:
        return []
    return db.session.scalars(
        sa.select(School).where(School.district_id.in_(ids)).order_by(School.code)
    ).all()


def district_school(
    user: User, code: str, roles: tuple[DistrictRole, ...] = tuple(DistrictRole)
) -> School | None:
    """The school of that code if it is in one of the user's districts (with one of these
    roles); None for any other school, or none."""
    ids = district_ids(user, roles)
    if not ids:
        return None
    return db.session.scalar(
        sa.select(School).where(School.code == code, School.district_id.in_(ids))
    )
