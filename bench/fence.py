# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fencing benchmark: our BMC adapter against ClusterLabs fence_redfish, and the lab's recovery time.

One sushy-emulator (HTTPS, bcrypt basic auth, a fixed power delay so both sides face the same machine) serves all
Systems. On it, from one run:

- our ``power_off`` (ForceOff, then PowerState polled until Off) vs ``fence_redfish --action off``;
- our ``reboot`` (off, confirmed Off, on, confirmed On) vs ``fence_redfish --action reboot``;
- a System that accepts power commands but never powers back on: fence_redfish's reboot exits 0 ("Success:
  Rebooted"); ours must fail.

Wall time is measured around each call; Redfish requests are counted from the emulator's access log.
Then, in the lab: time from a node's power loss to all its VMs Running on other nodes when fence_node (through
ansible-playbook) fences it as soon as the node is NotReady.

Prints a table and writes bench/results/fence.json. Usage: .venv/bin/python bench/fence.py [--rounds N] [--no-lab]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, TOP)

from lab.bmc.client_harness import PASSWORD, USERNAME, ClientHarness  # noqa: E402

from ansible_collections.workload.availability.plugins.module_utils.fencing import bmc  # noqa: E402
from ansible_collections.workload.availability.plugins.module_utils.fencing import discovery as bmc_discovery  # noqa: E402,E501

FENCE_REDFISH = shutil.which("fence_redfish") or "/usr/sbin/fence_redfish"
POWER_DELAY = 3
STUCK = "0b5e7a1c-0000-4000-8000-00000000ff01"


def system_uuid(kind, index):
    return "0b5e7a1c-0000-4000-8000-%04d%08d" % ({"ours": 1, "theirs": 2}[kind], index)


def measure(emu, fn):
    before = emu.request_count()
    started = time.monotonic()
    outcome = fn()
    seconds = time.monotonic() - started
    time.sleep(0.2)  # the access-log line of the last request is written after the answer
    return {"seconds": round(seconds, 3), "requests": emu.request_count() - before, "outcome": outcome}


def ours(emu, uuid, action, power_timeout=20):
    target = bmc_discovery.BmcTarget(protocol="redfish", scheme="https", host="127.0.0.1", port=str(emu.port),
                                     username=USERNAME, password=PASSWORD, ca_path=emu.ca_path,
                                     systems_uri="/redfish/v1/Systems/%s" % uuid)
    adapter = bmc.open_bmc(target, bmc.Limits(power_timeout=power_timeout, poll_interval=1.0))
    try:
        getattr(adapter, action)()
        return {"ok": True, "state": emu.power_state(uuid)}
    except bmc.BmcError as error:
        return {"ok": False, "error": error.kind, "message": error.message, "state": emu.power_state(uuid)}


def theirs(emu, uuid, action, power_timeout=20):
    argv = [FENCE_REDFISH, "--ip=127.0.0.1", "--ipport=%d" % emu.port, "--username=" + USERNAME,
            "--password=" + PASSWORD, "--ssl-insecure", "--systems-uri=/redfish/v1/Systems/%s" % uuid,
            "--action=" + action, "--power-timeout=%d" % power_timeout]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    said = (proc.stdout.strip().splitlines() or [""])[-1]
    return {"ok": proc.returncode == 0, "exit_code": proc.returncode, "said": said, "state": emu.power_state(uuid)}


def power_on(emu, uuid):
    ours(emu, uuid, "power_on")


def redfish_rounds(workdir, rounds):
    systems = [{"uuid": system_uuid(kind, i), "name": "%s-%d" % (kind, i), "power_state": "On"}
               for kind in ("ours", "theirs") for i in range(rounds)]
    systems.append({"uuid": STUCK, "name": "never-on", "power_state": "On"})
    results = {"ours_off": [], "theirs_off": [], "ours_reboot": [], "theirs_reboot": []}
    with ClientHarness(workdir, systems, tls=True, auth=True, delay=POWER_DELAY, stuck_on=[STUCK]) as emu:
        for i in range(rounds):
            results["ours_off"].append(measure(emu, lambda: ours(emu, system_uuid("ours", i), "power_off")))
            results["theirs_off"].append(measure(emu, lambda: theirs(emu, system_uuid("theirs", i), "off")))
            power_on(emu, system_uuid("ours", i))
            results["ours_reboot"].append(measure(emu, lambda: ours(emu, system_uuid("ours", i), "reboot")))
            power_on(emu, system_uuid("theirs", i))
            results["theirs_reboot"].append(measure(emu, lambda: theirs(emu, system_uuid("theirs", i), "reboot")))
        never_on_theirs = measure(emu, lambda: theirs(emu, STUCK, "reboot", power_timeout=8))
        never_on_ours = measure(emu, lambda: ours(emu, STUCK, "reboot", power_timeout=8))
    return results, {"fence_redfish": never_on_theirs, "ours": never_on_ours}


