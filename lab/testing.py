"""pytest fixtures for tests that need a lab.

- `lab_session`: one lab for the whole test run (options from the `lab_session_options` fixture,
  which a conftest may override).
- `lab`: a fresh lab per test; options from `@pytest.mark.lab(**kwargs)` on the test or module.
- `make_lab`: a factory, `make_lab(**kwargs)` -> started Lab, stopped after the test.
Import them in a conftest.py: `from lab.testing import lab, lab_session, lab_session_options, make_lab`.
"""
import contextlib

import pytest

from .lab import Lab


@contextlib.contextmanager
def running_lab(workdir, **kwargs):
    lab = Lab(workdir=str(workdir), **kwargs)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def lab_session_options() -> dict:
    return {}


@pytest.fixture(scope="session")
def lab_session(lab_session_options, tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("lab-session"), **lab_session_options) as lab:
        yield lab


@pytest.fixture
def lab(request, tmp_path):
    marker = request.node.get_closest_marker("lab")
    options = dict(marker.kwargs) if marker else {}
    with running_lab(tmp_path / "lab", **options) as started:
        yield started


@pytest.fixture
def make_lab(tmp_path):
    stack = contextlib.ExitStack()
    counter = [0]

    def factory(**kwargs):
        counter[0] += 1
        return stack.enter_context(running_lab(tmp_path / f"lab-{counter[0]}", **kwargs))

    with stack:
        yield factory
