#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip script that ansible-test downloads from a host we cannot reach.

ansible-test runs ~/.ansible/test/cache/get_pip_<version>.py with pip-style arguments inside a fresh virtual
environment created without pip. We seed pip from the interpreter's own ensurepip (no network), then let that pip
install the requested packages (normally the pinned pip itself) from the configured package index. Interpreters
without ensurepip (Debian's python3.11 without python3.11-venv) get the requested pip wheel from PyPI instead and
run pip straight from it. tools/bootstrap uses the same script to put pip into .venv on such machines.
"""

import json
import os
import ssl
import subprocess
import sys
import tempfile
import urllib.request

# get-pip.py understands these switches; pip itself does not.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")
PIP_SIMPLE_INDEX = "https://pypi.org/simple/pip/"


def trust_system_certificates():
    """ansible-test runs pip with a reduced environment, so a PIP_CERT set for this machine (e.g. for a TLS-inspecting
    proxy whose CA is only in the system store) is lost; a site pip.conf in the new environment keeps it for every
    later pip call there."""
    bundle = os.environ.get("PIP_CERT") or ssl.get_default_verify_paths().cafile
    if bundle and os.path.exists(bundle):
        with open(os.path.join(sys.prefix, "pip.conf"), "w") as config:
            config.write("[global]\ncert = %s\n" % bundle)
    return bundle


def wanted_pip_version(arguments):
    for argument in arguments:
        if argument.startswith("pip=="):
            return argument[len("pip=="):]
    return None


def pip_wheel_url(version, index_json):
    """The URL of the pure-Python pip wheel of `version` (the newest one when None) in a PEP 691 index page."""
    wheels = [entry for entry in index_json["files"]
              if entry["filename"].endswith("-py3-none-any.whl") and not entry.get("yanked")]
    if version:
        wheels = [entry for entry in wheels if entry["filename"] == "pip-%s-py3-none-any.whl" % version]
    if not wheels:
        raise SystemExit("get_pip: no pip wheel %s on %s" % (version or "", PIP_SIMPLE_INDEX))
    return wheels[-1]["url"]


def downloaded_pip(version, bundle):
    context = ssl.create_default_context(cafile=bundle) if bundle and os.path.exists(bundle) else None
    request = urllib.request.Request(PIP_SIMPLE_INDEX, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60, context=context) as response:
        url = pip_wheel_url(version, json.load(response))
    path = os.path.join(tempfile.mkdtemp(prefix="get-pip-"), url.rsplit("/", 1)[1].split("#")[0])
    with urllib.request.urlopen(url, timeout=120, context=context) as response, open(path, "wb") as wheel:
        wheel.write(response.read())
    return path


def main(argv):
    # ensurepip hides every pip configuration from the process it runs in (PIP_CONFIG_FILE=/dev/null); the real
    # install must see the machine's configuration (index, certificates) again.
    environment = dict(os.environ)
    arguments = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    try:
        import ensurepip
        ensurepip.bootstrap(upgrade=True)
        pip = [sys.executable, "-m", "pip"]
    except ImportError:
        pip = None
    bundle = trust_system_certificates()
    if pip is None:
        # pip runs from its own wheel: `python pip.whl/pip install ...`
        pip = [sys.executable, os.path.join(downloaded_pip(wanted_pip_version(arguments), bundle), "pip")]
    return subprocess.call(pip + ["install", "--quiet"] + arguments, env=environment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
