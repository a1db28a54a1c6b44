from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.fields import EmailField, TelField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from app.models import SCHOOL_ROLES
from app.users.rules import (
    DISPLAY_NAME_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_RULE,
    find_user,
    is_valid_username,
    mobile_problem,
    normalize_mobile,
    normalize_username,
    password_problem,
)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower_case(value):
    return normalize_username(value) if isinstance(value, str) else value


def none_if_empty(value):
    return value or None


EMAIL_MAX_LENGTH = 254
# One @, something on each side, a dot in the domain, no spaces or punctuation that would
# break a mail header: enough to catch a typo without a dependency; the mail server decides.
EMAIL_PATTERN = r'^[^@\s<>()\[\],;:"\\]+@[^@\s<>()\[\],;:"\\]+\.[^@\s<>()\[\],;:"\\.]+$'


def plain_mobile(value):
    return normalize_mobile(value) if isinstance(value, str) else value


# Each language named in itself, as on the language switch; empty: whatever the school uses.
NOTICE_LANGUAGES = (("zh", "中文"), ("en", "English"))


def language_choices():
    return [SelectChoice("", _l("The school's language"))] + [
        SelectChoice(code, name) for code, name in NOTICE_LANGUAGES
    ]


def usable_mobile(form, field):
    if field.data:
        problem = mobile_problem(field.data)
        if problem:
            raise ValidationError(problem)


def role_choices():
    # The roles a school gives: the district's readers' role is never given here.
    return [SelectChoice(role.value, role.label) for role in SCHOOL_ROLES]


def usable_password(form, field):
    if field.data:
        problem = password_problem(field.data)
        if problem:
            raise ValidationError(problem)


class AccountForm(FlaskForm):
    display_name = StringField(
        _l("Name shown on records"),
        filters=[strip],
        validators=[DataRequired(), Length(max=DISPLAY_NAME_MAX_LENGTH)],
    )
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])
    email = EmailField(
        _l("Email (optional)"),
        filters=[strip, none_if_empty],
        validators=[
            Optional(),
            Length(max=EMAIL_MAX_LENGTH),
            Regexp(EMAIL_PATTERN, message=_l("Enter an email address like name@school.cn.")),
        ],
        description=_l("Where Patrol sends the jobs and repairs that wait on this person."),
    )
    mobile = TelField(
        _l("Mobile (optional)"),
        filters=[strip, plain_mobile, none_if_empty],
        validators=[Optional(), usable_mobile],
        description=_l("A chat notice names this person by it, e.g. 13800138000."),
    )
    language = SelectField(
        _l("Notices in"),
        choices=language_choices(),
        # Stored as None for the school's language, offered as the empty choice.
        filters=[lambda value: value or ""],
        description=_l("It follows this person's own choice on the language switch."),
    )


class NewUserForm(AccountForm):
    username = StringField(
        _l("Username"),
        filters=[lower_case],
        validators=[DataRequired()],
        description=USERNAME_RULE,
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), usable_password],
        description=_l("At least %(count)s characters.", count=PASSWORD_MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )

    def validate_username(self, field):
        if not is_valid_username(field.data):
            raise ValidationError(USERNAME_RULE)
        if find_user(field.data) is not None:
            raise ValidationError(_l("This username is already taken."))


class EditUserForm(AccountForm):
    active = BooleanField(_l("May sign in (untick to disable the account)"))
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), usable_password],
        description=_l("Leave empty to keep the current password."),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class AddMemberForm(FlaskForm):
    """Someone with an account already (a contractor of another school), given a role here."""

    username = StringField(
        _l("Username"),
        filters=[lower_case],
        validators=[DataRequired(), Length(max=40)],
        description=_l("The username they sign in with."),
    )
    role = SelectField(
        _l("Role in this school"), choices=role_choices(), validators=[DataRequired()]
    )

    def validate_username(self, field):
        if find_user(field.data) is None:
            raise ValidationError(_l("There is nobody with this username."))
