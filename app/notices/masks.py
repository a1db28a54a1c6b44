"""What the pages show of a channel's address and secret: enough to recognise, never enough to use.

A webhook address is itself a credential (WeCom's `key`, DingTalk's `access_token`, Feishu's
token in the path), so the pages show it masked, and every answer or error shown is scrubbed of
the channel's address and secret before it reaches a page.
"""

import re
from urllib.parse import urlsplit

HIDDEN = "••••"
# A secret this long keeps its last 4 characters on show; a shorter one shows none of them.
SHOWN_TAIL_FROM_LENGTH = 12
# A path segment this long is taken for a token (Feishu's hook, a generic webhook's).
TOKEN_SEGMENT_LENGTH = 16
# A value already masked starts with HIDDEN, so it is not masked twice.
_QUERY_VALUE = re.compile(
    r"(?i)\b(key|access_token|token|secret|sign|signature)=([^&\s\"'<>•][^&\s\"'<>]*)"
)


def masked_secret(secret: str | None) -> str:
    """"••••3f9a": the last 4 characters of a long secret, to recognise it; "" for none."""
    if not secret:
        return ""
    if len(secret) < SHOWN_TAIL_FROM_LENGTH:
        return HIDDEN
    return HIDDEN + secret[-4:]


def masked_url(url: str) -> str:
    """The address with every query value, and every token-long path segment, hidden but
    their last 4 characters: scheme, host and path still say where it goes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN
    path = "/".join(
        _tail(segment) if len(segment) >= TOKEN_SEGMENT_LENGTH else segment
        for segment in parts.path.split("/")
    )
    query = "&".join(_masked_pair(pair) for pair in parts.query.split("&") if pair)
    shown = f"{parts.scheme}://{parts.netloc}{path}"
    return f"{shown}?{query}" if query else shown


def scrubbed(text: str | None, url: str | None = None, secret: str | None = None) -> str:
    """An answer or error fit to show: the channel's address and secret, and any
    key=/access_token=… value in it, replaced by their masks."""
    text = text or ""
    if secret:
        text = text.replace(secret, masked_secret(secret))
    if url:
        masked = masked_url(url)
        text = text.replace(url, masked)
        # Errors from the HTTP client often name the path and query without the host.
        path_and_query = _path_and_query(url)
        if path_and_query:
            text = text.replace(path_and_query, _path_and_query(masked))
    return _QUERY_VALUE.sub(lambda match: f"{match[1]}={_tail(match[2])}", text)


def _path_and_query(url: str) -> str:
    rest = url.split("://", 1)[-1].partition("/")[2]
    return "/" + rest if rest else ""


def _masked_pair(pair: str) -> str:
    name, equals, value = pair.partition("=")
    return f"{name}={_tail(value)}" if equals and value else pair


def _tail(value: str) -> str:
    return HIDDEN + value[-4:] if len(value) >= SHOWN_TAIL_FROM_LENGTH else HIDDEN
