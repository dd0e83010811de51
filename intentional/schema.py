"""OpenAPI schema additions: the error responses every endpoint may give (SPEC §6)."""

from collections.abc import Iterable

from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

ERROR_COMPONENT = "Error"
ERROR_REFERENCE = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

_ERRORS = {
    "400": "Invalid input (`validation_error` with `fields`, `parse_error`, or `bad_request`).",
    "401": "Not authenticated (`not_authenticated`).",
    "403": "Not allowed (`permission_denied`).",
    "404": "Not found, or not visible to you (`not_found`).",
    "405": "Method not allowed.",
    "413": "Request body too large (`payload_too_large`).",
    "414": "URL too long (`uri_too_long`).",
    "415": "Unsupported media type.",
    "429": "Rate limited (`rate_limited`); see `Retry-After`.",
    "500": "Server error (`server_error`).",
    "503": "Temporarily unavailable (`service_unavailable`).",
}


def _error_schema() -> dict:
    string = build_basic_type(OpenApiTypes.STR)
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {
                    "type": string,
                    "message": string,
                    "fields": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": "Messages by field name.",
                    },
                },
            }
        },
    }


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the shared error shape on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = _error_schema()
    reference = ERROR_REFERENCE
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in _ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


def error_response(description: str, examples: Iterable[OpenApiExample] = ()) -> OpenApiResponse:
    """An error answer one operation documents itself (its own description and examples), in
    the shared shape (`add_error_responses` keeps it and adds the component)."""
    return OpenApiResponse(
        response=ERROR_REFERENCE, description=description, examples=list(examples)
    )


def error_example(name: str, type_: str, message: str, **fields) -> OpenApiExample:
    """An example of an error answer: `{"error": {"type", "message", "fields"?}}`."""
    error = {"type": type_, "message": message}
    if fields:
        error["fields"] = fields
    return OpenApiExample(name, value={"error": error}, response_only=True)