def median(samples, key):
    return round(statistics.median(s[key] for s in samples), 3)


# -- the lab ---------------------------------------------------------------------------------------------------------

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - workload.availability.fence_node:
        name: "{{ node }}"
        action: "off"
        bmc_from: baremetalhost
        kubeconfig: "{{ lab_kubeconfig }}"
        wait_timeout: 300
      register: fenced
    - ansible.builtin.copy:
        content: "{{ fenced | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


def lab_call(url, token, path, body=None):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"},
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def lab_recovery(workdir, preset, node="worker-1"):
    python = sys.executable
    up = subprocess.run([python, "-m", "lab", "up", "--workdir", workdir, "--preset", preset], cwd=TOP, capture_output=True, text=True,
                        timeout=180)
    if up.returncode != 0:
        return {"error": "lab up failed: " + (up.stdout + up.stderr)[-500:]}
    try:
        with open(os.path.join(workdir, "lab.json")) as handle:
            info = json.load(handle)
        url, token = info.get("url"), info.get("token")
        kubeconfig = os.path.join(workdir, "kubeconfig")
        playbook = os.path.join(workdir, "fence_bench.yml")
        with open(playbook, "w") as handle:
            handle.write(PLAYBOOK)
        vms_on_node = wait_vms_settled(kubeconfig, node, timeout=300)
        power_lost_wall = time.time()
        lab_call(url, token, "/lab/v1/fail", {"node": node, "mode": "power-off"})
        not_ready_after = wait_not_ready(kubeconfig, node, timeout=120)
        fence_started = time.monotonic()
        result_file = os.path.join(workdir, "fence_result.json")
        run = subprocess.run([os.path.join(os.path.dirname(python), "ansible-playbook"), "-i",
                              os.path.join(workdir, "inventory.yml"), playbook, "-e", "node=" + node,
                              "-e", "result_file=" + result_file], cwd=TOP, capture_output=True, text=True,
                             timeout=600)
        fence_seconds = time.monotonic() - fence_started
        if run.returncode != 0:
            return {"error": "fence run failed: " + run.stdout[-1500:]}
        with open(result_file) as handle:
            result = json.load(handle)
        vm_seconds = [v["seconds"] for v in result.get("vms_restarted", [])]
        seen = [_epoch(e["at"]) for e in result.get("timeline", []) if e.get("event") == "vm_running_elsewhere"]
        all_back = round(max(seen) - power_lost_wall, 3) if seen else None
        return {"node": node, "preset": preset, "vms_on_node_before": vms_on_node, "vms": len(vm_seconds), "vms_pending": result.get("vms_pending"),
                "detect_not_ready_seconds": round(not_ready_after, 3),
                "fence_run_seconds": round(fence_seconds, 3),
                "vm_seconds_after_confirmed_power_off": vm_seconds,
                "power_loss_to_all_vms_running_elsewhere_seconds": all_back,
                "module_msg": result.get("msg"), "api_requests": result.get("api_requests"),
                "bmc_requests": result.get("bmc_requests")}
    finally:
        subprocess.run([python, "-m", "lab", "down", "--workdir", workdir], cwd=TOP, capture_output=True,
                       timeout=60)


