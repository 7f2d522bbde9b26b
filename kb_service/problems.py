"""API errors as RFC 9457 problem details: one shape, one renderer, and the OpenAPI schema
saying so for every operation (so clients and schema-driven tests know what a 4xx looks like).
"""

from typing import Any

from fastapi.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"
# What any API operation may answer besides its success: bad input, who you are, what you may
# see, conflicts, body limits, a missing If-Match, and the server's own failure.
STATUSES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    428: "If-Match required",
    500: "Internal error",
}
SCHEMA = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"where": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def body(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse(body(status, title, detail, **extra), status, media_type=MEDIA_TYPE)


def document(openapi: dict[str, Any], prefix: str = "/api/") -> dict[str, Any]:
    """Every API operation's error answers, as the app renders them: problem+json."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = SCHEMA
    reference = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in openapi.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, title in STATUSES.items():
                responses[str(status)] = {"description": title, "content": reference}
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return openapi
