"""Defaulting and validation of built-in kinds, with kube-apiserver's wording."""
import copy

from lab.apiserver.builtin import apply_defaults, validate


def _pod(**spec):
    body = {"containers": [{"name": "app", "image": "registry/app:1.0"}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0", "namespace": "default"}, "spec": body}


def _by_field(causes):
    return {c["field"]: c for c in causes}


def test_pod_defaults_include_admission_tolerations_and_scheduler():
    pod = apply_defaults("pods", _pod())
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["priority"] == 0 and spec["enableServiceLinks"] is True
    assert spec["serviceAccountName"] == "default"
    assert {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    assert {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_pod_defaults_keep_existing_tolerations_and_do_not_mutate_input():
    original = _pod(tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 5}])
    before = copy.deepcopy(original)
    tolerations = apply_defaults("pods", original)["spec"]["tolerations"]
    assert [t["tolerationSeconds"] for t in tolerations if t["key"] == "node.kubernetes.io/unreachable"] == [5]
    assert len(tolerations) == 2
    assert original == before


def test_latest_image_pulls_always():
    pod = apply_defaults("pods", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}})
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_node_and_namespace_defaults():
    assert apply_defaults("nodes", {"metadata": {"name": "n"}})["spec"] == {}
    namespace = apply_defaults("namespaces", {"metadata": {"name": "team-a"}})
    assert namespace["status"] == {"phase": "Active"}
    assert namespace["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}


def test_workload_status_carries_the_integers_a_server_always_sends_and_keeps_observed_ones():
    def workload(key):
        return apply_defaults(key, {"metadata": {"name": "w"}, "spec": {}, "status": {}})["status"]
    assert workload("daemonsets.apps") == {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                                           "desiredNumberScheduled": 0, "numberReady": 0}
    assert workload("statefulsets.apps") == {"replicas": 0, "availableReplicas": 0}
    assert workload("replicasets.apps") == {"replicas": 0}
    observed = apply_defaults("statefulsets.apps", {"metadata": {"name": "w"}, "spec": {},
                                                    "status": {"replicas": 3, "readyReplicas": 2}})
    assert observed["status"] == {"replicas": 3, "readyReplicas": 2, "availableReplicas": 0}


def test_deployment_defaults():
    deployment = apply_defaults("deployments.apps", {"metadata": {"name": "d"}, "spec": {
        "selector": {"matchLabels": {"app": "a"}},
        "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}}})
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert "tolerations" not in spec["template"]["spec"], "admission defaults apply to pods, not templates"


def test_valid_defaulted_pod_passes():
    assert validate("pods", apply_defaults("pods", _pod())) == []


def test_names_follow_the_rule_of_each_kind():
    bad_pod = _by_field(validate("pods", {**_pod(), "metadata": {"name": "Web_0"}}))
    assert bad_pod["metadata.name"]["message"].startswith(
        'Invalid value: "Web_0": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters')
    namespace = _by_field(validate("namespaces", {"metadata": {"name": "team.a"}}))
    assert namespace["metadata.name"]["message"] == 'Invalid value: "team.a": must not contain dots'
    service = _by_field(validate("services", {"metadata": {"name": "1svc", "namespace": "d"},
                                              "spec": {"ports": [{"port": 80}]}}))
    assert "a DNS-1035 label must consist" in service["metadata.name"]["message"]
    assert validate("nodes", {"metadata": {"name": "worker-0.example.com"}}) == []
    assert validate("clusterroles.rbac.authorization.k8s.io", {"metadata": {"name": "system:controller:x"}}) == []
    missing = _by_field(validate("configmaps", {"metadata": {}}))
    assert missing["metadata.name"]["message"] == "Required value: name or generateName is required"
    assert validate("configmaps", {"metadata": {"generateName": "cm-"}}) == []


def test_cluster_scoped_kind_rejects_a_namespace():
    causes = _by_field(validate("nodes", {"metadata": {"name": "n", "namespace": "default"}}))
    assert causes["metadata.namespace"]["message"] == "Forbidden: not allowed on this type"


def test_pod_requires_containers_with_name_and_image():
    causes = _by_field(validate("pods", _pod(containers=[{"image": ""}, {"name": "a", "image": "x"},
                                                         {"name": "a", "image": "y"}])))
    assert causes["spec.containers[0].name"]["message"] == "Required value"
    assert causes["spec.containers[0].image"]["reason"] == "FieldValueRequired"
    assert causes["spec.containers[2].name"]["message"] == 'Duplicate value: "a"'
    none = _by_field(validate("pods", _pod(containers=[])))
    assert none["spec.containers"]["message"] == "Required value"


def test_pod_enums_and_tolerations():
    causes = _by_field(validate("pods", _pod(restartPolicy="Sometimes",
                                             tolerations=[{"key": "k", "operator": "Exists", "value": "v"},
                                                          {"key": "k", "effect": "NoSchedule",
                                                           "tolerationSeconds": 5}])))
    assert causes["spec.restartPolicy"]["message"] == \
        'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
    assert causes["spec.tolerations[0].operator"]["message"].endswith("value must be empty when `operator` is 'Exists'")
    assert causes["spec.tolerations[1].effect"]["message"] == \
        'Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set'


def test_pod_spec_is_immutable_except_the_allowed_fields():
    old = apply_defaults("pods", _pod())
    allowed = copy.deepcopy(old)
    allowed["spec"]["containers"][0]["image"] = "registry/app:2.0"
    allowed["spec"]["activeDeadlineSeconds"] = 100
    allowed["spec"]["tolerations"].append({"key": "extra", "operator": "Exists"})
    allowed["metadata"]["labels"] = {"x": "y"}
    assert validate("pods", allowed, old) == []

    moved = copy.deepcopy(old)
    moved["spec"]["nodeName"] = "other"
    [cause] = validate("pods", moved, old)
    assert cause["field"] == "spec" and cause["reason"] == "FieldValueForbidden"
    assert cause["message"].startswith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)")
    assert "spec.nodeName" in cause["message"]


def test_pod_update_cannot_remove_a_toleration_or_raise_the_deadline():
    old = apply_defaults("pods", _pod(activeDeadlineSeconds=50))
    changed = copy.deepcopy(old)
    changed["spec"]["tolerations"] = changed["spec"]["tolerations"][:1]
    changed["spec"]["activeDeadlineSeconds"] = 60
    causes = _by_field(validate("pods", changed, old))
    assert causes["spec.tolerations"]["message"] == \
        "Forbidden: existing toleration can not be modified except its tolerationSeconds"
    assert causes["spec.activeDeadlineSeconds"]["message"] == \
        "Invalid value: 60: must be less than or equal to previous value"


def test_pod_update_ignores_defaults_missing_from_a_stored_pod():
    stored = _pod()
    stored["metadata"].update({"uid": "u", "resourceVersion": "7"})
    updated = apply_defaults("pods", stored)
    assert updated != stored
    assert validate("pods", updated, stored) == []


def test_metadata_name_is_immutable():
    old = apply_defaults("pods", _pod())
    renamed = copy.deepcopy(old)
    renamed["metadata"]["name"] = "web-1"
    causes = _by_field(validate("pods", renamed, old))
    assert causes["metadata.name"]["message"] == 'Invalid value: "web-1": field is immutable'


def test_deployment_selector_must_match_template_labels_and_is_immutable():
    deployment = {"metadata": {"name": "d", "namespace": "x"}, "spec": {
        "selector": {"matchLabels": {"app": "a"}},
        "template": {"metadata": {"labels": {"app": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    causes = _by_field(validate("deployments.apps", deployment))
    assert causes["spec.template.metadata.labels"]["message"] == \
        'Invalid value: {"app":"b"}: `selector` does not match template `labels`'
    no_selector = copy.deepcopy(deployment)
    del no_selector["spec"]["selector"]
    assert _by_field(validate("deployments.apps", no_selector))["spec.selector"]["message"] == "Required value"
    fixed = copy.deepcopy(deployment)
    fixed["spec"]["template"]["metadata"]["labels"] = {"app": "a"}
    assert validate("deployments.apps", fixed) == []
    moved = copy.deepcopy(fixed)
    moved["spec"]["selector"] = {"matchLabels": {"app": "a", "v": "2"}}
    moved["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    assert _by_field(validate("deployments.apps", moved, fixed))["spec.selector"]["message"].endswith(
        "field is immutable")


def test_workload_template_restart_policy_must_be_always():
    rs = {"metadata": {"name": "r"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
        "metadata": {"labels": {"a": "b"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}
    causes = _by_field(validate("replicasets.apps", rs))
    assert causes["spec.template.spec.restartPolicy"]["message"] == \
        'Unsupported value: "Never": supported values: "Always"'


def test_pdb_rules():
    both = _by_field(validate("poddisruptionbudgets.policy", {"metadata": {"name": "p"},
                                                              "spec": {"minAvailable": 1, "maxUnavailable": 1}}))
    assert both["spec"]["message"].endswith("minAvailable and maxUnavailable cannot be both set")
    bad = _by_field(validate("poddisruptionbudgets.policy", {"metadata": {"name": "p"}, "spec": {"minAvailable": "x"}}))
    assert "a valid percent string must be a numeric string followed by an ending '%'" in \
        bad["spec.minAvailable"]["message"]
    assert validate("poddisruptionbudgets.policy", {"metadata": {"name": "p"}, "spec": {"minAvailable": "50%"}}) == []


def test_node_taints_need_a_valid_effect():
    causes = _by_field(validate("nodes", {"metadata": {"name": "n"}, "spec": {"taints": [
        {"key": "a"}, {"key": "b", "effect": "Sometimes"}]}}))
    assert causes["spec.taints[0].effect"]["message"] == "Required value"
    assert causes["spec.taints[1].effect"]["message"] == \
        'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'


def test_lease_duration_must_be_positive_and_labels_are_checked():
    lease = {"metadata": {"name": "node-a", "labels": {"bad key!": "v"}}, "spec": {"leaseDurationSeconds": 0}}
    causes = validate("leases.coordination.k8s.io", lease)
    fields = [c["field"] for c in causes]
    assert "spec.leaseDurationSeconds" in fields and "metadata.labels" in fields


def test_admission_defaults_apply_only_to_new_pods():
    stored = _pod()
    stored["metadata"].update({"uid": "u", "resourceVersion": "7", "creationTimestamp": "2026-01-01T00:00:00Z"})
    spec = apply_defaults("pods", stored)["spec"]
    assert spec["restartPolicy"] == "Always", "scheme defaults apply on every write"
    assert "tolerations" not in spec and "serviceAccountName" not in spec


def test_deployment_strategy_rules():
    deployment = {"metadata": {"name": "d"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}},
        "strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}},
        "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    causes = _by_field(validate("deployments.apps", deployment))
    assert causes["spec.strategy.rollingUpdate"]["message"] == \
        "Forbidden: may not be specified when strategy `type` is 'Recreate'"


def test_crd_name_must_be_plural_dot_group_with_one_storage_version():
    crd = {"metadata": {"name": "things.example.com"},
           "spec": {"group": "x.io", "scope": "Namespaced", "names": {"plural": "things", "kind": "Thing"},
                    "versions": [{"name": "v1", "served": True, "storage": False}]}}
    causes = _by_field(validate("customresourcedefinitions.apiextensions.k8s.io", crd))
    assert causes["metadata.name"]["message"] == \
        'Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group'
    assert causes["spec.versions"]["message"].endswith("must have exactly one version marked as storage version")


def test_core_event_about_a_node_must_be_in_default_namespace():
    event = {"metadata": {"name": "worker-0.1", "namespace": "medik8s"}, "reason": "Fenced",
             "involvedObject": {"kind": "Node", "name": "worker-0"}}
    [cause] = validate("events", event)
    assert cause == {"reason": "FieldValueInvalid", "field": "involvedObject.namespace",
                     "message": 'Invalid value: "": does not match event.namespace'}
    event["metadata"]["namespace"] = "default"
    assert validate("events", event) == []
    pod_event = {"metadata": {"name": "p.1", "namespace": "a"}, "involvedObject": {"kind": "Pod", "namespace": "b"}}
    assert validate("events", pod_event)[0]["field"] == "involvedObject.namespace"


def test_core_event_with_event_time_names_its_reporter_and_action():
    event = {"metadata": {"name": "worker-0.2", "namespace": "default"}, "eventTime": "2026-01-01T00:00:00.000000Z",
             "involvedObject": {"kind": "Node", "name": "worker-0"}, "reason": "Fenced"}
    causes = validate("events", event)
    assert {c["field"] for c in causes} == {"reportingComponent", "reportingInstance", "action"}
    assert {"reason": "FieldValueRequired", "field": "reportingComponent", "message": "Required value"} in causes
    assert _by_field(causes)["action"]["message"] == "Required value"
    event.update(reportingComponent="workload.availability.fence_node", reportingInstance="host-1", action="Fence")
    assert validate("events", event) == []
