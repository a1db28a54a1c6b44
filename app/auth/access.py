"""The role check every route that shows or changes data goes through."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app import memberships
from app.errors import NoSchool
from app.models import DistrictRole, Role


def roles_required(*roles: Role):
    """Signed-out people are sent to sign in; signed-in people without the role get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role is None:
                # No membership left anywhere (app.auth.sign_ins moved them wherever it could).
                raise NoSchool()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.ADMIN)
staff_required = roles_required(Role.ADMIN, Role.INSPECTOR, Role.REPAIRER)
# The lists a district's people may read in a school of theirs (Role.VIEWER), beside its staff.
readers_required = roles_required(Role.ADMIN, Role.INSPECTOR, Role.REPAIRER, Role.VIEWER)


def district_required(*roles: DistrictRole):
    """The district's pages: signed-out people are sent to sign in; anyone without one of these
    roles (any district role when none are named) in some district gets 403."""
    wanted = roles or tuple(DistrictRole)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not memberships.district_ids(current_user, wanted):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
