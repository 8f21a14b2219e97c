"""Helpers of the rebalance_vms drivers: run the module through ansible-playbook, the lab's Prometheus with rate
windows the fast preset's one-second scrapes fill quickly, and where the VMs really run (the lab's ground truth)."""
import os
import time

from playbook_runner import run_module

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "run_module.yml")
VMI_KEY = "virtualmachineinstances.kubevirt.io"
VMIM_KEY = "virtualmachineinstancemigrations.kubevirt.io"
WINDOW = "10s"


def queries(without_node=None, without_psi=None):
    """The module's default queries over WINDOW instead of one minute, so the load measured after the moves (after
    settle_time) covers the new placement within a test. ``without_node`` / ``without_psi``: a node whose
    node-exporter series (all, or PSI only) are not scraped."""
    def node(selector, extra=""):
        parts = [part for part in (extra, 'instance!="%s"' % without_node if without_node else "") if part]
        return "%s{%s}" % (selector, ",".join(parts))

    psi_filter = 'instance!="%s"' % without_psi if without_psi else ""
    return {
        "node_cpu": 'avg by (instance) (1 - rate(%s[%s]))' % (node("node_cpu_seconds_total", 'mode="idle"'), WINDOW),
        "node_memory": "avg by (instance) (1 - avg_over_time(%s[%s]) / %s)" % (
            node("node_memory_MemAvailable_bytes"), WINDOW, node("node_memory_MemTotal_bytes")),
        "node_cpu_pressure": "avg by (instance) (rate(node_pressure_cpu_waiting_seconds_total{%s}[%s]))" % (
            psi_filter, WINDOW),
        "node_memory_pressure": "avg by (instance) (rate(node_pressure_memory_waiting_seconds_total{%s}[%s]))" % (
            psi_filter, WINDOW),
        "vmi_cpu": "sum by (namespace, name) (rate(kubevirt_vmi_cpu_usage_seconds_total[%s]))" % WINDOW,
    }


def prometheus(lab, **kwargs):
    return {"url": lab.component("metrics").prometheus_url, "queries": queries(**kwargs)}


def rebalance(lab, check=False, **options):
    """The module's registered result (options as the module takes them)."""
    options.setdefault("prometheus", prometheus(lab))
    options.setdefault("settle_time", 12)
    return run_module(lab, PLAYBOOK, {"rb_args": options, "rb_check": check}, timeout=300)


def vmis(lab):
    return lab.store.list(VMI_KEY)[0]


def wait_running(lab, count, timeout=90):
    lab.wait_for(lambda: len([v for v in vmis(lab) if (v.get("status") or {}).get("phase") == "Running"]) == count,
                 timeout=timeout)
    # a few scrapes of the running VMs, so every rate window has samples of them
    time.sleep(3)


def really_on(lab, name, namespace="vms"):
    return lab.component("cluster").truth.running_on("%s/%s" % (namespace, name))


def moved(result):
    return [(move["vm"], move["from"], move["to"]) for move in result["moves"]]
