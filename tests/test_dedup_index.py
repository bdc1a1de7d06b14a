"""The persistent dedup index: reopen, parameter checks, removal, kill -9 during an insert, Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT
from test_dedup_helpers import article, syndicated

from cleaner.dedup import Deduplicator, IndexParamsError, SQLiteIndex, open_index


def _recs(prefix: str, texts: list[str], date: str | None = "2024-01-01") -> list[dict]:
    return [
        {"id": f"{prefix}{i}", "source": f"{prefix}.example", "date": date, "text": t}
        for i, t in enumerate(texts)
    ]


def _clusters(dd: Deduplicator, records: list[dict]) -> dict[str, str]:
    return {r["id"]: r["dedup"]["cluster"] for r in dd.annotate(records)}


def test_new_batch_checked_against_index_after_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "idx.sqlite")
    first = _recs("a", [article(i) for i in range(5)])
    with Deduplicator(path) as dd:
        out = list(dd.run(first))
        assert all(r["dedup"]["is_canonical"] for r in out)
    second = _recs("b", [syndicated(article(i), "B") for i in (1, 3)] + [article(99)], date="2024-01-02")
    with Deduplicator(path) as dd:  # parameters come from the index
        assert len(dd.index) == 5
        out = {r["id"]: r["dedup"] for r in dd.run(second)}
        assert out["b0"]["cluster"] == "a1" and out["b0"]["canonical"] == "a1"
        assert out["b1"]["cluster"] == "a3" and out["b2"]["cluster"] == "b2"
        # Re-running a batch is idempotent: known ids with the same signature are left alone.
        list(dd.run(second))
        assert len(dd.index) == 8
        assert dd.index.query_text(article(3))[0][0] == "a3"


def test_parameter_mismatch_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "idx.sqlite")
    with Deduplicator(path, threshold=0.7, shingle=4):
        pass
    with pytest.raises(IndexParamsError, match=r"threshold: index has 0\.7, asked for 0\.8"):
        Deduplicator(path, threshold=0.8)
    with pytest.raises(IndexParamsError, match="shingle"):
        Deduplicator(path, shingle=5)
    with Deduplicator(path, threshold=0.7) as dd:
        assert (dd.params.threshold, dd.params.shingle, dd.params.bands, dd.params.rows) == (0.7, 4, 14, 9)


def test_removal_splits_clusters_and_forgets_documents(tmp_path: Path) -> None:
    with Deduplicator(str(tmp_path / "idx.sqlite")) as dd:
        recs = _recs("o", [article(1), article(2)]) + _recs(
            "c", [syndicated(article(1), "C")], date="2024-01-05"
        )
        recs += [
            {"id": "d0", "source": "d.example", "date": "2024-01-06", "text": syndicated(article(1), "D")}
        ]
        dd.add(recs)
        assert set(_clusters(dd, recs).values()) == {"o0", "o1"}
        assert dd.remove(["o0", "missing"]) == 1
        after = _clusters(dd, recs[1:])
        assert after["c0"] == after["d0"] == "c0"  # the copies stay together, named after the earliest left
        assert dd.index.query_text(article(1))[0][0] in {"c0", "d0"}
        assert dd.remove(["c0", "d0"]) == 2
        assert dd.index.query_text(article(1)) == [] and len(dd.index) == 1
        assert dd.copy_edges() == []


_WRITER = """
import sys
sys.path.insert(0, {tests!r})
from test_dedup_helpers import article
from cleaner.dedup import Deduplicator
with Deduplicator({path!r}, batch_size=100) as dd:
    for b in range(10_000):
        print("begin", b, flush=True)
        dd.add([{{"id": f"b{{b}}-{{i}}", "text": article(b * 100 + i, 6)}} for i in range(100)])
        print("done", b, flush=True)
