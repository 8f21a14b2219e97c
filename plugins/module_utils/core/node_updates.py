# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way our workflows write a Node (shell): a JSON patch built from the node as read, retried from a fresh
read when someone else wrote the node meanwhile (the patch's ``test`` op fails: 422, or 409)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError, ClusterError

NODE_PATCH_ATTEMPTS = 5


def patch_node(cluster, read_node, build, node=None, event=None, attempts=NODE_PATCH_ATTEMPTS):
    """Apply ``build(node)`` -> JSON patch ops ([] for nothing to change) to the node.

    ``node`` is the node as last read (read_node() is called first when None); ``read_node()`` reads it again
    after a conflict and raises the caller's own error when it is gone. Returns (before, after, changed)."""
    current = node if node is not None else read_node()
    for _attempt in range(attempts):
        ops = build(current)
        if not ops:
            return current, current, False
        try:
            return current, cluster.patch(kinds.NODE, objects.name_of(current), ops, patch_type="json"), True
        except ClusterError as exc:
            if exc.status not in (409, 422):
                raise
            if event is not None:
                event("node changed meanwhile, retrying", status=exc.status)
            current = read_node()
    raise AvailabilityError("node %s kept changing while we patched it (%d attempts); rerun"
                            % (objects.name_of(current), attempts))
