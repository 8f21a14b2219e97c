# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Object metadata as plain data (pure): the one "namespace/name" key, and safe accessors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def metadata(obj):
    return (obj or {}).get("metadata") or {}


def name_of(obj):
    return metadata(obj).get("name")


def namespace_of(obj):
    return metadata(obj).get("namespace")


def labels_of(obj):
    return metadata(obj).get("labels") or {}


def annotations_of(obj):
    return metadata(obj).get("annotations") or {}


def key(namespace, name):
    """The one spelling of a namespaced object's identity in results and maps: "namespace/name"."""
    return "%s/%s" % (namespace, name)


def key_of(obj):
    """key() of an object (or of a plan entry, which carries namespace and name at the top)."""
    if "metadata" in obj:
        return key(namespace_of(obj), name_of(obj))
    return key(obj.get("namespace"), obj.get("name"))


def split_key(text):
    """"namespace/name" -> (namespace, name); None when it is not of that form."""
    namespace, sep, name = (text or "").partition("/")
    if not sep or not namespace or not name or "/" in name:
        return None
    return namespace, name


def is_terminating(obj):
    return bool(metadata(obj).get("deletionTimestamp"))


def controller_of(obj):
    """The controller ownerReference of an object, or None."""
    for ref in metadata(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None
