# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # How a node's pods and VMs are removed. Matches DRAIN_ARG_SPEC in plugins/module_utils/core/options.py.
    DOCUMENTATION = r"""
options:
  non_migratable:
    description:
      - What happens to VMs that cannot be live-migrated (their C(LiveMigratable) condition is not V(True)).
      - V(fail) refuses the maintenance before anything is changed, naming the VMs.
      - V(shutdown) deletes their VirtualMachineInstance gracefully; the VirtualMachine's run strategy decides
        whether it starts again on another node. Each one is listed in the result's C(shut_down).
      - V(skip) leaves them running on the node; the node is cordoned and tainted, and they are listed in the
        result's C(left_on_node).
    type: str
    choices: [fail, shutdown, skip]
    default: fail
  delete_options:
    description:
      - How pods are removed, named as in M(kubernetes.core.k8s_drain).
      - DaemonSet pods and mirror (static) pods are always left on the node.
    type: dict
    default: {}
    suboptions:
      terminate_grace_period:
        description:
          - Grace period in seconds given to each evicted pod (and each VM shut down with
            O(non_migratable=shutdown)). Unset uses each pod's own C(terminationGracePeriodSeconds).
        type: int
      force:
        description:
          - Also remove pods that no controller manages. They are not recreated anywhere.
          - Without it such pods block the maintenance before anything is changed.
        type: bool
        default: false
      delete_emptydir_data:
        description:
          - Also remove pods that use C(emptyDir) volumes; their local data is lost.
          - Without it such pods block the maintenance before anything is changed.
        type: bool
        default: false
  pod_selectors:
    description:
      - Label selectors (kubectl syntax, for example V(app=web) or V(tier in (front,back))). When given, only pods
        matching at least one of them are drained; the others stay and are listed in RV(left_on_node).
      - VMs are moved regardless.
    type: list
    elements: str
    aliases: [label_selectors]
"""
