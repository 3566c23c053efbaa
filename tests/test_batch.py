"""Batch engines: same results in the same order for 1 and 2 processes and a local Dask cluster;
a failing, slow or crashing article is rejected while the batch goes on."""

import os
import time
from pathlib import Path

import pytest

from wirecoder import batch
from wirecoder.batch import Failure, code_dask, code_local, code_one
from wirecoder.readers import Rejected, iter_inputs

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class FakePipeline:
    """Stands in for the real one: behaviour chosen by the article id."""

    def code(self, article):
        if article.doc_id == "boom":
            raise ValueError("broken article")
        if article.doc_id == "slow":
            time.sleep(5)
        if article.doc_id == "crash":
            os._exit(1)  # kills the worker process
        if article.doc_id == "spin":  # Python work, as coding is, not a sleep in C
            end = time.monotonic() + 5
            while time.monotonic() < end:
                pass
        return []


@pytest.fixture()
def fake(monkeypatch):
    monkeypatch.setattr(batch, "_pipeline", FakePipeline())  # forked workers inherit it


def _articles(*ids):
    from wirecoder.schema import Article

    return [Article(i, f"text of {i}") for i in ids]


def test_failures_are_isolated_in_process(fake):
    results = [r for _, r in code_local(_articles("a", "boom", "slow", "b"), workers=1, timeout=0.5)]
    assert results[0] == [] and results[3] == []
    assert results[1] == Failure("W109", "ValueError: broken article")
    assert results[2].code == "W110"


def test_a_crashing_article_does_not_stop_the_pool(fake):
    ids = ["a", "b", "crash", "c", "d", "e", "f", "g", "h", "i"]
    results = list(code_local(_articles(*ids), workers=2, chunk=2))
    assert [a.doc_id for a, _ in results] == ids
    outcome = {a.doc_id: r for a, r in results}
    assert outcome["crash"].code == "W111"
    assert all(outcome[i] == [] for i in ids if i != "crash")


def test_code_one_catches_everything(fake):
    assert code_one(_articles("boom")[0]).code == "W109"


def _examples():
    return [a for a in iter_inputs([str(EXAMPLES)]) if not isinstance(a, Rejected)]


def _dicts(results):
    return [(a.doc_id, [e.to_dict() for e in events]) for a, events in results]


@pytest.mark.model
def test_two_processes_equal_one():
    articles = _examples()
    assert _dicts(code_local(articles, workers=2, chunk=3)) == _dicts(code_local(articles, workers=1))


@pytest.mark.model
def test_local_dask_cluster_equals_single_process(tmp_path):
    from distributed import LocalCluster

    articles = _examples()
    expected = _dicts(code_local(articles, workers=1))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        # with the CLI's default time limit: Dask runs tasks in worker threads, where SIGALRM cannot be used
        got = _dicts(code_dask(articles, cluster.scheduler_address, out_dir=tmp_path / "parts", chunk=3,
                               timeout=120.0))
        direct = _dicts(code_dask(articles, cluster.scheduler_address, chunk=3, timeout=120.0))  # no parts
    assert direct == expected
    assert got == expected
    assert len(list((tmp_path / "parts").glob("part-*.parquet"))) == 4


def test_time_limit_holds_outside_the_main_thread(fake):
    """A Dask worker codes in a thread of its own: the time limit must still stop a runaway article there."""
    import threading

    out = []
    start = time.monotonic()
    worker = threading.Thread(target=lambda: out.append(code_one(_articles("spin")[0], timeout=0.5)))
    worker.start()
    worker.join()
    assert out[0] == Failure("W110", "coding took longer than 0.5 s")
    assert time.monotonic() - start < 3
    assert code_one(_articles("b")[0], timeout=0.5) == []  # and a quick one is unaffected


def test_loading_the_model_does_not_count_against_the_first_articles_time_limit(monkeypatch):
    from wirecoder import pipeline

    def slow_load(**kwargs):
        time.sleep(1.5)  # stands for the model load, longer than the article's limit
        return FakePipeline()

    monkeypatch.setattr(batch, "_pipeline", None)
    monkeypatch.setattr(pipeline.Pipeline, "default", staticmethod(slow_load))
    results = [r for _, r in code_local(_articles("a", "b"), workers=1, timeout=0.5)]
    assert results == [[], []]


class StuckPipeline(FakePipeline):
    def code(self, article):
        if article.doc_id == "stuck":  # blocks the alarm as a long call inside a C extension does
            import signal

            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(30)
        return []


def test_a_worker_stuck_where_its_time_limit_cannot_reach_is_stopped_by_the_parent(monkeypatch):
    monkeypatch.setattr(batch, "_pipeline", StuckPipeline())
    monkeypatch.setattr(batch, "WORKER_START_SECONDS", 1.5)
    start = time.monotonic()
    results = list(code_local(_articles("a", "stuck", "b", "c"), workers=2, chunk=1, timeout=0.5))
    outcome = {a.doc_id: r for a, r in results}
    assert outcome["stuck"].code == "W110" and "stopped" in outcome["stuck"].message
    assert [outcome[i] for i in "abc"] == [[], [], []]
    assert time.monotonic() - start < 20  # not the 30 s the stuck call would take, twice


def _children(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, or one reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def survivors(pids, seconds: float = 10) -> list[int]:
    """The processes still running after waiting up to `seconds` for all of them to end."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("command", [
    ["-c", "from wirecoder.batch import code_local; from wirecoder.schema import Article; import test_batch, "
           "wirecoder.batch as b; b._pipeline = test_batch.FakePipeline(); "
           "list(code_local([Article('slow', 'x')] * 40, workers=2, chunk=1))"],
    ["-m", "wirecoder.cli", "code", str(EXAMPLES), "--workers", "2", "--no-store", "--format", "jsonl"],
], ids=["pool", "cli"])
def test_kill_9_of_a_multi_worker_run_leaves_no_process(command, tmp_path):
    import signal
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    run = subprocess.Popen([sys.executable, *command], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(run.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) >= 2, "the workers did not start"
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert not survivors(workers), "workers outlived their parent"
    finally:
        run.kill()
        for w in _children(run.pid):
            os.kill(w, signal.SIGKILL)
