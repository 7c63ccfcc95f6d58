"""Errors the services raise; the web layer and the CLI turn them into answers."""
from __future__ import annotations


class CatalogError(Exception):
    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def to_dict(self) -> dict:
        # The README's shape, always both keys: {"error": "…", "fields": {"field": ["message"]}}.
        body = {"error": self.message, "fields": self.fields}
        body.update(self.extra)
        return body


class InvalidInput(CatalogError):
    """The input breaks a rule; ``fields`` names each bad field."""

    status = 422


class BadParameter(InvalidInput):
    """A query parameter is wrong (depth, page, a filter); ``fields`` names it. 422, as the README says."""


class BadRequest(InvalidInput):
    """The request cannot be read at all: a body that is not JSON (or too deep, or not UTF-8), a malformed
    SPARQL query, an event its specification refuses. ``fields`` names the part (``body``, a JSON path)."""

    status = 400


class LimitExceeded(InvalidInput):
    """An imported file goes past a limit of the settings; the message names the limit and the value found."""

    status = 413


class NotFound(CatalogError):
    status = 404


class Unauthorized(CatalogError):
    status = 401


class Forbidden(CatalogError):
    status = 403


class Conflict(CatalogError):
    """An edit made against a stale version; ``extra['changes']`` says what changed meanwhile."""

    status = 409


class Unavailable(CatalogError):
    """A part the catalogue needs (the search index, a graph server) is not there."""

    status = 503


class TooManyRequests(CatalogError):
    """Too many attempts in a period (failed logins); ``extra['retry_after']`` in seconds when known."""

    status = 429
