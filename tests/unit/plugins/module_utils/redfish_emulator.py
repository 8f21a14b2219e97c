# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real sushy-emulator (Redfish over HTTP(S), bcrypt basic auth) for the BMC adapter's tests and bench/fence.py.

Run as a program it is a thin wrapper around ``sushy-emulator`` that can shorten the fake driver's random 1-11 s power
delay (FENCE_EMULATOR_DELAY=<seconds>) and make chosen Systems accept power commands without ever changing state
(FENCE_EMULATOR_STUCK_ON / FENCE_EMULATOR_STUCK: comma-separated UUIDs; the first ignores only "On").
Each request is logged by the Flask server on stderr, which ``Emulator.request_count()`` counts.
"""

from __future__ import absolute_import, division, print_function

import datetime
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time

import bcrypt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_REQUEST_LINE = re.compile(r'"(?:\x1b\[[0-9;]*m)*(GET|POST|PATCH|PUT|DELETE) /')
USERNAME = "fence-admin"
PASSWORD = "Fence-S3cret-pw-7d1c"


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca_and_server_cert(directory, common_name="fence-test-ca"):
    """A CA and a server certificate for 127.0.0.1 signed by it. Returns (ca_path, cert_path, key_path)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key")]
    with open(paths[0], "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return tuple(paths)


class Emulator(object):
    """One sushy-emulator process. ``systems``: [{'uuid', 'name', 'power_state'}]."""

    def __init__(self, directory, systems, tls=False, auth=True, delay=0, stuck_on=(), stuck=()):
        self.directory = directory
        self.systems = systems
        self.tls = tls
        self.auth = auth
        self.delay = delay
        self.stuck_on = stuck_on
        self.stuck = stuck
        self.port = free_port()
        self.process = None
        self.ca_path = None
        self.log_path = os.path.join(directory, "emulator-%d.log" % self.port)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def start(self):
        os.makedirs(self.directory, exist_ok=True)
        config = os.path.join(self.directory, "emulator-%d.conf" % self.port)
        lines = [
            "SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'",
            "SUSHY_EMULATOR_LISTEN_PORT = %d" % self.port,
            "SUSHY_EMULATOR_FAKE_DRIVER = True",
            "SUSHY_EMULATOR_STATE_DIR = %r" % os.path.join(self.directory, "state-%d" % self.port),
            "SUSHY_EMULATOR_FAKE_SYSTEMS = %r" % [
                dict({"external_notifier": False, "nics": []}, **s) for s in self.systems],
        ]
        if self.auth:
            htpasswd = os.path.join(self.directory, "htpasswd-%d" % self.port)
            digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
            with open(htpasswd, "w") as handle:
                handle.write("%s:%s\n" % (USERNAME, digest))
            lines.append("SUSHY_EMULATOR_AUTH_FILE = %r" % htpasswd)
        if self.tls:
            self.ca_path, cert, key = make_ca_and_server_cert(self.directory)
            lines.append("SUSHY_EMULATOR_SSL_CERT = %r" % cert)
            lines.append("SUSHY_EMULATOR_SSL_KEY = %r" % key)
        with open(config, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        env = dict(os.environ)
        if self.delay is not None:
            env["FENCE_EMULATOR_DELAY"] = str(self.delay)
        env["FENCE_EMULATOR_STUCK_ON"] = ",".join(self.stuck_on)
        env["FENCE_EMULATOR_STUCK"] = ",".join(self.stuck)
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--config", config],
                                        stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("sushy-emulator exited: %s" % open(self.log_path).read()[-2000:])
            try:
                requests.get(self.url + "/redfish/v1/", verify=self.ca_path or False, timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("sushy-emulator did not answer within 20 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process:
            self._log.close()

    def request_count(self):
        """HTTP requests served so far (one access-log line each)."""
        with open(self.log_path) as handle:
            return sum(1 for line in handle if _REQUEST_LINE.search(line))

    def power_state(self, uuid):
        answer = requests.get("%s/redfish/v1/Systems/%s" % (self.url, uuid), auth=(USERNAME, PASSWORD),
                              verify=self.ca_path or False, timeout=5)
        answer.raise_for_status()
        return answer.json()["PowerState"]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _run_emulator():
    """Entry point of the wrapper process."""
    import types
    from sushy_tools.emulator import main as emulator_main
    from sushy_tools.emulator.resources.systems import fakedriver

    delay = os.environ.get("FENCE_EMULATOR_DELAY")
    if delay not in (None, "", "real"):
        fixed = int(delay)
        fakedriver.random = types.SimpleNamespace(randint=lambda low, high: fixed)
    stuck_on = set(filter(None, os.environ.get("FENCE_EMULATOR_STUCK_ON", "").split(",")))
    stuck = set(filter(None, os.environ.get("FENCE_EMULATOR_STUCK", "").split(",")))
    original = fakedriver.FakeDriver.set_power_state

    def set_power_state(self, identity, state):
        uuid = self.uuid(identity)
        if uuid in stuck or (uuid in stuck_on and "On" in state):
            return None  # accepted (204) but the machine never changes: the fault under test
        return original(self, identity, state)

    fakedriver.FakeDriver.set_power_state = set_power_state
    sys.exit(emulator_main.main())


if __name__ == "__main__":
    _run_emulator()
