"""The protobuf decoder refuses what it does not understand instead of dropping it."""
import pytest

from lab.apiserver.errors import ApiError
from lab.apiserver.protobuf import MAGIC, decode


def _field(number, payload: bytes) -> bytes:
    return bytes([number << 3 | 2, len(payload)]) + payload


def _varint_field(number, value) -> bytes:
    return bytes([number << 3, value])


def _envelope(kind, raw):
    type_meta = _field(1, b"v1") + _field(2, kind.encode())
    return MAGIC + _field(1, type_meta) + _field(2, raw)


def test_config_map_is_decoded():
    entry = _field(1, b"a") + _field(2, b"1")
    raw = _field(1, _field(1, b"cm") + _field(3, b"")) + _field(2, entry)
    assert decode(_envelope("ConfigMap", raw)) == {"apiVersion": "v1", "kind": "ConfigMap",
                                                  "metadata": {"name": "cm"}, "data": {"a": "1"}}


def test_unknown_non_zero_field_is_415():
    raw = _field(1, _field(1, b"cm")) + _varint_field(9, 5)
    with pytest.raises(ApiError) as caught:
        decode(_envelope("ConfigMap", raw))
    assert caught.value.code == 415 and "field 9 of ConfigMap" in caught.value.message


def test_unknown_zero_field_is_ignored_and_unknown_kind_refused():
    raw = _field(1, _field(1, b"cm")) + _varint_field(9, 0)
    assert decode(_envelope("ConfigMap", raw))["metadata"] == {"name": "cm"}
    with pytest.raises(ApiError) as caught:
        decode(_envelope("Pod", b""))
    assert caught.value.code == 415
    with pytest.raises(ApiError):
        decode(b"not protobuf")
