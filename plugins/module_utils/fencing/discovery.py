# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a node's BMC is and how to talk to it, from plain data (pure functions, no I/O).

Three sources, highest precedence first: the module's explicit ``bmc`` options; a FAR-compatible fence-agent
parameter set; the node's metal3 ``BareMetalHost`` (``spec.bmc``). The first source that names an address is the
base; explicit ``bmc`` values then override its fields one by one (so a FAR Secret can supply the credentials while
``bmc.address`` points at a different endpoint).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.workload.availability.plugins.module_utils.core.errors import InputError

REDFISH = "redfish"
AGENT = "agent"
DEFAULT_REDFISH_ROOT = "/redfish/v1/"
DEFAULT_IPMI_PORT = "623"

# metal3 BMC address schemes that speak Redfish; "+http"/"+https" may follow any of them.
REDFISH_SCHEMES = ("redfish", "redfish-virtualmedia", "redfish-uefihttp", "idrac-virtualmedia", "idrac-redfish",
                   "ilo5-redfish")
IPMI_SCHEMES = ("ipmi",)

# fence_redfish option names (and the short getopt forms) -> target fields
_REDFISH_PARAMETERS = {
    "--ip": "host", "-a": "host",
    # Not a fence_redfish option (the agent rejects it) but used in the seed article's FAR template.
    "--hostname": "host",
    "--ipport": "port", "-u": "port",
    "--username": "username", "-l": "username",
    "--password": "password", "-p": "password",
    "--systems-uri": "systems_uri",
    "--redfish-uri": "root_prefix",
    "--ssl-insecure": "insecure",
    "--ssl": "secure", "--ssl-secure": "secure", "-z": "secure",
    "--power-timeout": "power_timeout",
    "--login-timeout": "timeout",
}
# Options that tune fence_redfish's own loop; our adapter has its own equivalents, so they are accepted and unused.
_REDFISH_IGNORED = ("--action", "-o", "--power-wait", "--retry-on", "--stonith-status-sleep", "--delay",
                    "--verbose", "-v", "--verbose-level", "--debug-file", "-D", "--quiet", "-q",
                    "--shell-timeout", "--disable-timeout", "--plug", "-n", "--port-as-ip")


class DiscoveryError(InputError):
    """The BMC cannot be determined; the message names the input at fault and the fix."""


class BmcTarget(object):
    """How to reach one node's BMC. ``protocol`` is ``redfish`` (our sushy adapter) or ``agent`` (a fence-agent
    binary with ``agent_parameters``)."""

    FIELDS = ("protocol", "scheme", "host", "port", "root_prefix", "systems_uri", "username", "password", "verify",
              "ca_path", "agent", "agent_parameters", "source", "power_timeout", "timeout")

    def __init__(self, **fields):
        unknown = set(fields) - set(self.FIELDS)
        if unknown:
            raise TypeError("unknown BmcTarget fields: %s" % ", ".join(sorted(unknown)))
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))
        if self.root_prefix is None:
            self.root_prefix = DEFAULT_REDFISH_ROOT
        if self.verify is None:
            self.verify = True

    @property
    def base_url(self):
        host = self.host
        if host and ":" in host and not host.startswith("["):
            host = "[%s]" % host
        return "%s://%s%s" % (self.scheme or "https", host, (":%s" % self.port) if self.port else "")

    def describe(self):
        """A credential-free summary for results."""
        if self.protocol == AGENT:
            return {"protocol": AGENT, "agent": self.agent, "source": self.source,
                    "address": self.host}
        return {"protocol": REDFISH, "address": self.base_url, "systems_uri": self.systems_uri,
                "validate_certs": bool(self.verify), "ca_path": self.ca_path, "source": self.source,
                "username": self.username}

    def replace(self, **changes):
        fields = dict((name, getattr(self, name)) for name in self.FIELDS)
        fields.update(changes)
        return BmcTarget(**fields)


def split_host_port(text):
    """'h', 'h:p', '[v6]:p' -> (host, port or None)."""
    text = text.strip()
    if text.startswith("["):
        host, _sep, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
        return host, port or None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port or None
    return text, None


