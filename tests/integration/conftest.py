"""For the pytest drivers of the integration targets: the lab's fixtures (lab.testing), this directory's helpers
(playbook_runner.py) and the object builders the unit tests use (tests/unit/builders.py) importable."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for path in (ROOT, HERE, os.path.join(ROOT, "tests", "unit")):
    if path not in sys.path:
        sys.path.insert(0, path)

# pylint: disable-next=unused-import
from lab.testing import lab, lab_session, lab_session_options, make_lab  # noqa: E402,F401


def pytest_configure(config):
    config.addinivalue_line("markers", "lab(**options): options of the per-test lab (lab.testing)")
