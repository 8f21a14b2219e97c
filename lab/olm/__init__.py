"""OLM and OpenShift kinds for the lab: catalogs, package manifests, Subscription -> InstallPlan -> CSV, the
operators' CRDs (their runtime behaviour is out of scope), MachineConfig, ClusterVersion."""

from lab.olm.component import OlmComponent

__all__ = ["OlmComponent"]
