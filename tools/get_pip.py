#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip script that ansible-test downloads from a host we cannot reach.

ansible-test runs ~/.ansible/test/cache/get_pip_<version>.py with pip-style arguments inside a fresh virtual
environment created without pip. We seed pip from the interpreter's own ensurepip (no network), then let that pip
install the requested packages (normally the pinned pip itself) from the configured package index.
"""

import ensurepip
import os
import ssl
import subprocess
import sys

# get-pip.py understands these switches; pip itself does not.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def trust_system_certificates():
    """ansible-test runs pip with a reduced environment, so a PIP_CERT set for this machine (e.g. for a TLS-inspecting
    proxy whose CA is only in the system store) is lost; a site pip.conf in the new environment keeps it for every
    later pip call there."""
    bundle = os.environ.get("PIP_CERT") or ssl.get_default_verify_paths().cafile
    if bundle and os.path.exists(bundle):
        with open(os.path.join(sys.prefix, "pip.conf"), "w") as config:
            config.write("[global]\ncert = %s\n" % bundle)


def main(argv):
    # ensurepip hides every pip configuration from the process it runs in (PIP_CONFIG_FILE=/dev/null); the real
    # install must see the machine's configuration (index, certificates) again.
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    trust_system_certificates()
    arguments = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    return subprocess.call([sys.executable, "-m", "pip", "install", "--quiet"] + arguments, env=environment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
