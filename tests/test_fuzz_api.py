"""Hostile API requests: any body or query string gets a response with the one error shape, never a
crash; values never reach SQL as text."""

import contextlib
import json
import warnings
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api import SCRIPT, FakeCoder, app_for_tests, fixture_articles  # noqa: E402

from wirecoder.store import EventStore  # noqa: E402

EXAMPLES = 120
BUDGET = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PARAMS = ["start", "end", "actor", "recipient", "event_type", "place", "bbox", "factuality", "source", "level",
          "limit", "offset", "order", "q", "freq"]
VALUE = st.one_of(st.text(max_size=60), st.integers(-2**70, 2**70).map(str),
                  st.sampled_from(["2016-13-45", "1,2,3", "'; DROP TABLE events; --", "RUS", "../../etc/passwd",
                                   "%00", "9" * 400, "ASSAULT", "events", "-1", str(2**63), str(2**64), "%", "_"]))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "events.duckdb"
    with EventStore(path) as store:
        for article, events in fixture_articles():
            store.put(article, events)
    # a script's client (SCRIPT header), so that bodies of every type reach the parser
    with TestClient(app_for_tests(str(path), coder=FakeCoder(), read_only=True, max_body_bytes=5_000),
                    raise_server_exceptions=False, headers=SCRIPT) as c:
        yield c


def _check(response):
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])


@BUDGET
@given(st.sampled_from(["/api/events", "/api/stats", "/api/actors", "/api/dyads", "/api/timeline",
                        "/api/network", "/api/map"]),
       st.dictionaries(st.sampled_from(PARAMS), VALUE, max_size=5))
def test_any_query_string(client, path, params):
    _check(client.get(path, params=params))


@BUDGET
@given(st.one_of(st.binary(max_size=6000), st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(
    st.sampled_from(["text", "title", "published", "id", "outlet", "url"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=300), st.lists(st.integers(), max_size=3))))),
       st.sampled_from(["application/json", "text/plain", "application/octet-stream", "text/html"]))
def test_any_code_body(client, body, content_type):
    _check(client.post("/api/code", content=body, headers={"content-type": content_type}))


@BUDGET
@given(st.text(min_size=1, max_size=80))
def test_any_id_in_path(client, ident):
    for base in ("/api/events/", "/api/reports/", "/api/articles/", "/api/actors/"):
        with contextlib.suppress(UnicodeError):
            _check(client.get(base + quote(ident, safe="")))
