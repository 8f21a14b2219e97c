# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``vm_query``: a JMESPath expression evaluated on each VMI (the object as the API returns it); a VMI takes part
only when the result is truthy (JMESPath's truth: not null, false, empty string, list or object).

``compile_query(text)`` -> a compiled expression, or ``ValueError`` carrying the expression and the parser's
message (bad input fails before anything changes). ``evaluate(compiled, vmi)`` -> (selected, error): an error
while evaluating one VMI (a function applied to the wrong type) leaves that VMI out with the expression and the
message as its reason; it never fails the run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    import jmespath
    from jmespath.exceptions import JMESPathError
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError:
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()
    JMESPathError = Exception


class Query:
    def __init__(self, text, expression):
        self.text = text
        self.expression = expression


def compile_query(text):
    if not HAS_JMESPATH:
        raise ValueError("vm_query needs the Python library jmespath on the host that runs the module "
                         "(pip install jmespath)")
    try:
        return Query(text, jmespath.compile(text))
    except JMESPathError as error:
        raise ValueError("vm_query %r is not a valid JMESPath expression: %s" % (text, error))


def evaluate(query, vmi):
    try:
        result = query.expression.search(vmi)
    except JMESPathError as error:
        return False, "vm_query %r failed on this VMI: %s" % (query.text, error)
    falsy = result is None or result is False or (isinstance(result, (str, list, dict)) and not result)
    return not falsy, None
