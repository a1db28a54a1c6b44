"""The address a request is counted by, in every limit Patrol keeps.

An IPv4 address is itself; an IPv4 address written as IPv6 (::ffff:10.1.1.1) is the IPv4
one; an IPv6 address is the /64 it is in, because one home or mobile line gets a whole /64
and may use any address inside it: counted one by one, a single phone could rotate past
any limit. The address is the phone's as PROXY_COUNT lets Patrol see it.
"""

import ipaddress

from flask_limiter.util import get_remote_address

IPV6_LINE = 64


def address_key(address: str) -> str:
    """The address as it is counted: an IPv4 address, or the /64 an IPv6 address is in."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_LINE}", strict=False))
    return str(getattr(ip, "ipv4_mapped", None) or ip)


def counted_address() -> str:
    """This request's address as every limit counts it."""
    return address_key(get_remote_address() or "")
