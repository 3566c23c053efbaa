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
