import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# pylint: disable-next=unused-import
from lab.testing import lab, lab_session, lab_session_options, make_lab  # noqa: E402,F401


def pytest_configure(config):
    config.addinivalue_line("markers", "lab(**options): options of the per-test lab (lab.testing)")
