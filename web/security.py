"""Response headers that keep the browser from running anything the site did not ship.

Every page and API answer carries a Content-Security-Policy without inline script, and refuses
framing and type sniffing. Stored files (uploaded BPMN, import files and their error copies) are
sent by :func:`as_download`: an attachment in a sandbox, so a script inside one never runs on
this origin.
"""
from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# A stored file opened anyway (a direct link, an old browser) gets no origin and may load nothing.
DOWNLOAD_POLICY = "sandbox; default-src 'none'"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``: a form's ``next`` never leads away.

    Checked after percent-decoding (twice encoded too), since browsers drop tabs and newlines and
    read a backslash as a slash: ``/%09/evil.example`` would be ``//evil.example``."""
    if not target:
        return default
    decoded = target
    for _ in range(3):
        decoded = unquote(decoded)
    if _CONTROL.search(decoded) or "\\" in decoded or not decoded.startswith("/") or decoded.startswith("//"):
        return default
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return default
    return target


def safe_filename(name: str | None, default: str = "file") -> str:
    """A file name without a path, quotes or control characters (it goes into a header)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[\x00-\x1f\x7f"]', "", name).strip(" .")
    return name[:200] or default


def as_download(response: Response, filename: str | None, default: str = "file") -> Response:
    """Mark a stored file as a download that the browser never renders on this origin."""
    name = safe_filename(filename, default)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        # setdefault: a download's stricter policy set by its view stays.
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
