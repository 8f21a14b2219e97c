"""The pure deletion rules (lab/apiserver/deletion.py)."""
from lab.apiserver import deletion


def _pod(node="n1", phase="Running", grace=None, finalizers=None, deleting=None):
    meta = {"name": "p", "namespace": "ns", "generation": 1}   # a pod with a generation, as from 1.33 on
    if finalizers:
        meta["finalizers"] = finalizers
    if deleting is not None:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        meta["deletionGracePeriodSeconds"] = deleting
    spec = {"nodeName": node} if node else {}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


def test_bound_running_pod_gets_its_grace_period():
    result = deletion.plan("pods", _pod(grace=45), None, None, now=0)
    assert result.action == deletion.MARK
    assert result.obj["metadata"]["deletionGracePeriodSeconds"] == 45
    assert result.obj["metadata"]["deletionTimestamp"] == "1970-01-01T00:00:45Z"
    assert result.obj["metadata"]["generation"] == 2


def test_unbound_finished_or_zero_grace_pods_go_at_once():
    assert deletion.plan("pods", _pod(node=None), None, None, 0).action == deletion.REMOVE
    assert deletion.plan("pods", _pod(phase="Succeeded"), None, None, 0).action == deletion.REMOVE
    assert deletion.plan("pods", _pod(), 0, None, 0).action == deletion.REMOVE


def test_longer_grace_on_a_terminating_pod_changes_nothing_shorter_shortens():
    assert deletion.plan("pods", _pod(deleting=10), 20, None, 0).action == deletion.KEEP
    shorter = deletion.plan("pods", _pod(deleting=10), 3, None, 0)
    assert shorter.action == deletion.MARK and shorter.obj["metadata"]["deletionGracePeriodSeconds"] == 3
    assert shorter.obj["metadata"]["generation"] == 1


def test_finalizers_keep_objects_and_policies_become_finalizers():
    cm = {"metadata": {"name": "c", "finalizers": ["x/y"]}}
    kept = deletion.plan("configmaps", cm, None, None, 0)
    assert kept.action == deletion.MARK and kept.obj["metadata"]["deletionGracePeriodSeconds"] == 0
    foreground = deletion.plan("configmaps", {"metadata": {"name": "c"}}, None, "Foreground", 0)
    assert foreground.action == deletion.MARK and foreground.obj["metadata"]["finalizers"] == ["foregroundDeletion"]
    orphan = deletion.plan("configmaps", {"metadata": {"name": "c", "finalizers": ["foregroundDeletion"]}},
                           None, "Orphan", 0)
    assert orphan.obj["metadata"]["finalizers"] == ["orphan"]
    assert deletion.plan("configmaps", {"metadata": {"name": "c"}}, None, "Background", 0).action == deletion.REMOVE


def test_namespace_terminates_while_its_finalizer_holds_it():
    ns = {"metadata": {"name": "n"}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    result = deletion.plan("namespaces", ns, None, None, 0)
    assert result.action == deletion.MARK and result.obj["status"]["phase"] == "Terminating"
    assert not deletion.deletion_complete("namespaces", result.obj)
    result.obj["spec"]["finalizers"] = []
    assert deletion.deletion_complete("namespaces", result.obj)
