"""kubevirt.core's modules against the lab, in real ansible-playbook runs (HTTPS, as the modules require)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, tls=True, vms=0)

PLAYBOOK = textwrap.dedent("""
    - hosts: localhost
      connection: local
      gather_facts: false
      vars:
        vm_spec:
          domain:
            cpu: {cores: 1}
            memory: {guest: 1Gi}
            devices: {}
      tasks:
        - name: create and start the VM, waiting for Ready
          kubevirt.core.kubevirt_vm:
            name: testvm
            namespace: default
            running: true
            spec: "{{ vm_spec }}"
            wait: true
            wait_sleep: 1
            wait_timeout: 60
          register: created

        - name: read the VM
          kubevirt.core.kubevirt_vm_info:
            name: testvm
            namespace: default
            wait: true
            wait_sleep: 1
            wait_timeout: 30
          register: vm_info

        - name: read its VMI
          kubevirt.core.kubevirt_vmi_info:
            name: testvm
            namespace: default
            wait: true
            wait_sleep: 1
            wait_timeout: 30
          register: vmi_info

        - name: stop it, waiting until the VMI is gone
          kubevirt.core.kubevirt_vm:
            name: testvm
            namespace: default
            running: false
            spec: "{{ vm_spec }}"
            wait: true
            wait_sleep: 1
            wait_timeout: 60
          register: stopped

        - name: read the stopped VM
          kubevirt.core.kubevirt_vm_info:
            name: testvm
            namespace: default
            running: false
            wait: true
            wait_sleep: 1
            wait_timeout: 30
          register: stopped_info

        - name: no VMI while stopped
          kubevirt.core.kubevirt_vmi_info:
            namespace: default
          register: no_vmi

        - name: start it again
          kubevirt.core.kubevirt_vm:
            name: testvm
            namespace: default
            running: true
            spec: "{{ vm_spec }}"
            wait: true
            wait_sleep: 1
            wait_timeout: 60
          register: started

        - name: delete it, waiting until it is gone
          kubevirt.core.kubevirt_vm:
            name: testvm
            namespace: default
            state: absent
            wait: true
            wait_sleep: 1
            wait_timeout: 60
          register: deleted

        - name: nothing left
          kubevirt.core.kubevirt_vm_info:
            namespace: default
          register: after

        - name: report
          ansible.builtin.copy:
            dest: "{{ report_path }}"
            content: "{{ {'created': created, 'vm_info': vm_info, 'vmi_info': vmi_info, 'stopped': stopped,
                          'stopped_info': stopped_info, 'no_vmi': no_vmi, 'started': started,
                          'deleted': deleted, 'after': after} | to_json }}"
""")


def test_kubevirt_vm_lifecycle_with_wait(lab, tmp_path):
    playbook = tmp_path / "vm.yml"
    playbook.write_text(PLAYBOOK)
    report = tmp_path / "report.json"
    env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig_path, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    result = subprocess.run([binary, str(playbook), "-e", f"report_path={report}",
                             "-e", f"ansible_python_interpreter={sys.executable}"],
                            env=env, capture_output=True, text=True, timeout=150)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    out = json.loads(report.read_text())

    assert out["created"]["changed"]
    vm = out["vm_info"]["resources"][0]
    assert vm["status"]["printableStatus"] == "Running"
    assert {"type": "Ready", "status": "True"}.items() <= \
        next(c for c in vm["status"]["conditions"] if c["type"] == "Ready").items()
    vmi = out["vmi_info"]["resources"][0]
    assert vmi["status"]["phase"] == "Running"
    assert vmi["status"]["nodeName"].startswith("worker-")

    assert out["stopped"]["changed"]
    stopped = out["stopped_info"]["resources"][0]["status"]
    assert stopped["printableStatus"] == "Stopped"
    ready = next(c for c in stopped["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "VMINotExists")
    assert out["no_vmi"]["resources"] == []

    assert out["started"]["changed"]
    assert out["started"]["result"]["status"]["printableStatus"] == "Running"
    assert out["deleted"]["changed"]
    assert out["after"]["resources"] == []
    truth = lab.component("cluster").truth
    assert truth.running_on("default/testvm") == set()
    assert truth.counters()["split_brain"] == 0
