"""kubernetes.core modules in a real ansible-playbook run against the lab."""
import json
import os
import subprocess
import sys

import pytest

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/kubernetes.core.k8s:
      kubeconfig: "{{ kubeconfig }}"
  tasks:
    - name: present creates
      kubernetes.core.k8s:
        state: present
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: a-cm, namespace: default, labels: {app: demo}},
                     data: {k: "1"}}
      register: created
    - name: present again is idempotent
      kubernetes.core.k8s:
        state: present
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: a-cm, namespace: default, labels: {app: demo}},
                     data: {k: "1"}}
      register: again
    - name: patched
      kubernetes.core.k8s:
        state: patched
        kind: ConfigMap
        name: a-cm
        namespace: default
        definition: {data: {extra: "2"}}
      register: patched
    - name: apply twice
      kubernetes.core.k8s:
        apply: true
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: a-applied, namespace: default}, data: {x: "1"}}
      loop: [1, 2]
      register: applied
    - name: info with label and field selectors
      kubernetes.core.k8s_info:
        kind: ConfigMap
        namespace: default
        label_selectors: ["app=demo"]
        field_selectors: ["metadata.name=a-cm"]
      register: info
    - name: json patch
      kubernetes.core.k8s_json_patch:
        kubeconfig: "{{ kubeconfig }}"
        kind: Node
        name: a-node
        patch:
          - {op: add, path: /metadata/labels/patched, value: "yes"}
      register: json_patched
    - name: a pod that becomes Ready
      kubernetes.core.k8s:
        state: present
        wait: true
        wait_timeout: 20
        wait_sleep: 1
        wait_condition: {type: Ready, status: "True"}
        definition:
          apiVersion: v1
          kind: Pod
          metadata: {name: a-pod, namespace: default}
          spec: {nodeName: a-node, terminationGracePeriodSeconds: 0, containers: [{name: c, image: busybox}]}
      register: waited
    - name: cordon
      kubernetes.core.k8s_drain:
        kubeconfig: "{{ kubeconfig }}"
        name: a-node
        state: cordon
    - name: drain
      kubernetes.core.k8s_drain:
        kubeconfig: "{{ kubeconfig }}"
        name: a-node
        state: drain
        delete_options: {force: true, wait_timeout: 20}
      register: drained
    - name: uncordon
      kubernetes.core.k8s_drain:
        kubeconfig: "{{ kubeconfig }}"
        name: a-node
        state: uncordon
    - name: absent
      kubernetes.core.k8s:
        state: absent
        kind: ConfigMap
        name: a-applied
        namespace: default
      register: removed
    - name: report
      debug:
        msg: "REPORT:{{ {'created': created.changed, 'again': again.changed, 'patched': patched.result.data,
                       'applied': applied.results | map(attribute='changed') | list,
                       'info': info.resources | map(attribute='metadata.name') | list,
                       'json_patched': json_patched.result.metadata.labels.patched,
                       'waited': waited.changed, 'drained': drained.changed, 'removed': removed.changed} | to_json }}"
"""


def _become_ready(lab):
    def on_event(event_type, key, obj, old):
        if key == "pods" and event_type == "ADDED" and obj["metadata"]["name"] == "a-pod":
            def ready(pod):
                pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
                return pod
            import threading
            threading.Timer(0.5, lambda: lab.store.mutate("pods", "default", "a-pod", ready,
                                                          subresource="status")).start()
    return lab.store.subscribe(on_event)


def test_kubernetes_core_playbook(api_lab, tmp_path):
    api_lab.store.create("nodes", {"metadata": {"name": "a-node", "labels": {}}, "spec": {}})
    token = _become_ready(api_lab)
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(PLAYBOOK)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_DEPRECATION_WARNINGS="0")
    try:
        result = subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                                 "-e", f"kubeconfig={api_lab.kubeconfig_path}", "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)],
                                capture_output=True, text=True, timeout=240, env=env)
    finally:
        api_lab.store.unsubscribe(token)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if '"msg": "REPORT:' in line)
    outcome = json.loads(json.loads(line.split('"msg": ', 1)[1])[len("REPORT:"):])
    assert outcome == {"created": True, "again": False, "patched": {"k": "1", "extra": "2"},
                       "applied": [True, False], "info": ["a-cm"], "json_patched": "yes", "waited": True,
                       "drained": True, "removed": True}
    assert api_lab.store.list("pods", field_selector="spec.nodeName=a-node")[0] == []
    assert not api_lab.store.get("nodes", None, "a-node")["spec"].get("unschedulable")
    with pytest.raises(Exception):
        api_lab.store.get("configmaps", "default", "a-applied")
