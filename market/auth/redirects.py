"""Where to send people after signing in: only somewhere on this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None  # browsers ignore tabs and newlines and read \ as /, making "//evil"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
