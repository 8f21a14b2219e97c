"""Run a playbook through ansible-playbook against a lab, for the integration targets' pytest drivers.

- ``run_playbook(lab, playbook, extra_vars=None, inventory=None, ...)`` -> the finished process (output as text), or
  with ``background=True`` the running one, in its own session so a test can kill the whole run at once;
- ``run_module(lab, playbook, extra_vars, ...)`` for playbooks that run one module and save its registered result
  to ``result_file``: returns that result (a dict), or (process, result_file) in the background
  (``read_result(result_file, output)`` reads it later).

The lab's kubeconfig reaches the modules through K8S_AUTH_KUBECONFIG; ``inventory`` (a path, or True for the
lab's own inventory) adds -i. Extra vars go through a private file (inline for background runs), so BMC passwords
given to a foreground run never show in a process list.
"""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def run_playbook(lab, playbook, extra_vars=None, inventory=None, timeout=600, background=False):
    env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig_path, ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    argv = [ANSIBLE_PLAYBOOK, playbook]
    if inventory:
        argv += ["-i", lab.inventory_path if inventory is True else inventory]
    if background:
        argv += ["-e", json.dumps(extra_vars)] if extra_vars else []
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="extra-vars-") as vars_file:
        if extra_vars:
            json.dump(extra_vars, vars_file)
            vars_file.flush()
            argv += ["-e", "@" + vars_file.name]
        return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def run_module(lab, playbook, extra_vars, inventory=None, timeout=600, background=False):
    handle, result_file = tempfile.mkstemp(suffix=".json", prefix="module-result-")
    os.close(handle)
    run = run_playbook(lab, playbook, dict(extra_vars, result_file=result_file), inventory=inventory,
                       timeout=timeout, background=background)
    if background:
        return run, result_file
    return read_result(result_file, run.stdout + run.stderr)


def read_result(result_file, output=""):
    try:
        with open(result_file) as handle:
            return json.loads(handle.read())
    except ValueError:
        raise AssertionError("no module result; ansible-playbook said:\n" + output[-4000:])
    finally:
        os.unlink(result_file)
