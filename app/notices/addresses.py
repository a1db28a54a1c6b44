"""Which addresses Patrol may post a school's notices to.

A chat robot's address is typed in by a person; the worker then posts to it from inside the
school's network. So an address is refused unless it is https:// (the robot's key travels in
it), names a host, carries no user name or password, and its host is, and resolves only to,
public internet addresses: never this machine (loopback), the school's own network (private,
link-local, shared), nor a reserved, multicast or unspecified address, in IPv4 or IPv6
(an IPv4 address mapped into IPv6 is judged as the IPv4 one). A host that cannot be resolved
is refused as well, since nothing could be sent to it.

WEBHOOKS_ALLOW_PRIVATE (development, tests, a district system inside the school's network)
lifts the rules on the scheme and on the host: then any http:// or https:// address with a
host is accepted, without looking the host up.

The address is checked when it is saved and again at each send, since what a name resolves
to can change. The send then connects to an address that very check found and judged (the
first the resolver gave) and never looks the name up again: a name answering a public
address to the check and this machine or the school's network to the connection (DNS
rebinding) cannot lead the send inside. The host name still goes into TLS (SNI), the
certificate check and the Host header (senders.py).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CheckedAddress:
    # Why Patrol refuses to post to the address, in the reader's language; None when it may.
    problem: str | None = None
    # The address, judged public, that a send connects to; None when refused, or when
    # private addresses are allowed and the connection looks the host up itself.
    connect_to: IPAddress | None = None


def webhook_url_problem(url: str) -> str | None:
    """Why Patrol refuses to post to `url`, in the reader's language; None when it may."""
    return check_webhook_url(url).problem


def check_webhook_url(url: str) -> CheckedAddress:
    """`url` judged by the rules above, its host looked up once: the address a send connects
    to is one of the answers judged, so it reaches nothing that was not checked."""
    allow_private = current_app.config["WEBHOOKS_ALLOW_PRIVATE"]
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return CheckedAddress(_("This is not a valid web address."))
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme.lower() not in allowed_schemes:
        return CheckedAddress(_("The address must start with https://."))
    if not parts.hostname:
        return CheckedAddress(
            _("The address has no server name: copy the whole address the chat gave.")
        )
    if parts.username is not None or parts.password is not None:
        return CheckedAddress(_("The address must not carry a user name or password."))
    if allow_private:
        return CheckedAddress()
    host = parts.hostname
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = _resolved(host, port or 443)
        except (OSError, UnicodeError):
            return CheckedAddress(
                _("The server “%(host)s” could not be found: check the address.", host=host)
            )
    if not addresses or any(not _public(address) for address in addresses):
        return CheckedAddress(
            _(
                "“%(host)s” is inside this network or otherwise not on the public internet; "
                "Patrol sends only to public addresses.",
                host=host,
            )
        )
    return CheckedAddress(connect_to=addresses[0])


def _resolved(host, port):
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 link-local answer carries its interface ("fe80::1%eth0").
    return [ipaddress.ip_address(sockaddr[0].split("%")[0]) for *_, sockaddr in found]


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 (mapped, 6to4, NAT64) reaches that IPv4 host.
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address in NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # is_global is False for loopback, private, link-local, shared, reserved and unspecified
    # ranges; multicast is named apart since some multicast ranges count as global.
    return address.is_global and not address.is_multicast
