import importlib.util
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from lab.testing import lab, lab_session, lab_session_options, make_lab  # noqa: E402,F401  (fixtures)


def pytest_configure(config):
    config.addinivalue_line("markers", "lab(**options): options of the per-test `lab` fixture (Lab kwargs)")


import json  # noqa: E402

import pytest  # noqa: E402
import urllib3  # noqa: E402

from lab.testing import running_lab  # noqa: E402


class RawApi:
    """Plain HTTP to a lab, to assert status codes, headers and bodies exactly as a client receives them."""

    def __init__(self, target, token=None):
        self.lab = target
        self.token = target.token if token is None else token
        self.http = urllib3.PoolManager(ca_certs=target.ca_path) if target.ca_path else urllib3.PoolManager()

    def request(self, method, path, body=None, content_type="application/json", headers=None, raw=False,
                timeout=10.0, preload=True):
        all_headers = {"Accept": "application/json"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        response = self.http.request(method, self.lab.url + path, body=data, headers=all_headers,
                                     timeout=timeout, retries=False, preload_content=preload)
        if not preload:
            return response
        if raw:
            return response.status, response.data, response.headers
        parsed = json.loads(response.data) if response.data else None
        return response.status, parsed, response.headers

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body, content_type="application/merge-patch+json", **kw):
        return self.request("PATCH", path, body, content_type=content_type, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)


@pytest.fixture(scope="module")
def api_lab(tmp_path_factory):
    """An API-server-only lab shared by the tests of one module."""
    with running_lab(tmp_path_factory.mktemp("api-lab"), components=[]) as started:
        yield started


@pytest.fixture(scope="module")
def raw(api_lab):
    return RawApi(api_lab)


@pytest.fixture
def load_bench():
    """Loads bench/<name>.py as a module, so a test can call its main() on small inputs."""
    def load(name):
        path = os.path.join(os.path.dirname(__file__), "..", "..", "bench", name + ".py")
        spec = importlib.util.spec_from_file_location(name + "_bench", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
