"""Domain errors: services raise these; the API renders them as problem+json."""


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class InvalidTransition(Conflict):
    title = "Invalid transition"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class Invalid(DomainError):
    status = 422
    title = "Invalid input"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"
