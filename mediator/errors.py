"""Domain errors, each with the HTTP status the API answers with. Domain code raises these;
only the API layer turns them into responses."""

from __future__ import annotations


class MediatorError(Exception):
    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(MediatorError):
    status = 404


class Conflict(MediatorError):
    status = 409


class Forbidden(MediatorError):
    status = 403


class Invalid(MediatorError):
    status = 422


class Unavailable(MediatorError):
    status = 503
