# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scheduling terms as the kube-scheduler reads them: node selector terms and pod (anti-)affinity terms.

- ``node_term_matches(term, node_name, labels)``: a ``nodeSelectorTerm`` (``matchExpressions`` with In, NotIn,
  Exists, DoesNotExist, Gt, Lt; ``matchFields`` on ``metadata.name``); an empty term matches no node.
- ``required_node_terms(affinity)``: the ``requiredDuringSchedulingIgnoredDuringExecution`` node selector terms
  (ORed), or None when there are none.
- ``label_selector_matches(selector, labels)``: a LabelSelector (``matchLabels`` and ``matchExpressions``); a
  missing selector matches nothing, an empty one everything.
- ``pod_term_matches(term, owner_namespace, pod_namespace, pod_labels)``: does a ``PodAffinityTerm`` written in a
  pod of ``owner_namespace`` select a pod? Namespaces: the term's list, else a ``namespaceSelector`` (which this
  pure code cannot evaluate without namespace labels, so any namespaceSelector is read as "all namespaces": the
  safe side for anti-affinity), else the owner's namespace.
- ``required_terms(affinity, kind)``: the required terms of ``podAffinity`` or ``podAntiAffinity``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def expression_holds(expression, value, present):
    operator = expression.get("operator")
    values = expression.get("values") or []
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and values:
        left, right = _number(value), _number(values[0])
        if left is None or right is None:
            return False
        return left > right if operator == "Gt" else left < right
    return False


def node_term_matches(term, node_name, labels):
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    for expression in expressions:
        key = expression.get("key")
        if not expression_holds(expression, labels.get(key), key in labels):
            return False
    for field in fields:
        if field.get("key") != "metadata.name" or not expression_holds(field, node_name, True):
            return False
    return True


def required_node_terms(affinity):
    required = (((affinity or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
                or {})
    return required.get("nodeSelectorTerms") or None


def label_selector_matches(selector, labels):
    if selector is None:
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key = expression.get("key")
        if not expression_holds(expression, labels.get(key), key in labels):
            return False
    return True


def term_namespaces(term, owner_namespace):
    """The namespaces a term selects: a tuple, or None for all namespaces."""
    if term.get("namespaces"):
        return tuple(term["namespaces"])
    if term.get("namespaceSelector") is not None:
        return None
    return (owner_namespace,)


def pod_term_matches(term, owner_namespace, pod_namespace, pod_labels):
    namespaces = term_namespaces(term, owner_namespace)
    if namespaces is not None and pod_namespace not in namespaces:
        return False
    return label_selector_matches(term.get("labelSelector"), pod_labels)


def required_terms(affinity, kind):
    """kind: "podAffinity" or "podAntiAffinity"."""
    return list((((affinity or {}).get(kind) or {}).get("requiredDuringSchedulingIgnoredDuringExecution")) or [])
