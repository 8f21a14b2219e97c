"""The files a running lab leaves in its work directory: kubeconfig, lab.json, inventory.yml."""
import base64
import json
import os
import sys

import yaml


def kubeconfig(url, token, readonly_token, ca_path=None) -> dict:
    cluster = {"server": url}
    if ca_path:
        with open(ca_path, "rb") as handle:
            cluster["certificate-authority-data"] = base64.b64encode(handle.read()).decode()
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": "lab", "cluster": cluster}],
        "users": [{"name": "lab-admin", "user": {"token": token}},
                  {"name": "lab-readonly", "user": {"token": readonly_token}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab-admin", "namespace": "default"}},
                     {"name": "lab-readonly", "context": {"cluster": "lab", "user": "lab-readonly",
                                                          "namespace": "default"}}],
        "current-context": "lab",
    }


def inventory(variables: dict) -> dict:
    return {"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                            "ansible_python_interpreter": sys.executable}},
                    "vars": variables}}


def write_yaml(path, data, private=False):
    _write(path, yaml.safe_dump(data, sort_keys=False, default_flow_style=False), private)


def write_json(path, data, private=False):
    _write(path, json.dumps(data, indent=2, sort_keys=True) + "\n", private)


def _write(path, text, private):
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def read_state(workdir) -> dict | None:
    try:
        with open(os.path.join(workdir, "lab.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None
