"""The simulated cluster under the lab's API server (see component.py)."""

from .component import ClusterComponent
from .machines import Machine, Machines
from .truth import GroundTruth

__all__ = ["ClusterComponent", "Machine", "Machines", "GroundTruth"]
