"""authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`), answered from the lab's two identities."""
from .auth import WRITE_VERBS
from .request import Response
from .resources import ResourceType

KEY = "selfsubjectaccessreviews.authorization.k8s.io"
RESOURCE_TYPE = ResourceType("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview",
                             False, verbs=("create",))


def allowed(readonly: bool, verb: str) -> bool:
    return not readonly or verb not in WRITE_VERBS + ("*", "escalate", "bind", "impersonate")


def review(server, req, rt, route) -> Response:
    body = req.body if isinstance(req.body, dict) else {}
    spec = body.get("spec") or {}
    attributes = spec.get("resourceAttributes") or spec.get("nonResourceAttributes") or {}
    verb = attributes.get("verb", "")
    permitted = allowed(req.readonly, verb)
    status = {"allowed": permitted}
    if not permitted:
        status["reason"] = f'the lab\'s read-only identity may not {verb}'
    else:
        status["reason"] = "lab: admin identity" if not req.readonly else "lab: read access"
    return Response(201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                          "metadata": {"creationTimestamp": None}, "spec": spec, "status": status})