def _epoch(text):
    import datetime
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def wait_vms_settled(kubeconfig, node, timeout):
    """Wait until every VMI of the lab is Running (the lab starts its VMs after `lab up` returns); returns how many
    run on ``node``."""
    from kubernetes import client, config
    api = client.CustomObjectsApi(config.new_client_from_config(config_file=kubeconfig))
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        items = api.list_cluster_custom_object("kubevirt.io", "v1", "virtualmachineinstances").get("items", [])
        phases = [(i.get("status") or {}).get("phase") for i in items]
        on_node = [i for i in items if (i.get("status") or {}).get("nodeName") == node]
        if items and all(p == "Running" for p in phases) and on_node:
            return len(on_node)
        time.sleep(1)
    raise RuntimeError("the lab's VMs were not all Running within %ss" % timeout)


def wait_not_ready(kubeconfig, node, timeout):
    from kubernetes import client, config
    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        item = api.read_node(node)
        ready = [c.status for c in item.status.conditions or [] if c.type == "Ready"]
        if ready and ready[0] != "True":
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError("node %s stayed Ready for %ss after losing power" % (node, timeout))


# -- report ------------------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-lab", action="store_true", help="skip the lab recovery measurement")
    parser.add_argument("--preset", default="realistic", choices=["fast", "realistic"],
                        help="lab time preset (realistic: Kubernetes' own grace periods)")
    args = parser.parse_args()
    if not os.access(FENCE_REDFISH, os.X_OK):
        raise SystemExit("fence_redfish not found: apt-get install -y fence-agents")
    workdir = tempfile.mkdtemp(prefix="bench-fence-")
    try:
        rounds, never_on = redfish_rounds(os.path.join(workdir, "emulator"), args.rounds)
        lab = None if args.no_lab else lab_recovery(os.path.join(workdir, "lab"), args.preset)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = []
    for action in ("off", "reboot"):
        mine, other = rounds["ours_" + action], rounds["theirs_" + action]
        row = {"action": action,
               "ours_seconds": median(mine, "seconds"), "fence_redfish_seconds": median(other, "seconds"),
               "ours_requests": median(mine, "requests"), "fence_redfish_requests": median(other, "requests"),
               "ours_all_ok": all(s["outcome"]["ok"] for s in mine),
               "fence_redfish_all_ok": all(s["outcome"]["ok"] for s in other)}
        row["time_ratio"] = round(row["ours_seconds"] / row["fence_redfish_seconds"], 3)
        row["requests_ratio"] = round(row["ours_requests"] / row["fence_redfish_requests"], 3)
        rows.append(row)
    report = {"power_delay_seconds": POWER_DELAY, "rounds": args.rounds, "comparison": rows, "samples": rounds,
              "never_powers_on": never_on, "lab": lab}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "fence.json"), "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    print("fence benchmark: sushy-emulator over HTTPS, power changes apply after %d s, median of %d rounds"
          % (POWER_DELAY, args.rounds))
    print("%-8s %12s %14s %7s %10s %12s %7s" % ("action", "ours s", "fence_redfish s", "ratio", "ours req",
                                              "fr req", "ratio"))
    for row in rows:
        print("%-8s %12.2f %14.2f %7.2f %10d %12d %7.2f" % (
            row["action"], row["ours_seconds"], row["fence_redfish_seconds"], row["time_ratio"],
            row["ours_requests"], row["fence_redfish_requests"], row["requests_ratio"]))
    theirs_outcome, ours_outcome = never_on["fence_redfish"]["outcome"], never_on["ours"]["outcome"]
    print("node that never powers back on (reboot): fence_redfish exit %s %r -> %s; ours -> %s (%s)" % (
        theirs_outcome["exit_code"], theirs_outcome["said"], "SUCCESS (wrong)" if theirs_outcome["ok"] else "failure",
        "success (wrong)" if ours_outcome["ok"] else "failure", ours_outcome.get("error")))
    if lab:
        if "error" in lab or lab.get("power_loss_to_all_vms_running_elsewhere_seconds") is None:
            print("lab: " + lab.get("error", "no VM came back: %s" % lab))
        else:
            print("lab (%s preset): power loss of %s -> NotReady %.1f s -> fence_node run %.1f s; all %d VMs Running elsewhere "
                  "%.1f s after power loss" % (lab["preset"], lab["node"], lab["detect_not_ready_seconds"], lab["fence_run_seconds"],
                                               lab["vms"], lab["power_loss_to_all_vms_running_elsewhere_seconds"]))
    print("written: bench/results/fence.json")


if __name__ == "__main__":
    main()
