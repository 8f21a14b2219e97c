"""Bearer-token authentication, a read-only identity and impersonation headers."""
import hmac
import secrets

from .errors import ApiError, unauthorized

ADMIN_USER = "lab-admin"
READONLY_USER = "lab-readonly"
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")
OPEN_PATHS = ("/version", "/version/", "/healthz", "/readyz", "/livez")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Authenticator:
    def __init__(self, admin_token: str, readonly_token: str | None):
        self.admin_token = admin_token
        self.readonly_token = readonly_token

    def authenticate(self, headers: dict) -> tuple[str, tuple, bool]:
        """(user, groups, readonly) for the request's bearer token; 401 when missing or unknown."""
        header = headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthorized()
        token = token.strip()
        if hmac.compare_digest(token, self.admin_token):
            user, groups, readonly = ADMIN_USER, ("system:masters", "system:authenticated"), False
        elif self.readonly_token and hmac.compare_digest(token, self.readonly_token):
            user, groups, readonly = READONLY_USER, ("system:authenticated",), True
        else:
            raise unauthorized()
        impersonated = headers.get("impersonate-user")
        if impersonated:
            if readonly:
                raise ApiError(403, "Forbidden",
                               f'users "{impersonated}" is forbidden: User "{user}" cannot impersonate '
                               'resource "users" in API group "" at the cluster scope',
                               {"name": impersonated, "kind": "users"})
            group_header = headers.get("impersonate-group")
            groups = tuple(g.strip() for g in group_header.split(",")) if group_header else ("system:authenticated",)
            user = impersonated
        return user, groups, readonly


def authorize(readonly: bool, user: str, verb: str, resource: str, group: str, namespace, name):
    """The read-only identity may only read; everyone else may do anything."""
    if not readonly or verb not in WRITE_VERBS or resource == "selfsubjectaccessreviews":
        return
    target = f'{resource}.{group}' if group else resource
    subject = f'{target} "{name}" is forbidden' if name else f"{target} is forbidden"
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (f'{subject}: User "{user}" cannot {verb} resource "{resource}" in API group "{group}" '
               f"{scope}")
    details = {"kind": resource}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    raise ApiError(403, "Forbidden", message, details)