def parse_address(address, option="bmc.address"):
    """An address as users write it: 'host[:port]', 'https://host:port[/path]', 'http://...', or a metal3 BMC
    address ('redfish://', 'redfish+http://', 'redfish-virtualmedia://', 'idrac-virtualmedia://', 'ipmi://', a bare
    host meaning IPMI in metal3 -- but a Redfish host here when the option is ours).
    Returns dict(protocol, scheme, host, port, path)."""
    if not address or not isinstance(address, str):
        raise DiscoveryError("%s is empty: give the BMC as host[:port] or https://host:port" % option)
    scheme, sep, rest = address.partition("://")
    if not sep:
        host, port = split_host_port(address.split("/", 1)[0])
        return {"protocol": REDFISH, "scheme": "https", "host": host, "port": port, "path": ""}
    scheme = scheme.lower()
    authority, _slash, path = rest.partition("/")
    host, port = split_host_port(authority)
    path = ("/" + path) if path else ""
    if not host:
        raise DiscoveryError("%s %r has no host" % (option, address))
    if scheme in ("http", "https"):
        return {"protocol": REDFISH, "scheme": scheme, "host": host, "port": port, "path": path}
    base, _plus, transport = scheme.partition("+")
    if base in REDFISH_SCHEMES:
        if transport not in ("", "http", "https"):
            raise DiscoveryError("%s %r: unknown transport %r (use +http or +https)" % (option, address, transport))
        return {"protocol": REDFISH, "scheme": transport or "https", "host": host, "port": port, "path": path}
    if base in IPMI_SCHEMES:
        return {"protocol": AGENT, "scheme": "ipmi", "host": host, "port": port or DEFAULT_IPMI_PORT, "path": ""}
    raise DiscoveryError(
        "%s %r: unsupported scheme %r; supported: http(s), %s (each optionally +http/+https), ipmi"
        % (option, address, scheme, ", ".join(REDFISH_SCHEMES)))


def from_options(bmc):
    """The explicit ``bmc`` option dict -> BmcTarget, or None when it gives no address."""
    bmc = bmc or {}
    if not bmc.get("address"):
        return None
    parsed = parse_address(bmc["address"])
    if parsed["protocol"] == AGENT:
        return _ipmi_target(parsed, bmc.get("username"), bmc.get("password"), "options")
    return BmcTarget(protocol=REDFISH, scheme=parsed["scheme"], host=parsed["host"], port=parsed["port"],
                     systems_uri=bmc.get("systems_uri") or parsed["path"] or None, username=bmc.get("username"),
                     password=bmc.get("password"), verify=_verify(bmc), ca_path=bmc.get("ca_path"),
                     source="options")


def from_fence_parameters(agent, parameters, use_agent_binary=False):
    """FAR-style merged parameters (name -> value) of ``agent`` -> BmcTarget.

    ``fence_redfish`` runs through our own Redfish adapter (it verifies power state) unless ``use_agent_binary``;
    every other agent runs as the ClusterLabs binary with the parameters unchanged."""
    if not agent:
        return None
    if not agent.startswith("fence_") or len(agent) <= len("fence_") or "/" in agent:
        raise DiscoveryError("agent %r is not a fence agent name: use the form fence_<name>, e.g. fence_redfish"
                             % agent)
    if agent != "fence_redfish" or use_agent_binary:
        host = parameters.get("--ip") or parameters.get("-a") or parameters.get("--hostname")
        return BmcTarget(protocol=AGENT, agent=agent, agent_parameters=dict(parameters), host=host,
                         source="parameters")
    fields = {}
    for name, value in parameters.items():
        field = _REDFISH_PARAMETERS.get(name)
        if field:
            fields[field] = value
        elif name in ("--password-script", "-S"):
            raise DiscoveryError(
                "parameter %s is not supported by the built-in Redfish client: put the password in the Secret "
                "(key --password) or set use_agent_binary to run fence_redfish itself" % name)
        elif name not in _REDFISH_IGNORED:
            raise DiscoveryError(
                "parameter %s is not a fence_redfish option; known: %s" % (
                    name, ", ".join(sorted(k for k in _REDFISH_PARAMETERS if k.startswith("--")))))
    if not fields.get("host"):
        raise DiscoveryError("the fence parameters give no BMC address: set --ip (host or host:port)")
    host, port = split_host_port(fields["host"])
    port = port or fields.get("port") or "443"
    verify = not ("insecure" in fields and _flag(fields["insecure"]))
    return BmcTarget(protocol=REDFISH, scheme="https", host=host, port=port,
                     root_prefix=_root_prefix(fields.get("root_prefix")), systems_uri=fields.get("systems_uri"),
                     username=fields.get("username"), password=fields.get("password"), verify=verify,
                     source="parameters", power_timeout=_number(fields.get("power_timeout"), "--power-timeout"),
                     timeout=_number(fields.get("timeout"), "--login-timeout"))


