"""OpenAPI schema additions: the error answers every operation can give.

drf-spectacular documents the success answers it can see in the views; the
errors come from one exception handler (:mod:`warehouse.common.api`), so this
post-processing hook documents them once, in their one shape, on every
operation: clients and schema-driven tests then know every status an
operation may answer and what its body holds.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": 'Every error: {"error": {"code", "message", "fields"}}.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "stable, for machines"},
                "message": {"type": "string", "description": "for people"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "per input field, what is wrong with it",
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    "400": "Bad input.",
    "401": "Not authenticated: send Authorization: Token <key>.",
    "403": "Authenticated, but the caller's role may not do this.",
    "404": "Unknown, or not the caller's to see.",
    "409": "Not allowed in the object's current state.",
    "413": "Too large.",
    "415": "Not a media type the operation reads, or not UTF-8: send JSON (or the "
    "multipart form it asks for) in UTF-8.",
    "422": "Understood, but refused by a rule.",
    "429": "Too many requests: wait Retry-After seconds.",
    "503": "The database could not be reached; nothing was saved. "
    "Repeat after Retry-After seconds (with the same Idempotency-Key).",
}
READ_ERRORS = ("400", "401", "403", "404", "429", "503")
WRITE_ERRORS = tuple(ERRORS)


def _answer(status: str) -> dict:
    answer = {
        "description": ERRORS[status],
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        },
    }
    if status in ("429", "503"):
        answer["headers"] = {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "seconds until the caller may send again",
            }
        }
    return answer


def error_responses(result, generator, request, public):
    """Add the ``Error`` component and the error answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        ERROR_SCHEMA
    )
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = READ_ERRORS if method in ("get", "head") else WRITE_ERRORS
            for status in statuses:
                operation["responses"].setdefault(status, _answer(status))
    return result
