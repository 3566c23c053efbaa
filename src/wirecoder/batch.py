"""Coding many articles: a local process pool or a Dask cluster, streaming, in input order.

Every engine yields `(article, events)` or `(article, Failure)` in the order the articles came in, so
the store (and its deduplication) sees the same sequence whatever the engine. Workers load the
pipeline once. An article that raises, runs past the time limit or kills its worker becomes a
`Failure`; the batch goes on. Design notes: docs/scale.md.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from .schema import Article, Event

CHUNK_ARTICLES = 8        # articles per task: large enough to amortise IPC, small enough to stream
IN_FLIGHT_PER_WORKER = 2  # tasks queued per worker: keeps workers busy with bounded memory
# A worker loads the model before its first task (5-20 s on a busy 2-core machine): the parent allows this
# much on top of the articles' time limits before it stops a worker that does not answer.
WORKER_START_SECONDS = 90
PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that the process that started it is alive


@dataclass(frozen=True)
class Failure:
    code: str      # W109 error while coding, W110 time limit, W111 worker crashed
    message: str


Result = tuple[Article, "list[Event] | Failure"]

_pipeline = None  # one per worker process
_dictionaries: str | None = None  # set before workers start: code with PETRARCH dictionaries from this folder
# (rules|learned|hybrid, model folder or None for the shipped one, parse with spaCy's stock pipeline)
_coder: tuple[str, str | None, bool] = ("hybrid", None, False)


class _DictionaryCoder:
    """A PETRARCH-dictionary coder with the pipeline's `code(article)` interface."""

    def __init__(self, folder: str) -> None:
        from .petrarch import PACKAGED, PetrarchCoder, load_dictionaries, load_packaged

        packaged = folder in PACKAGED and not Path(folder).is_dir()
        self.coder = PetrarchCoder(load_packaged(folder) if packaged else load_dictionaries(Path(folder)))

    def code(self, article: Article) -> list[Event]:
        return self.coder.code_article(article)


def use_dictionaries(folder: str | None) -> None:
    """Code with the PETRARCH-format dictionaries in `folder` instead of wirecoder's own rules."""
    global _dictionaries, _pipeline
    _dictionaries, _pipeline = folder, None


def use_coder(coder: str, model: str | None = None, full_parse: bool = False) -> None:
    """Code with wirecoder's rules, learned model or both (see docs/model-card.md); `full_parse` parses with
    spaCy's pipeline as it ships (`Pipeline.default`)."""
    global _coder, _dictionaries, _pipeline
    if (coder, model, full_parse) != _coder or _dictionaries is not None:
        _coder, _dictionaries, _pipeline = (coder, model, full_parse), None, None


