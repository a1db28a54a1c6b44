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

# Production runs behind HTTPS: a phone that has seen Patrol once never tries plain HTTP for
# it again for a year, so no one on the school Wi-Fi can serve it a look-alike sign-in page.
# Not in development, where the demo is opened as http://192.168.x.x on the LAN.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def init_app(app):
    headers = dict(HEADERS)
    if app.config["PATROL_ENV"] == "production":
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    @app.after_request
    def set_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
