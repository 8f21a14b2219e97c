"""Kubernetes API errors and their metav1 Status bodies."""


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None,
                 retry_after: int | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retry_after = retry_after

    def status(self) -> dict:
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details = dict(self.details or {})
        if self.retry_after is not None:
            details.setdefault("retryAfterSeconds", self.retry_after)
        if details:
            body["details"] = details
        return body

    def __repr__(self):
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"


def _split_key(resource_key: str) -> tuple[str, str]:
    resource, _, group = resource_key.partition(".")
    return resource, group


def _details(resource_key, name, **extra) -> dict:
    resource, group = _split_key(resource_key)
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    details.update(extra)
    return details


def not_found(resource_key, name) -> ApiError:
    return ApiError(404, "NotFound", f'{resource_key} "{name}" not found', _details(resource_key, name))


def already_exists(resource_key, name) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{resource_key} "{name}" already exists',
                    _details(resource_key, name))


def conflict(resource_key, name, message) -> ApiError:
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on {resource_key} "{name}": {message}',
                    _details(resource_key, name))


def invalid(kind, name, causes: list[dict]) -> ApiError:
    summary = ", ".join(_describe_cause(c) for c in causes)
    message = f'{kind} "{name}" is invalid: {summary}' if summary else f'{kind} "{name}" is invalid'
    details = {"name": name, "kind": kind, "causes": causes}
    return ApiError(422, "Invalid", message, details)


def _describe_cause(cause: dict) -> str:
    field = cause.get("field")
    message = cause.get("message", "")
    return f"{field}: {message}" if field else message


def bad_request(message) -> ApiError:
    return ApiError(400, "BadRequest", message)


def too_many_requests(message, retry_after=None) -> ApiError:
    return ApiError(429, "TooManyRequests", message, retry_after=retry_after)


def forbidden(resource_key, name, message) -> ApiError:
    resource, group = _split_key(resource_key)
    prefix = f'{resource_key} "{name}" is forbidden' if name else f'{resource_key} is forbidden'
    return ApiError(403, "Forbidden", f"{prefix}: {message}", _details(resource_key, name or ""))


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def method_not_allowed(message) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def gone(message) -> ApiError:
    return ApiError(410, "Expired", message)


def unsupported_media_type(message) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", message)


def internal_error(message) -> ApiError:
    return ApiError(500, "InternalError", f"Internal error occurred: {message}")


def service_unavailable(message) -> ApiError:
    return ApiError(503, "ServiceUnavailable", message)
