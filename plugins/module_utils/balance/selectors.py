# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes label selectors in their text form (``kubectl -l``): ``key=value``, ``key==value``, ``key!=value``,
``key``, ``!key``, ``key in (a,b)``, ``key notin (a,b)``, comma-separated (all must hold).

``parse(text)`` -> a list of requirements ``(key, operator, values)`` or ``ValueError`` naming the bad part;
``matches(requirements, labels)``; ``describe(requirements)`` gives the text back for messages.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_KEY = r"(?P<key>[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?)"
_VALUE = r"(?P<value>(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?)"
_SET = re.compile(r"^%s\s+(?P<op>in|notin)\s+\((?P<values>[^)]*)\)$" % _KEY)
_EQUALITY = re.compile(r"^%s\s*(?P<op>==|=|!=)\s*%s$" % (_KEY, _VALUE))
_EXISTS = re.compile(r"^(?P<not>!?)\s*%s$" % _KEY)


def _split(text):
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [part for part in parts if part]


def parse(text):
    requirements = []
    for part in _split(text or ""):
        found = _SET.match(part)
        if found:
            values = tuple(sorted(v.strip() for v in found.group("values").split(",") if v.strip()))
            if not values:
                raise ValueError("label selector %r: %r needs at least one value in parentheses" % (text, part))
            requirements.append((found.group("key"), found.group("op"), values))
            continue
        found = _EQUALITY.match(part)
        if found:
            operator = "!=" if found.group("op") == "!=" else "="
            requirements.append((found.group("key"), operator, (found.group("value"),)))
            continue
        found = _EXISTS.match(part)
        if found:
            requirements.append((found.group("key"), "!" if found.group("not") else "exists", ()))
            continue
        raise ValueError("label selector %r: cannot read %r (use key=value, key!=value, key, !key, key in (a,b) or "
                         "key notin (a,b))" % (text, part))
    return requirements


def requirement_holds(requirement, labels):
    key, operator, values = requirement
    present = key in labels
    if operator == "=":
        return present and labels[key] == values[0]
    if operator == "!=":
        return not present or labels[key] != values[0]
    if operator == "in":
        return present and labels[key] in values
    if operator == "notin":
        return not present or labels[key] not in values
    if operator == "exists":
        return present
    return not present


def matches(requirements, labels):
    labels = labels or {}
    return all(requirement_holds(requirement, labels) for requirement in requirements)


def describe(requirements):
    parts = []
    for key, operator, values in requirements:
        if operator in ("=", "!="):
            parts.append("%s%s%s" % (key, operator, values[0]))
        elif operator in ("in", "notin"):
            parts.append("%s %s (%s)" % (key, operator, ",".join(values)))
        else:
            parts.append(key if operator == "exists" else "!" + key)
    return ",".join(parts)