def from_baremetalhost(bmh, credentials_secret=None):
    """A metal3 BareMetalHost dict (and its decoded credentials Secret data) -> BmcTarget."""
    spec_bmc = ((bmh or {}).get("spec") or {}).get("bmc") or {}
    name = "%s/%s" % ((bmh.get("metadata") or {}).get("namespace"), (bmh.get("metadata") or {}).get("name"))
    address = spec_bmc.get("address")
    if not address:
        raise DiscoveryError("BareMetalHost %s has no spec.bmc.address" % name)
    if "://" not in address:
        address = "ipmi://" + address
    parsed = parse_address(address, option="BareMetalHost %s spec.bmc.address" % name)
    username = (credentials_secret or {}).get("username")
    password = (credentials_secret or {}).get("password")
    if parsed["protocol"] == AGENT:
        return _ipmi_target(parsed, username, password, "baremetalhost")
    return BmcTarget(protocol=REDFISH, scheme=parsed["scheme"], host=parsed["host"], port=parsed["port"],
                     systems_uri=parsed["path"] or None, username=username, password=password,
                     verify=not spec_bmc.get("disableCertificateVerification", False), source="baremetalhost")


def credentials_secret_name(bmh):
    return (((bmh or {}).get("spec") or {}).get("bmc") or {}).get("credentialsName")


def decode_secret_data(secret):
    """A Secret's data (base64) and stringData merged into text values."""
    decoded = {}
    for key, value in ((secret or {}).get("data") or {}).items():
        decoded[key] = base64.b64decode(value).decode("utf-8") if value else ""
    for key, value in ((secret or {}).get("stringData") or {}).items():
        decoded[key] = value
    return decoded


def resolve(explicit, far_target, bmh_target):
    """Combine the sources: the address (and protocol) come from the first source that has one; credentials and the
    System path from the explicit options, else any source in precedence order; TLS settings from the explicit
    options, else the address's own source. ``explicit`` is the raw ``bmc`` option dict."""
    explicit = explicit or {}
    sources = [t for t in (from_options(explicit), far_target, bmh_target) if t is not None]
    if not sources:
        raise DiscoveryError(
            "no BMC for the node: set bmc.address, or agent with parameters/secret (FAR style), or "
            "bmc_from=baremetalhost")
    base = sources[0]
    changes = {}
    for field in ("username", "password"):
        value = explicit.get(field)
        if value is None:
            value = next((getattr(t, field) for t in sources if getattr(t, field) is not None), None)
        changes[field] = value
    # The System path may come from another source than the address (a FAR template's --systems-uri with the
    # address given in bmc.address); a wrong pairing cannot fence the wrong machine, the System's UUID is checked.
    changes["systems_uri"] = explicit.get("systems_uri") or next(
        (t.systems_uri for t in sources if t.systems_uri), None)
    if explicit.get("validate_certs") is not None:
        changes["verify"] = bool(explicit["validate_certs"])
    if explicit.get("ca_path"):
        changes["ca_path"] = explicit["ca_path"]
        changes["verify"] = True
    if base.protocol == AGENT:
        parameters = dict(base.agent_parameters or {})
        for field, name in (("username", "--username"), ("password", "--password")):
            if explicit.get(field) is not None or (changes[field] is not None and name not in parameters):
                parameters[name] = changes[field]
        changes["agent_parameters"] = parameters
    target = base.replace(**changes)
    if target.protocol == REDFISH and (not target.username or target.password is None):
        raise DiscoveryError(
            "no BMC credentials: set bmc.username and bmc.password (or BMC_USERNAME/BMC_PASSWORD), or --username "
            "and --password in the fence parameters or Secret")
    return target


def _ipmi_target(parsed, username, password, source):
    parameters = {"--ip": parsed["host"], "--ipport": parsed["port"], "--lanplus": ""}
    if username:
        parameters["--username"] = username
    if password is not None:
        parameters["--password"] = password
    return BmcTarget(protocol=AGENT, agent="fence_ipmilan", agent_parameters=parameters, host=parsed["host"],
                     port=parsed["port"], username=username, password=password, source=source)


def _verify(bmc):
    if bmc.get("ca_path"):
        return True
    validate = bmc.get("validate_certs")
    return True if validate is None else bool(validate)


def _flag(value):
    return str(value).strip().lower() in ("", "1", "yes", "on", "true")


def _root_prefix(value):
    if not value:
        return DEFAULT_REDFISH_ROOT
    return value if value.endswith("/") else value + "/"


def _number(value, name):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise DiscoveryError("parameter %s=%r is not a number of seconds" % (name, value))
