"""Pure rewriting that makes a node's BMC show its System under a fixed vendor id, as one-system BMCs do.

Supermicro and HPE answer their only System at `/redfish/v1/Systems/1`, Dell at
`/redfish/v1/Systems/System.Embedded.1`, the same on every machine. The emulator holds all nodes' Systems under
their UUIDs, so a node's proxy maps the vendor id to the node's UUID on the way in and the UUID path back to the
vendor id on the way out. The System's `UUID` property is left alone: clients match a System to a Node by it.
"""

from __future__ import annotations

import json
import re

from lab.bmc.routing import SYSTEMS_PREFIX, system_id

UUID_MODE = "uuid"
VENDOR_IDS = ("1", "System.Embedded.1")
CHOICES = VENDOR_IDS + (UUID_MODE,)


def checked(value) -> str:
    """The `bmc_system_id` setting, validated; `uuid` keeps the emulator's UUID paths."""
    text = str(value).strip()
    if text not in CHOICES:
        raise ValueError(f"bmc_system_id must be one of {', '.join(CHOICES)}; got {value!r}")
    return text


def system_path(system: str) -> str:
    return f"{SYSTEMS_PREFIX}/{system}"


def to_upstream(path: str, vendor_id: str, uuid: str) -> str:
    """A request path naming the vendor id, turned into the emulator's path of the node's System."""
    if system_id(path) != vendor_id:
        return path
    return system_path(uuid) + path[len(system_path(vendor_id)):]


def _uuid_path_pattern(uuid: str) -> re.Pattern:
    # The UUID path itself or followed by a sub-path, fragment or query; never a longer id that starts the same.
    return re.compile(re.escape(system_path(uuid)) + r"(?![0-9A-Za-z_.-])")


def to_vendor_text(text: str, vendor_id: str, uuid: str) -> str:
    """Every occurrence of the node's UUID path in a header value or a non-JSON body, with the vendor id."""
    return _uuid_path_pattern(uuid).sub(system_path(vendor_id), text)


def _rewrite_value(value, pattern: re.Pattern, vendor_path: str):
    if isinstance(value, str):
        return pattern.sub(vendor_path, value)
    if isinstance(value, list):
        return [_rewrite_value(item, pattern, vendor_path) for item in value]
    if isinstance(value, dict):
        return {key: _rewrite_value(item, pattern, vendor_path) for key, item in value.items()}
    return value


def _rename_system(value, vendor_path: str, vendor_id: str, uuid: str) -> None:
    """The System resource itself (the only object whose @odata.id is the System path) gets Id = the vendor id."""
    if isinstance(value, dict):
        if value.get("@odata.id") == vendor_path and value.get("Id") == uuid:
            value["Id"] = vendor_id
        for item in value.values():
            _rename_system(item, vendor_path, vendor_id, uuid)
    elif isinstance(value, list):
        for item in value:
            _rename_system(item, vendor_path, vendor_id, uuid)


def to_vendor_body(body: bytes, content_type: str, vendor_id: str, uuid: str) -> bytes:
    """A response body with the node's UUID paths (links, action targets, Members, Id) under the vendor id."""
    if not body or uuid.encode() not in body:
        return body
    vendor_path = system_path(vendor_id)
    kind = (content_type or "").lower()
    if kind.startswith("text/"):   # the emulator's 307 page names the target URL
        return to_vendor_text(body.decode("utf-8", "replace"), vendor_id, uuid).encode()
    if "json" not in kind:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    data = _rewrite_value(data, _uuid_path_pattern(uuid), vendor_path)
    _rename_system(data, vendor_path, vendor_id, uuid)
    return json.dumps(data).encode()
