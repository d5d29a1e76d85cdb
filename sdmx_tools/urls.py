"""URLs fit to show: in messages, results and records, never with a secret in them."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]


def redact_url(url: str) -> str:
    """A URL fit for messages: no user:password, no query values (tokens hide there).

    Parameters
    ----------
    url
        Any text; it need not be a valid URL.

    Returns
    -------
    str
        The URL without user information, query values or fragment, or
        ``"(an unparseable URL)"`` when it cannot be split (nothing of it is echoed then:
        a malformed URL may still hold a secret).
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return "(an unparseable URL)"
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets (hostname drops them)
        host = f"[{host}]"
    if port:
        host = f"{host}:{port}"
    query = "&".join(f"{kv.split('=', 1)[0]}=…" for kv in parts.query.split("&") if kv)
    return urlunsplit((parts.scheme, host, parts.path, query, ""))
