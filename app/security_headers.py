"""Headers every response carries, so a browser guards the pages Patrol serves.

No Content-Security-Policy restricting scripts or styles: the label sheet lays itself out
with inline styles. Framing is refused with X-Frame-Options, which every phone browser knows.
"""

HEADERS = {
    # Photos and signatures are served as images; never let a browser guess them to be HTML.
    "X-Content-Type-Options": "nosniff",
    # Asset pages and codes in URLs stay on this site, not in another site's logs.
    "Referrer-Policy": "same-origin",
    # No other site may show Patrol's buttons inside a frame to trick a tap (clickjacking).
    "X-Frame-Options": "DENY",
}


def init_app(app):
    @app.after_request
    def set_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