"""


def test_kill_9_during_insert_leaves_a_usable_index(tmp_path: Path) -> None:
    path = str(tmp_path / "idx.sqlite")
    code = _WRITER.format(tests=str(ROOT / "tests"), path=path)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("begin") and int(line.split()[1]) >= 4:
                time.sleep(0.02)  # inside the batch: signing or writing
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    index = SQLiteIndex(path)
    try:
        assert index.integrity_check() == "ok"
        n = len(index)
        assert n >= 400 and n % 100 == 0  # whole batches only: a batch is one transaction
        assert index.query_text(article(100 + 7, 6))[0] == ("b1-7", 1.0)
        buckets = index.con.execute("SELECT COUNT(DISTINCT seq) FROM dedup_buckets").fetchone()[0]
        assert buckets == n
    finally:
        index.close()


# ----------------------------------------------------------------------------------------------- Redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (Debian package redis-server); Redis index test skipped")
    pytest.importorskip("redis", reason="the `redis` Python client is not installed")
    import redis

    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.025)
    else:
        proc.kill()
        pytest.skip("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(timeout=10)


def test_redis_index_persists_checks_params_and_removes(redis_url: str) -> None:
    url = redis_url + "?prefix=t1"
    first = _recs("a", [article(i) for i in range(4)])
    with Deduplicator(url) as dd:
        list(dd.run(first))
    with Deduplicator(url) as dd:
        out = {
            r["id"]: r["dedup"] for r in dd.run(_recs("b", [syndicated(article(2), "B")], date="2024-02-01"))
        }
        assert out["b0"]["cluster"] == "a2" and out["b0"]["canonical"] == "a2"
        assert dd.copy_edges() == [("a.example", "b.example", 1)]
        assert dd.remove(["a2"]) == 1
        assert _clusters(dd, _recs("b", ["x"]))["b0"] == "b0"
        assert len(dd.index) == 4
    with pytest.raises(IndexParamsError):
        open_index(url, {"num_perm": 64})


def test_redis_several_writers_share_one_index(redis_url: str) -> None:
    url = redis_url + "?prefix=t2"
    originals = _recs("w", [article(200 + i) for i in range(30)])
    copies = _recs("x", [syndicated(article(200 + i), "X") for i in range(30)], date="2024-01-02")
    errors: list[BaseException] = []

    def writer(records: list[dict]) -> None:
        try:
            with Deduplicator(url, batch_size=5) as dd:
                dd.add(records)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(r,)) for r in (originals, copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Deduplicator(url) as dd:
        clusters = _clusters(dd, originals + copies)
        assert all(clusters[f"x{i}"] == clusters[f"w{i}"] for i in range(30))
        assert len(set(clusters.values())) == 30


def test_sqlite_lookup_without_json_gives_the_same_candidates(tmp_path: Path) -> None:
    import numpy as np

    index = SQLiteIndex(tmp_path / "idx.sqlite")
    try:
        texts = [article(i) for i in range(20)] + [syndicated(article(3), "Z"), article(3)]
        from cleaner.dedup.index import NewDoc

        index.add(
            [NewDoc(f"n{i}", None, None, len(t)) for i, t in enumerate(texts[:20])],
            index.hasher.signatures(texts[:20]),
        )
        keys = index.keys(index.hasher.signatures(texts[20:])).ravel()
        with_json = index._lookup(keys)
        index._json = False
        without = index._lookup(keys)
        as_set = lambda r: set(zip(r[0].tolist(), r[1].tolist(), strict=True))  # noqa: E731
        assert as_set(with_json) == as_set(without) and len(with_json[0]) > 0
        assert set(np.unique(with_json[1]).tolist()) == {4}  # n3 is seq 4, found by both copies' keys
    finally:
        index.close()


def _open_and_close(path: str) -> str:
    try:
        SQLiteIndex(path).close()
        return "ok"
    except Exception as e:  # noqa: BLE001 - reported to the test
        return repr(e)


def test_workers_opening_one_new_index_together_all_get_it(tmp_path: Path) -> None:
    """Four processes open the same new SQLite index at once (datatrove's workers do): switching it to WAL must
    wait for the others, not fail with 'database is locked' (it did in about one round of five)."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(4) as pool:
        for k in range(30):
            path = str(tmp_path / f"index{k}.sqlite")
            assert pool.map(_open_and_close, [path] * 4) == ["ok"] * 4
