"""KubeVirt in the lab: kubevirt.io/v1 CRDs, virt-controller's controllers, virt-api's webhooks and
subresources, as OpenShift Virtualization deploys them."""
from .component import KubeVirtComponent

__all__ = ["KubeVirtComponent"]
