# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus HTTP API (shell): instant queries with a bearer token, a CA bundle and TLS verification as the
``prometheus`` option says (OpenShift's thanos-querier route takes a service account token), retried like API
requests, counted.

``Prometheus(config, hide, retry, sleep)``: ``config`` is the validated ``prometheus`` option; ``hide(values)`` gets
the token (the one from ``token_file`` too) so no result ever prints it. ``query(name, text)`` -> the instant
vector (the ``result`` list); ``requests`` counts the HTTP requests made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url

from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.core.retry import RetryPolicy, parse_retry_after

QUERY_PATH = "/api/v1/query"


class PrometheusError(AvailabilityError):
    pass


def read_token(config):
    """The bearer token: ``token``, else the content of ``token_file`` (read on every run: projected tokens
    rotate), else None."""
    if config.get("token"):
        return config["token"]
    if config.get("token_file"):
        try:
            with open(config["token_file"]) as handle:
                return handle.read().strip() or None
        except (IOError, OSError) as error:
            raise PrometheusError("prometheus.token_file %s cannot be read: %s" % (config["token_file"], error))
    return None


class Prometheus:
    def __init__(self, config, hide, retry=None, sleep=time.sleep):
        self.url = config["url"].rstrip("/")
        self.config = config
        self.token = read_token(config)
        hide([self.token])
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.requests = 0

    def _get(self, text):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
        response = open_url(self.url + QUERY_PATH + "?" + urlencode({"query": text}), method="GET", headers=headers,
                            validate_certs=self.config.get("validate_certs", True),
                            ca_path=self.config.get("ca_file"), timeout=self.config.get("timeout") or 30,
                            follow_redirects="safe")
        return json.loads(response.read() or b"{}")

    def query(self, name, text):
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            status, retry_after, problem = None, None, None
            try:
                body = self._get(text)
            except HTTPError as error:
                status, retry_after = error.code, parse_retry_after(error.headers.get("Retry-After"))
                problem = "HTTP %s %s" % (error.code, _error_text(error))
            except (URLError, IOError, OSError, ValueError) as error:
                problem = str(getattr(error, "reason", None) or error)
            else:
                if body.get("status") == "success" and (body.get("data") or {}).get("resultType") == "vector":
                    return (body.get("data") or {}).get("result") or []
                raise PrometheusError("Prometheus at %s refused query %s (%s): %s" % (
                    self.url, name, text, body.get("error") or "the answer is not an instant vector"))
            if not self.retry.should_retry(status, attempt):
                raise PrometheusError("Prometheus at %s did not answer query %s: %s; check prometheus.url, its token "
                                      "and CA, or choose metrics_source=metrics_api" % (self.url, name, problem))
            self.sleep(self.retry.delay(attempt, retry_after))


def _error_text(error):
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, IOError, OSError):
        return error.reason or ""
    return body.get("error") or error.reason or ""
