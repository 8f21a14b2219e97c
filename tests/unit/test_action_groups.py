# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml's action group lists exactly the modules that exist, and each of them says so in its docs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULES_DIR = os.path.join(ROOT, "plugins", "modules")
GROUP_FRAGMENT = "workload.availability.cluster.ACTION_GROUP"


def modules():
    return sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith(".py") and name != "__init__.py")


def group():
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        runtime = yaml.safe_load(handle)
    return [entry for entry in runtime["action_groups"]["availability"] if isinstance(entry, str)]


def documentation(name):
    with open(os.path.join(MODULES_DIR, name + ".py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no DOCUMENTATION" % name)


def test_the_group_lists_every_module_and_only_modules_that_exist():
    listed = group()
    assert len(listed) == len(set(listed)), "a module is listed twice"
    assert sorted(listed) == modules()


@pytest.mark.parametrize("name", modules())
def test_each_module_documents_its_membership(name):
    # Ansible reads the attribute of a fragment case-insensitively
    fragments = [fragment.lower() for fragment in documentation(name)["extends_documentation_fragment"]]
    assert GROUP_FRAGMENT.lower() in fragments
