from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from app.core.place_tree import PlaceTree
from app.core.sent_forms import new_client_id, sent_client_id

WHOLE_SCHOOL = "school"
CHOOSE_A_SCOPE = _l("Choose a place, or the whole school.")


class StartStocktakeForm(FlaskForm):
    """What to count: the whole school, or a place with everything inside it. Valid, it
    gives `scope`: the place, or None for the whole school."""

    client_id = HiddenField(default=new_client_id, filters=[sent_client_id])
    # Any other value is refused by the form's own message, not WTForms' generic one.
    place = SelectField(
        _l("What to count"), validators=[InputRequired(CHOOSE_A_SCOPE)], validate_choice=False
    )

    def __init__(self, tree: PlaceTree, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.scope = None
        self.place.choices = [
            SelectChoice("", _l("Choose a place…")),
            SelectChoice(WHOLE_SCHOOL, _l("Whole school")),
            *(SelectChoice(str(place_id), label) for place_id, label in tree.options()),
        ]

    def validate_place(self, field):
        if field.data == WHOLE_SCHOOL:
            return
        typed = field.data
        # isascii: "²" is a digit to isdigit() but not to int().
        an_id = typed.isascii() and typed.isdigit() and len(typed) < 10
        self.scope = self.tree.by_id.get(int(typed)) if an_id else None
        if self.scope is None:
            raise ValidationError(CHOOSE_A_SCOPE)


class CountForm(FlaskForm):
    """One code, typed or scanned, and where it was counted: the counting rules check both
    (app.stocktakes.counting), and a refusal names the field at fault."""

    code = StringField(default="")
    place = StringField(default="")


class CloseForm(FlaskForm):
    """The closing note and signature: checked by app.stocktakes.counting.close_stocktake."""

    note = TextAreaField(default="")
    signer_name = StringField(default="")
    signature_data = HiddenField(default="")
