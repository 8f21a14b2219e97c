# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # How long a run waits for the cluster. Matches WAIT_ARG_SPEC in plugins/module_utils/core/options.py.
    DOCUMENTATION = r"""
options:
  wait_timeout:
    description:
      - Seconds each wait of the run may take, for example until the node's pods are gone and its VMs run on
        other nodes, or until a node is Ready again after power-on.
      - When a wait ends first the module fails, reporting what is still pending; the cluster keeps the state
        reached, and a rerun continues from it.
    type: int
    default: 300
"""
