"""The thread that runs KubeVirt's controllers (virt-controller is its own process on a real cluster).

It is lab.cluster's controller runner with one change: a batch of queued work is not abandoned as soon as a new
store event arrives. The whole lab writes to the store all the time; yielding to every event starved KubeVirt's
queue on large scenarios. Events only enqueue work, so handling them a little later costs no correctness.
"""
import logging

from ..cluster.runner import Runner


class KubeVirtRunner(Runner):
    yield_to_events = False
    thread_name = "lab-kubevirt-controllers"
    log = logging.getLogger("lab.kubevirt")
