"""The workload.availability lab: a Kubernetes API server and simulated cluster, KubeVirt, BMCs."""


def __getattr__(name):
    if name == "Lab":
        from .lab import Lab
        return Lab
    raise AttributeError(name)


__all__ = ["Lab"]