def _die_with_parent() -> None:
    """End this worker when its parent ends, even by kill -9: Linux sends SIGKILL when the parent dies
    (PR_SET_PDEATHSIG); elsewhere, and as a backstop, a thread checks the parent's pid every second."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="wirecoder-parent-watch", daemon=True).start()


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def limited_worker(memory_bytes: int | None) -> None:
    """Initializer of a coding process started outside `code_local` (the API's): it dies with its parent and,
    with `memory_bytes`, cannot map more address space than that (RLIMIT_AS: a MemoryError, not the OOM killer)."""
    _die_with_parent()
    if memory_bytes is not None:
        import resource  # POSIX only

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _worker_start() -> None:
    """A pool worker's initializer: tie its life to the parent's, then load the pipeline."""
    _die_with_parent()
    _worker_pipeline()


def _worker_pipeline():
    global _pipeline
    if _pipeline is None:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        # a Dask worker has loaded NumPy before any task runs, so the variable above comes too late there:
        # cap BLAS at one thread per process at run time (more only oversubscribe the cores)
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
        if _dictionaries is not None:
            _pipeline = _DictionaryCoder(_dictionaries)
        else:
            from .pipeline import Pipeline

            _pipeline = Pipeline.default(coder=_coder[0], model=_coder[1], full_parse=_coder[2])
    return _pipeline


class _TimeLimit(Exception):
    pass


@contextmanager
def _time_limit(seconds: float | None):
    """Raise _TimeLimit in this thread after `seconds`: by SIGALRM in a main thread, otherwise (a Dask worker
    runs tasks in its own threads) by an exception set asynchronously on the thread, which Python raises at
    the next bytecode it runs."""
    if not seconds:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        with _thread_time_limit(seconds):
            yield
        return

    def expire(signum, frame):
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _thread_time_limit(seconds: float):
    target = threading.get_ident()
    lock = threading.Lock()
    done = False

    def expire() -> None:
        with lock:
            if not done:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_TimeLimit))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            done = True
        timer.cancel()


def code_one(article: Article, timeout: float | None = None) -> list[Event] | Failure:
    """Code one article in this process, turning any failure into a `Failure`."""
    try:
        pipeline = _worker_pipeline()  # loading the model is not the article's time
        with _time_limit(timeout):
            return pipeline.code(article)
    except _TimeLimit:
        return Failure("W110", f"coding took longer than {timeout:g} s")
    except MemoryError:
        return Failure("W109", "out of memory while coding")
    except Exception as exc:  # a bug in one article's coding must not stop the batch
        return Failure("W109", f"{type(exc).__name__}: {exc}")


def code_chunk(articles: list[Article], timeout: float | None = None) -> list[list[Event] | Failure]:
    return [code_one(a, timeout) for a in articles]


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(articles)
    while chunk := list(islice(it, size)):
        yield chunk


def code_local(articles: Iterable[Article], *, workers: int = 1, timeout: float | None = None,
               chunk: int = CHUNK_ARTICLES) -> Iterator[Result]:
    """Code with `workers` processes (1: in this process), streaming results in input order."""
    if workers <= 1:
        for article in articles:
            yield article, code_one(article, timeout)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start)
    pending: deque[tuple[list[Article], Future]] = deque()
    source = _chunks(articles, chunk)
    try:
        for batch in source:
            pending.append((batch, pool.submit(code_chunk, batch, timeout)))
            while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                batch_done, future = pending.popleft()
                results, pool = _collect(batch_done, future, pool, workers, timeout, pending)
                yield from zip(batch_done, results, strict=True)
        while pending:
            batch_done, future = pending.popleft()
            results, pool = _collect(batch_done, future, pool, workers, timeout, pending)
            yield from zip(batch_done, results, strict=True)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _collect(batch: list[Article], future: Future, pool: ProcessPoolExecutor, workers: int,
             timeout: float | None, pending: deque) -> tuple[list, ProcessPoolExecutor]:
    """The chunk's results; when a worker died, retry its articles one by one in a fresh pool and
    resubmit the other queued chunks, so only the article that kills a worker is lost."""
    try:
        return future.result(timeout=_deadline(len(batch), timeout)), pool
    except BrokenProcessPool:
        pass
    except TimeoutError:  # a worker stuck where its own time limit cannot reach (inside a C extension)
        _stop(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    results = []
    for article in batch:
        single = ProcessPoolExecutor(max_workers=1, initializer=_worker_start)
        try:
            results.append(single.submit(code_one, article, timeout).result(timeout=_deadline(1, timeout)))
        except BrokenProcessPool:
            results.append(Failure("W111", "the worker coding this article crashed"))
        except TimeoutError:
            _stop(single)
            results.append(Failure("W110", f"coding took longer than {timeout:g} s; the worker was stopped"))
        finally:
            single.shutdown(wait=False, cancel_futures=True)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start)
    for idx, (other, _) in enumerate(pending):
        pending[idx] = (other, pool.submit(code_chunk, other, timeout))
    return results, pool


def _deadline(n_articles: int, timeout: float | None) -> float | None:
    """How long the parent waits for a task of `n_articles` before it stops the worker: the articles' own time
    limits plus the worker's start-up. The worker's limit ends a slow article first; this one ends a stuck one."""
    return None if not timeout else n_articles * timeout + WORKER_START_SECONDS


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's workers: the executor has no public way to end a task that runs."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


# --- Dask --------------------------------------------------------------------------------------

def dask_code_chunk(articles: list[Article], out_dir: str | None, part: int, timeout: float | None = None,
                    coder: tuple[str, str | None, bool] = ("hybrid", None, False)) -> str | list:
    """Run on a Dask worker: code a chunk. With `out_dir`, write it as one Parquet part and return the part's
    path; without, return the results themselves (Dask sends them back), which costs the worker and the client
    nothing beyond coding."""
    import json

    use_coder(*coder)
    results = code_chunk(articles, timeout)
    if out_dir is None:
        return results

    import duckdb

    rows = []
    for seq, (article, result) in enumerate(zip(articles, results, strict=True)):
        if isinstance(result, Failure):
            events, error = None, json.dumps({"code": result.code, "message": result.message})
        else:
            events, error = json.dumps([e.to_dict() for e in result]), None
        rows.append((part, seq, json.dumps(article.to_dict()), events, error))
    path = Path(out_dir) / f"part-{part:06d}.parquet"
    tmp = path.with_suffix(".tmp")
    con = duckdb.connect()
    con.execute("CREATE TABLE part (part INTEGER, seq INTEGER, article JSON, events JSON, error JSON)")
    # one statement for the whole chunk: executemany costs milliseconds a row
    con.execute("INSERT INTO part VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * len(rows)), [v for r in rows for v in r])
    con.execute(f"COPY part TO '{tmp}' (FORMAT PARQUET)")
    con.close()
    os.replace(tmp, path)  # a part is complete or absent
    return str(path)


def read_part(path: str) -> Iterator[Result]:
    import json

    import duckdb

    from .store import event_from_record

    con = duckdb.connect()
    rows = con.execute("SELECT article, events, error FROM read_parquet(?) ORDER BY seq", [path]).fetchall()
    con.close()
    for article, events, error in rows:
        art = Article.from_dict(json.loads(article))
        if error is not None:
            err = json.loads(error)
            yield art, Failure(err["code"], err["message"])
        else:
            yield art, [event_from_record(r) for r in json.loads(events)]


def code_dask(articles: Iterable[Article], scheduler: str, *, out_dir: str | Path | None = None,
              timeout: float | None = None, chunk: int = CHUNK_ARTICLES, in_flight: int = 8) -> Iterator[Result]:
    """Code on a Dask cluster, yielding results in input order for loading into the store. With `out_dir`,
    workers also write each chunk as a Parquet part there, which is kept and read back."""
    try:
        from distributed import Client
    except ImportError as exc:
        from .errors import WirecoderError

        raise WirecoderError("the Dask engine needs the 'distributed' package",
                             hint="pip install 'wirecoder[dask]'") from exc
    directory = None
    if out_dir is not None:
        directory = Path(out_dir)
        directory.mkdir(parents=True, exist_ok=True)
    client = Client(scheduler)
    pending: deque = deque()

    def collect() -> Iterator[Result]:
        batch, future = pending.popleft()
        result = future.result()
        if isinstance(result, str):
            yield from read_part(result)
        else:
            yield from zip(batch, result, strict=True)

    try:
        for part, batch in enumerate(_chunks(articles, chunk)):
            where = None if directory is None else str(directory)
            pending.append((batch, client.submit(dask_code_chunk, batch, where, part, timeout, _coder, pure=False)))
            while len(pending) >= in_flight:
                yield from collect()
        while pending:
            yield from collect()
    finally:
        client.close()
