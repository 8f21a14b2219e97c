# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Label selectors in their three Kubernetes forms (pure).

- kubectl strings ("a=b,c!=d,e in (f,g),h notin (i),j,!k"): ``parse_selector`` -> requirements,
  ``selector_matches(requirements, labels)``;
- metav1.LabelSelector dicts (matchLabels, matchExpressions): ``label_selector_matches``;
- node selector terms of node affinity (matchExpressions with In, NotIn, Exists, DoesNotExist, Gt, Lt, and
  matchFields on metadata.name): ``node_selector_terms_match``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_SET_RE = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_requirements(text):
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def parse_selector(text):
    """A label selector string as a list of (key, operator, values); raises ValueError on bad syntax."""
    requirements = []
    for raw in _split_requirements(text or ""):
        part = raw.strip()
        if not part:
            raise ValueError("empty requirement in selector %r" % text)
        match = _SET_RE.match(part)
        if match:
            values = [v.strip() for v in match.group(3).split(",") if v.strip()]
            requirements.append((match.group(1), match.group(2), values))
        elif "!=" in part:
            key, value = part.split("!=", 1)
            requirements.append((key.strip(), "!=", [value.strip()]))
        elif "==" in part or "=" in part:
            key, value = part.split("==", 1) if "==" in part else part.split("=", 1)
            requirements.append((key.strip(), "=", [value.strip()]))
        elif part.startswith("!"):
            requirements.append((part[1:].strip(), "!exists", []))
        else:
            requirements.append((part, "exists", []))
        if not requirements[-1][0] or " " in requirements[-1][0]:
            raise ValueError("invalid label key in selector %r" % text)
    return requirements


def selector_matches(requirements, labels):
    for key, operator, values in requirements:
        present = key in labels
        value = labels.get(key)
        if operator == "=" and value != values[0]:
            return False
        if operator == "!=" and present and value == values[0]:
            return False
        if operator == "in" and value not in values:
            return False
        if operator == "notin" and present and value in values:
            return False
        if operator == "exists" and not present:
            return False
        if operator == "!exists" and present:
            return False
    return True


def expression_matches(expression, present, value):
    """One matchExpressions entry against a (present, value) pair. Gt and Lt compare integers; a value that is no
    integer does not match."""
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
    if operator in ("Gt", "Lt"):
        try:
            mine, bound = int(value), int(values[0])
        except (TypeError, ValueError, IndexError):
            return False
        return present and (mine > bound if operator == "Gt" else mine < bound)
    return False


def label_selector_matches(selector, labels):
    """metav1.LabelSelector: None selects nothing, {} everything."""
    if selector is None:
        return False
    labels = labels or {}
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    return all(expression_matches(e, e.get("key") in labels, labels.get(e.get("key")))
               for e in selector.get("matchExpressions") or [])


def node_selector_term_matches(term, node_labels, node_name):
    """One nodeSelectorTerm: all its expressions and fields hold; an empty term selects nothing."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    for expression in expressions:
        key = expression.get("key")
        if not expression_matches(expression, key in node_labels, node_labels.get(key)):
            return False
    for expression in fields:
        known = expression.get("key") == "metadata.name"
        if not expression_matches(expression, known, node_name if known else None):
            return False
    return True


def node_selector_terms_match(terms, node_labels, node_name):
    """Required node affinity: the terms are ORed."""
    return any(node_selector_term_matches(term, node_labels or {}, node_name) for term in terms or [])
