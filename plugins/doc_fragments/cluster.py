# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # How our modules talk to the Kubernetes API beyond authentication (which is kubernetes.core.k8s_auth_options).
    # Matches API_ARG_SPEC in plugins/module_utils/core/options.py.
    DOCUMENTATION = r"""
options:
  api_retries:
    description:
      - How many times one API request is tried in all before the module fails.
      - Retried are throttling (HTTP 429, waiting at least the server's C(Retry-After)), server errors (HTTP 5xx)
        and lost connections, with exponential backoff and jitter. Conflicts (HTTP 409) on updates are resolved by
        reading the object again.
    type: int
    default: 5
  api_timeout:
    description:
      - Seconds one API request may take before it counts as failed.
    type: int
    default: 30
notes:
  - Every result carries RV(ignore:api_requests), the number of HTTP requests made to the API server (retries
    included), and RV(ignore:timeline), the module's timestamped steps.
"""

    # For modules that take part in the action groups (module_defaults) of this collection.
    ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/workload.availability.availability) or C(group/kubernetes.core.k8s) in
      C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - workload.availability.availability
      - kubernetes.core.k8s
"""
