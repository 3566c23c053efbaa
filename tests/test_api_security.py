"""`wirecoder serve` against hostile clients: cross-site writes, DNS rebinding, slow clients, runaway coding,
huge offsets, LIKE wildcards, auth-scheme case, lax booleans, HEAD. The threat model is in docs/api.md."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import threading
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (fastapi, uvicorn)")
uvicorn = pytest.importorskip("uvicorn", reason="the web extra is not installed (fastapi, uvicorn)")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api import (  # noqa: E402
    PASTED,
    SCRIPT,
    TEST_HOST,
    FakeCoder,
    app_for_tests,
    assert_error,
    fixture_articles,
)
from test_batch import survivors  # noqa: E402

from wirecoder import api  # noqa: E402
from wirecoder.errors import WirecoderError  # noqa: E402
from wirecoder.query import Filters, QueryError, select  # noqa: E402
from wirecoder.schema import Attribution, Entity  # noqa: E402
from wirecoder.store import EventStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("security") / "events.duckdb"
    with EventStore(path) as store:
        for article, events in fixture_articles():
            store.put(article, events)
    return str(path)


@pytest.fixture()
def writable(tmp_path, db):
    path = tmp_path / "w.duckdb"
    shutil.copy(db, path)
    with TestClient(app_for_tests(path, coder=FakeCoder())) as c:
        yield c


def n_articles(client) -> int:
    return client.get("/api/meta").json()["counts"]["articles"]


# --- 1. cross-site writes ------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},  # sandboxed frames, file: pages
    {"Origin": "http://testserver:8080"},  # same name, another port: another origin
    {"Origin": "https://evil.example", "X-Wirecoder": "1"},  # a custom header does not excuse a foreign Origin
    {"Referer": "http://evil.example/page.html"},  # no Origin: the Referer decides
])
def test_cross_site_post_is_refused_without_a_token(writable, headers):
    before = n_articles(writable)
    res = writable.post("/api/code", content=PASTED.encode(), headers={"Content-Type": "text/plain", **headers})
    assert_error(res, 403, "cross_origin")
    assert n_articles(writable) == before


def test_cross_site_json_post_and_other_methods_are_refused(writable):
    evil = {"Origin": "http://evil.example"}
    assert_error(writable.post("/api/code", json={"text": PASTED}, headers=evil), 403, "cross_origin")
    assert_error(writable.delete("/api/events", headers=evil), 403, "cross_origin")
    assert_error(writable.put("/api/code", content=b"x", headers=evil), 403, "cross_origin")


@pytest.mark.parametrize("headers", [
    {"Origin": "http://testserver"},  # the dashboard's own fetch
    {"Origin": "http://TestServer:80"},  # the default port, any case
    {"Referer": "http://testserver/#actor=RUS"},
])
def test_same_origin_post_is_accepted(writable, headers):
    res = writable.post("/api/code", content=PASTED.encode(), headers={"Content-Type": "text/plain", **headers})
    assert res.status_code == 200, res.text
    assert res.json()["stored"] is True


def test_write_without_origin_needs_json_or_a_custom_header(writable):
    plain = {"Content-Type": "text/plain"}
    err = assert_error(writable.post("/api/code", content=PASTED.encode(), headers=plain), 403, "no_origin")
    assert "X-Wirecoder" in err["details"]["hint"]
    assert_error(writable.post("/api/code", content=PASTED.encode()), 403, "no_origin")  # no content type
    assert writable.post("/api/code", content=PASTED.encode(), headers={**plain, **SCRIPT}).status_code == 200
    assert writable.post("/api/code", json={"text": PASTED}).status_code == 200  # curl/requests with JSON


def test_cors_preflight_is_never_granted(writable):
    res = writable.options("/api/code", headers={"Origin": "http://evil.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"})
    assert res.status_code >= 400
    assert not any(k.lower().startswith("access-control-") for k in res.headers)


# --- 2. DNS rebinding -------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "localhost.evil.example:8000", "evil@localhost", "localhost/x", "[::1", ""])
@pytest.mark.parametrize("path", ["/api/meta", "/", "/static/app.js"])
def test_foreign_host_header_is_refused(db, host, path):
    with TestClient(api.create_app(db, coder=FakeCoder(), read_only=True, allowed_hosts=["events.example.org"])) as c:
        res = c.get(path, headers={"Host": host})
    err = assert_error(res, 421, "unknown_host")
    assert "--allow-host" in err["details"]["hint"]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost", "LOCALHOST:8000", "localhost.",
                                  "[::1]:8000", "[::1]", "events.example.org", "Events.Example.Org:443"])
def test_loopback_and_allowed_names_are_answered(db, host):
    with TestClient(api.create_app(db, coder=FakeCoder(), read_only=True, allowed_hosts=["events.example.org"])) as c:
        assert c.get("/api/meta", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("name", ["http://events.example.org", "events.example.org/x", "a b", ""])
def test_malformed_allowed_host_is_an_error(db, name):
    with pytest.raises(WirecoderError, match="not a host name"):
        api.create_app(db, coder=FakeCoder(), read_only=True, allowed_hosts=[name])


@pytest.fixture()
def captured_configs(monkeypatch):
    """The uvicorn configs that api.serve would run, without running them."""
    configs = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: configs.append(self.config))
    return configs


@pytest.mark.parametrize(("bound", "answered", "refused"), [
    ("192.0.2.7", ["192.0.2.7:8123", "localhost:8123", "events.example.org"], ["evil.example", "0.0.0.0:8123"]),
    ("0.0.0.0", ["events.example.org:8123", "127.0.0.1:8123"], ["0.0.0.0:8123", "192.0.2.7:8123"]),
])
def test_serve_answers_its_bound_address_and_allowed_names(db, captured_configs, bound, answered, refused):
    api.serve(db, bound, 8123, read_only=True, allowed_hosts=["events.example.org"])
    (config,) = captured_configs
    assert (config.limit_concurrency, config.timeout_keep_alive) == (api.MAX_CONNECTIONS, api.KEEP_ALIVE_SECONDS)
    with TestClient(config.app) as c:
        for host in answered:
            assert c.get("/api/meta", headers={"Host": host}).status_code == 200, host
        for host in refused:
            assert c.get("/api/meta", headers={"Host": host}).status_code == 421, host


def test_serve_cli_options_reach_serve(monkeypatch):
    from wirecoder.cli import build_parser, cmd_serve

    seen = {}
    monkeypatch.setattr(api, "serve", lambda *a, **k: seen.update(args=a, kwargs=k))
    args = build_parser().parse_args(["serve", "--db", "x.duckdb", "--allow-host", "a.example", "--allow-host",
                                      "b.example", "--code-timeout", "5", "--code-memory", "900", "--code-workers",
                                      "2"])
    cmd_serve(args)
    assert seen["args"] == ("x.duckdb", "127.0.0.1", 8000)
    limits = {k: seen["kwargs"][k] for k in ("allowed_hosts", "code_timeout", "code_memory_mb", "code_workers")}
    assert limits == {"allowed_hosts": ["a.example", "b.example"], "code_timeout": 5.0, "code_memory_mb": 900,
                      "code_workers": 2}


def test_serve_cli_defaults_are_the_api_defaults():
    from wirecoder.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.allow_host == []
    assert (args.code_timeout, args.code_memory, args.code_workers) == (
        api.DEFAULT_CODE_TIMEOUT, api.DEFAULT_CODE_MEMORY_MB, api.DEFAULT_CODE_WORKERS)


# --- 3. runaway coding (injected coder, in threads) ----------------------------------------------------------

class SlowCoder(FakeCoder):
    """Python code that runs for `seconds` (the thread time limit can interrupt it)."""

    def __init__(self, seconds: float = 10.0) -> None:
        self.seconds = seconds

    def code(self, article):
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            time.sleep(0.01)
        return super().code(article)


def test_injected_coder_gets_the_time_limit(db):
    with TestClient(app_for_tests(db, coder=SlowCoder(), read_only=True, code_timeout=0.3)) as c:
        t0 = time.monotonic()
        err = assert_error(c.post("/api/code", json={"text": PASTED}), 504, "coding_timeout")
        assert time.monotonic() - t0 < 5
        assert err["details"]["code_timeout_seconds"] == 0.3 and err["details"]["wirecoder_code"] == "W110"
        assert c.get("/api/meta").json()["code_timeout_seconds"] == 0.3


def test_article_over_the_api_character_limit_is_refused(db):
    with TestClient(app_for_tests(db, coder=FakeCoder(), read_only=True,
                                  max_body_bytes=api.MAX_PASTED_CHARS + 100)) as c:
        too_long = "x" * (api.MAX_PASTED_CHARS + 1)
        res = c.post("/api/code", content=too_long.encode(), headers={"Content-Type": "text/plain", **SCRIPT})
        err = assert_error(res, 422, "invalid_article")
        assert "wirecoder code" in err["details"]["hint"]
        assert c.get("/api/meta").json()["max_text_chars"] == api.MAX_PASTED_CHARS


@pytest.mark.parametrize("limits", [{"code_timeout": 0}, {"code_workers": 0}, {"code_memory_mb": -1},
                                    {"body_timeout": 0}])
def test_limits_must_be_positive(db, limits):
    with pytest.raises(WirecoderError, match="must be a positive number"):
        app_for_tests(db, coder=FakeCoder(), read_only=True, **limits)


# --- 3. runaway coding (the shipped pipeline, in worker processes) ------------------------------------------

def _examples_text(n: int) -> str:
    base = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt")))
    return (base * (n // len(base) + 1))[:n]


@pytest.mark.model
def test_real_worker_time_limit_keeps_reads_fast_and_recovers(tmp_path):
    """The shipped pipeline in a worker process: over the limit gives the coded 504 (SIGALRM in the worker;
    a worker that cannot answer is killed), reads answer meanwhile, and the next article codes normally."""
    long_article = _examples_text(api.MAX_PASTED_CHARS)  # ~6 s to code here, far over 1 s
    with TestClient(app_for_tests(tmp_path / "real.duckdb", code_timeout=1.0)) as c:
        assert c.post("/api/code", json={"text": PASTED}).status_code == 200  # starts the worker (model load)
        coding = c.app.state.coding
        (worker,) = coding.idle
        pid = worker.pid
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            t0 = time.monotonic()
            pending = pool.submit(c.post, "/api/code", json={"text": long_article})
            time.sleep(0.3)
            t_read = time.monotonic()
            assert c.get("/api/meta").status_code == 200
            read_seconds = time.monotonic() - t_read
            res = pending.result(timeout=30)
        elapsed = time.monotonic() - t0
        err = assert_error(res, 504, "coding_timeout")
        assert err["details"]["code_timeout_seconds"] == 1.0
        assert read_seconds < 0.5, read_seconds
        assert elapsed < 1.0 + api.KILL_AFTER_SECONDS, elapsed
        assert worker.pid == pid  # interrupted, not killed: the model stays loaded
        assert c.post("/api/code", json={"text": PASTED}).json()["events"]

        os.kill(pid, signal.SIGSTOP)  # a worker that can no longer answer, as one stuck in C code
        t0 = time.monotonic()
        assert_error(c.post("/api/code", json={"text": PASTED}), 504, "coding_timeout")
        assert time.monotonic() - t0 < 1.0 + api.KILL_AFTER_SECONDS + 2
        assert worker.pid is None
        assert not survivors([pid]), "the stuck worker was not killed"
        res = c.post("/api/code", json={"text": PASTED})  # a fresh worker
        assert res.status_code == 200 and res.json()["events"]
        assert worker.pid not in (None, pid)


@pytest.mark.model
def test_real_worker_memory_cap_gives_a_coded_error(tmp_path):
    """A text that needs ~2 GB under a 1 GB cap: MemoryError in the worker, a 422 naming the limit, and the
    worker goes on coding."""
    with TestClient(app_for_tests(tmp_path / "real.duckdb", code_memory_mb=1024)) as c:
        err = assert_error(c.post("/api/code", json={"text": "a " * (api.MAX_PASTED_CHARS // 2)}), 422,
                           "coding_failed")
        assert "out of memory" in err["message"] and err["details"]["code_memory_mb"] == 1024
        assert c.post("/api/code", json={"text": PASTED}).json()["events"]


def test_worker_that_cannot_load_the_pipeline_gives_503(tmp_path):
    """Under a cap far below what the pipeline needs the worker cannot start: 503 naming the cap."""
    with TestClient(app_for_tests(tmp_path / "real.duckdb", code_memory_mb=150)) as c:
        err = assert_error(c.post("/api/code", json={"text": PASTED}), 503, "coding_unavailable")
        assert err["details"]["code_memory_mb"] == 150
        assert c.get("/api/meta").status_code == 200


# --- 4. huge numbers and the headers of a 500 ----------------------------------------------------------------

@pytest.fixture(scope="module")
def client(db):
    with TestClient(app_for_tests(db, coder=FakeCoder(), read_only=True)) as c:
        yield c


@pytest.mark.parametrize("path", ["/api/events", "/api/actors", "/api/actors/TUR"])
@pytest.mark.parametrize("params", [{"offset": 2**63}, {"offset": 2**64}, {"offset": 10**12 + 1},
                                    {"limit": 2**63}])
def test_huge_offsets_and_limits_are_400_not_500(client, path, params):
    assert_error(client.get(path, params=params), 400, "invalid_parameter")


def test_query_select_refuses_huge_offsets(db):
    with EventStore(db, read_only=True) as store, pytest.raises(QueryError, match="offset"):
        select(store, Filters(), offset=2**63)


class Broken:
    def code(self, article):
        raise RuntimeError("boom")


def test_a_500_carries_the_security_headers(db):
    with TestClient(app_for_tests(db, coder=Broken(), read_only=True)) as c:
        res = c.post("/api/code", json={"text": PASTED})
    assert_error(res, 500, "internal_error")
    assert "default-src 'self'" in res.headers["content-security-policy"]
    assert res.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("method", "url", "headers", "status"), [
    ("GET", "/api/meta", {"Host": "evil.example"}, 421),
    ("POST", "/api/code", {"Origin": "http://evil.example"}, 403),
    ("GET", "/api/nope", {}, 404),
    ("GET", f"/api/events?offset={2**64}", {}, 400),
])
def test_every_error_carries_the_security_headers(client, method, url, headers, status):
    res = client.request(method, url, headers=headers)
    assert res.status_code == status
    assert res.headers["x-content-type-options"] == "nosniff" and res.headers["content-security-policy"]


# --- 5. LIKE wildcards ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wildcard_client(tmp_path_factory):
    """Outlets, attribution sources and actor names with and without % and _."""
    (a1, (e1, e2)), (a2, (e3,)) = fixture_articles()
    percent = Entity("100% Brigade", "100% Brigade", "SYR", "MIL", "wc:group:100%-brigade")
    underscore = Entity("Team_Blue", "Team_Blue", "TUR", "MIL", "wc:group:team_blue")
    path = tmp_path_factory.mktemp("wildcards") / "events.duckdb"
    with EventStore(path) as store:
        store.put(replace(a1, outlet="100% News"), [replace(e1, actor=(percent,)), e2])
        store.put(a2, [replace(e3, attribution=Attribution("wire_service", "media"), actor=(underscore,))])
    with TestClient(app_for_tests(str(path), coder=FakeCoder(), read_only=True)) as c:
        yield c, str(path)


@pytest.mark.parametrize(("source", "docs"), [("%", {"doc-1"}), ("_", {"doc-2"}), ("0%", {"doc-1"}),
                                              ("e_s", {"doc-2"}), ("%news", set()), ("n_ws", set())])
def test_source_percent_matches_only_a_literal_percent(wildcard_client, source, docs):
    client, path = wildcard_client
    for level in ("events", "reports"):
        page = client.get("/api/events", params={"source": source, "level": level}).json()
        assert {e["doc_id"] for e in page["items"]} == docs, (level, page)
    with EventStore(path, read_only=True) as store:  # the CLI's `wirecoder query --source`
        assert {r["doc_id"] for r in select(store, Filters(source=source), level="reports")} == docs


@pytest.mark.parametrize(("q", "ids"), [("%", {"wc:group:100%-brigade"}), ("_", {"wc:group:team_blue"}),
                                        ("e_m", set()), ("100%", {"wc:group:100%-brigade"})])
def test_actor_search_treats_percent_and_underscore_literally(wildcard_client, q, ids):
    client, _ = wildcard_client
    assert {a["id"] for a in client.get("/api/actors", params={"q": q}).json()["items"]} == ids


# --- 6. slow clients, against a real uvicorn server --------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live(db):
    """A real server on loopback with short slow-client limits: (port, header/body timeout)."""
    timeout = 0.5
    app = api.create_app(db, coder=FakeCoder(), read_only=True, body_timeout=timeout)
    port = _free_port()
    srv = uvicorn.Server(api.server_config(app, "127.0.0.1", port, header_timeout=timeout, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield port, timeout
    srv.should_exit = True
    thread.join(timeout=10)


def _read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    sock.settimeout(limit)
    t0, data = time.monotonic(), b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {limit} s; it sent {data[:200]!r}")
    return data, time.monotonic() - t0


def test_a_body_that_never_arrives_gets_408(live):
    port, timeout = live
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /api/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                     b"X-Wirecoder: 1\r\nContent-Length: 100\r\n\r\nPutin met")
        data, seconds = _read_until_closed(sock, 10)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), data
    assert b'"code":"request_timeout"' in body and b"nosniff" in head.lower()
    assert seconds < timeout + 3


@pytest.mark.parametrize("sent", [b"", b"GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
def test_headers_that_never_finish_are_cut_off(live, sent):
    port, timeout = live
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(sent)
        data, seconds = _read_until_closed(sock, 10)
    assert data == b"" and seconds < timeout + 3


def test_headers_sent_a_byte_at_a_time_are_cut_off(live):
    port, timeout = live
    request = b"GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", port)) as sock:
        t0 = time.monotonic()
        try:
            for byte in request:  # each byte well inside the limit, the whole far past it
                sock.sendall(bytes([byte]))
                time.sleep(timeout / 10)
        except (BrokenPipeError, ConnectionResetError):
            pass
        else:
            pytest.fail("the server read headers for longer than its limit")
        assert time.monotonic() - t0 < timeout + 3


def _read_response(sock: socket.socket) -> bytes:
    """One response's head and body (by Content-Length) from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    length = int(next(line.split(b":")[1] for line in lines if line.startswith(b"content-length:")))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_keep_alive_requests_still_work_under_the_limits(live):
    port, timeout = live
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(5)
        for _ in range(3):  # each request after a pause shorter than the header limit
            sock.sendall(b"GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _read_response(sock).startswith(b"HTTP/1.1 200")
            time.sleep(timeout / 2)


# --- 7. auth scheme, 8. strict booleans, 9. HEAD -------------------------------------------------------------

@pytest.mark.parametrize(("header", "status"), [
    ("Bearer s3cret", 200), ("bearer s3cret", 200), ("BEARER s3cret", 200), ("Bearer   s3cret", 200),
    ("Basic s3cret", 401), ("Bearer", 401), ("Bearer s3cretX", 401), ("Bearers3cret", 401), ("s3cret", 401),
])
def test_bearer_scheme_is_case_insensitive(db, header, status):
    with TestClient(app_for_tests(db, coder=FakeCoder(), token="s3cret", read_only=True)) as c:
        res = c.post("/api/code", json={"text": PASTED}, headers={"Authorization": header})
    if status == 401:
        assert_error(res, 401, "unauthorized")
    else:
        assert res.status_code == 200, res.text


@pytest.mark.parametrize("store", ["yes", "true", 1, 0, None, [True]])
def test_store_must_be_a_json_boolean(writable, store):
    before = n_articles(writable)
    err = assert_error(writable.post("/api/code", json={"text": PASTED, "store": store}), 400, "invalid_parameter")
    assert err["details"][0]["location"] == ["store"]
    assert n_articles(writable) == before


def test_store_false_does_not_store(writable):
    before = n_articles(writable)
    assert writable.post("/api/code", json={"text": PASTED, "store": False}).json()["stored"] is False
    assert n_articles(writable) == before


@pytest.mark.parametrize("path", ["/", "/api/meta", "/api/events?limit=1", "/api/openapi.json", "/static/app.js",
                                  "/api/events/0000000000"])
def test_head_is_answered_wherever_get_is(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    for name in ("content-type", "content-length", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_on_a_post_only_route_is_405(client):
    assert client.head("/api/code").status_code == 405


def test_tests_name_their_host():
    """The app answers TestClient's Host only because these tests say so (no test names in product code)."""
    assert TEST_HOST not in api.LOOPBACK_HOSTS
    assert "testserver" not in Path(api.__file__).read_text(encoding="utf-8")


@pytest.mark.model
def test_kill_9_of_the_server_leaves_no_coding_worker(tmp_path):
    """`wirecoder serve` killed with SIGKILL while its coding worker is loaded: every process it started ends."""
    import subprocess
    import sys
    import urllib.request

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "wirecoder.cli", "serve", "--db", str(tmp_path / "k.duckdb"),
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/code", data=json.dumps({"text": PASTED}).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
        assert urllib.request.urlopen(req, timeout=120).status == 200  # the worker is up, the model loaded
        children = [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        assert children
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        assert not survivors(children), "processes outlived the server"
    finally:
        server.kill()
