"""Error pages in the user's language, never a bare stack trace."""

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("This form has expired or was sent from elsewhere. Go back, reload the page and send it again.")
        return render_template("error.html", title=_("Form expired"), message=message), 400

    @app.errorhandler(400)
    def bad_request(error):
        return render_template("error.html", title=_("Bad request"),
                               message=_("The request could not be understood.")), 400

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("error.html", title=_("Not allowed"),
                               message=_("Your role does not allow this page. Ask the logistics head if you need it.")), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title=_("Not found"),
                               message=_("There is nothing at this address.")), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_template("error.html", title=_("Not allowed"),
                               message=_("This address does not accept that kind of request.")), 405

    @app.errorhandler(413)
    def too_large(error):
        return render_template("error.html", title=_("Too large"),
                               message=_("What you sent is too large. Send a smaller file.")), 413

    @app.errorhandler(500)
    def server_error(error):
        return render_template("error.html", title=_("Something went wrong"),
                               message=_("Patrol hit an error. Nothing you sent was half-saved; please try again.")), 500
