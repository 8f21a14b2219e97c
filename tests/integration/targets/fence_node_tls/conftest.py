import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lab.testing import lab  # noqa: E402  (the fixture the tests here use)

__all__ = ["lab"]


def pytest_configure(config):
    config.addinivalue_line("markers", "lab(**options): options of the lab the `lab` fixture starts")
