#!/usr/bin/env python3
"""Near-duplicate detection benchmark: quality, text→signature throughput, index cost at 10k and 100k docs.

One run, ratios and rates:
  * quality on the syndication benchmark (tools/make_syndication.py, built in memory): pair precision and
    recall (pairs of records put in one cluster vs pairs of one story), cluster purity, seed and hard-negative
    merges, at several Jaccard thresholds (the default is marked);
  * text → signature, docs per CPU-second (one core; tokenising and shingling included): ours vs a plain
    datasketch loop (MinHash() + update per shingle, default SHA-1) and vs rensa's RMinHash, both fed by the
    same plain-Python shingling (regex tokens, joined 5-grams);
  * the SQLite index (rates per CPU-second of the process, which includes SQLite's work) at 10k and 100k
    documents synthesised from the real texts (words randomly replaced so most documents are distinct, plus a
    share of syndicated copies): insert and query rates, size on disk and per document, peak memory (each
    scale in its own process), and the growth from 10k to 100k.

Usage: python bench/dedup.py [--quick] [--json results.json]     (--quick: 10k only, smaller baselines) Texts
are read from ../shared; scratch files go to a temporary directory, never into the repository.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
NEWS = ROOT.parent / "shared" / "data" / "news" / "docs.jsonl"

from cleaner.dedup import Deduplicator, MinHasher  # noqa: E402
from cleaner.dedup.index import DedupIndex, IndexParams, NewDoc, SQLiteIndex  # noqa: E402
from cleaner.dedup.minhash import fold  # noqa: E402

THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


# ----------------------------------------------------------------------------------------------- quality


def pair_scores(records: Sequence[dict], clusters: Sequence[str]) -> dict[str, float]:
    """Pair precision/recall of predicted clusters against `truth`, purity, and hard-negative merges.

    Pairs between two stories marked `related` (an updated story, 0.5 <= Jaccard < 0.9 in the corpus itself)
    are ambiguous and counted neither way.
    """
    truth = [r["truth"] for r in records]
    ids = [r["id"] for r in records]
    index = {rid: i for i, rid in enumerate(ids)}
    ambiguous = {
        frozenset((truth[i], truth[index[o]]))
        for i, r in enumerate(records)
        for o in r.get("related", [])
        if o in index
    }

    def pairs(labels: Sequence[str]) -> set[tuple[int, int]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, lab in enumerate(labels):
            groups[lab].append(i)
        return {p for g in groups.values() if len(g) > 1 for p in itertools.combinations(g, 2)}

    true_pairs = pairs(truth)
    pred = {
        p
        for p in pairs(clusters)
        if truth[p[0]] == truth[p[1]] or frozenset((truth[p[0]], truth[p[1]])) not in ambiguous
    }
    tp = len(pred & true_pairs)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(clusters):
        groups[c].append(i)
    multi = [g for g in groups.values() if len(g) > 1]
    in_multi = sum(len(g) for g in multi)
    purity = (
        sum(Counter(truth[i] for i in g).most_common(1)[0][1] for g in multi) / in_multi if in_multi else 1.0
    )
    cluster_of = dict(zip(ids, clusters, strict=True))
    seeds = [i for i, r in enumerate(records) if r["kind"] == "seed"]
    seed_false = sum(1 for i in seeds if len(groups[clusters[i]]) > 1)
    neighbours = [(r["id"], r["neighbour"]) for r in records if r.get("neighbour") in index]
    neighbour_merged = sum(
        1
        for a, b in neighbours
        if cluster_of[a] == cluster_of[b] and records[index[a]]["truth"] != records[index[b]]["truth"]
    )
    overlap_merged = sum(
        1 for i, r in enumerate(records) if r["kind"] == "overlap" and len(groups[clusters[i]]) > 1
    )
    return {
        "precision": tp / len(pred) if pred else 1.0,
        "recall": tp / len(true_pairs) if true_pairs else 1.0,
        "purity": purity,
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(pred),
        "false_pairs": len(pred) - tp,
        "missed_pairs": len(true_pairs) - tp,
        "seed_false_clusters": seed_false,
        "neighbour_pairs": len(neighbours),
        "neighbour_merged": neighbour_merged,
        "overlap_negatives_merged": overlap_merged,
        "ambiguous_story_pairs": len(ambiguous),
    }


def quality(tmp: Path) -> dict:
    import make_syndication

    records = make_syndication.build(make_syndication.DOCS, make_syndication.SEEDS, 600, 13)
    out = {"records": len(records), "kinds": dict(Counter(r["kind"] for r in records)), "by_threshold": {}}
    for t in THRESHOLDS:
        path = tmp / f"quality-{t}.sqlite"
        with Deduplicator(str(path), threshold=t, batch_size=1000) as dd:
            list(dd.run(records))  # streamed batch by batch, as the CLI does
            final = [r["dedup"]["cluster"] for r in dd.annotate(records)]
            edges = dd.copy_edges()
        scores = pair_scores(records, final)
        scores["copy_edges_top"] = edges[:3]
        out["by_threshold"][str(t)] = scores
    return out


# ----------------------------------------------------------------------------------------------- throughput

_WORD = re.compile(r"[^\W_]+")


def python_shingles(text: str, k: int = 5) -> list[str]:
    """What a plain-Python pipeline does: fold, regex tokens, joined k-grams."""
    toks = _WORD.findall(fold(text))
    return [" ".join(toks[i : i + k]) for i in range(max(1, len(toks) - k + 1))] if toks else []


def _cpu_rate(fn, n_docs: int, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return n_docs / best


def throughput(texts: list[str], quick: bool) -> dict:
    from datasketch import MinHash

    hasher = MinHasher()
    n_ds = 150 if quick else 400
    n_rensa = 2000 if quick else 5000
    res = {"ours_docs_per_s": _cpu_rate(lambda: hasher.signatures(texts), len(texts), repeat=3)}

    def ds_loop() -> None:
        for t in texts[:n_ds]:
            m = MinHash(num_perm=128)
            for sh in python_shingles(t):
                m.update(sh.encode("utf-8"))

    res["datasketch_loop_docs_per_s"] = _cpu_rate(ds_loop, n_ds)
    res["python_shingling_docs_per_s"] = _cpu_rate(
        lambda: [python_shingles(t) for t in texts[:n_rensa]], n_rensa, 2
    )
    try:
        from rensa import RMinHash

        def rensa_loop() -> None:
            for t in texts[:n_rensa]:
                m = RMinHash(num_perm=128, seed=1)
                m.update(python_shingles(t))
                m.digest()

        res["rensa_with_python_shingling_docs_per_s"] = _cpu_rate(rensa_loop, n_rensa, 2)
    except ImportError:
        res["rensa_with_python_shingling_docs_per_s"] = None
    res["speedup_vs_datasketch_loop"] = res["ours_docs_per_s"] / res["datasketch_loop_docs_per_s"]
    if res["rensa_with_python_shingling_docs_per_s"]:
        res["ratio_vs_rensa_end_to_end"] = (
            res["ours_docs_per_s"] / res["rensa_with_python_shingling_docs_per_s"]
        )
    return res


# ----------------------------------------------------------------------------------------------- scale


def synth_batches(n: int, batch: int, seed: int = 0):
    """`n` documents made from the real texts: each word replaced with probability 0.3 by a random
    corpus word (so variants of one text are distinct documents); one in ten a light copy of an earlier
    one.
    """
    docs = [json.loads(line)["text"] for line in NEWS.open(encoding="utf-8")]
    words = [np.array(t.split(" "), dtype=object) for t in docs]
    vocab = np.concatenate(words)
    rng = np.random.default_rng(seed)
    made: list[str] = []
    for start in range(0, n, batch):
        out = []
        for i in range(start, min(n, start + batch)):
            if i >= 10 and i % 10 == 0:
                pool = made or out  # recent documents: copies appear within days of their original
                src = pool[int(rng.integers(0, len(pool)))]
                out.append("Advertisement\n" + src + "\nThis story first appeared on elsewhere.example.")
            else:
                w = words[i % len(words)].copy()
                mask = rng.random(len(w)) < 0.3
                w[mask] = vocab[rng.integers(0, len(vocab), int(mask.sum()))]
                out.append(" ".join(w))
        made = (made + out)[-5000:]
        yield out


def _fill(index: DedupIndex, n: int) -> dict:
    """Sign and index n synthetic documents in batches of 2000, then run 1000 single queries.

    Rates per CPU-second of this process (the 2 cores are shared, so wall time is noisy; SQLite works inside
    the process, a Redis server does not: for Redis read the wall rates).
    """
    hasher = index.hasher
    t_sig = t_ins = w_ins = 0.0
    sample: list[str] = []
    for b, texts in enumerate(synth_batches(n, 2000)):
        c0 = time.process_time()
        sigs = hasher.signatures(texts)
        c1, w1 = time.process_time(), time.perf_counter()
        index.add([NewDoc(f"d{b}-{i}", "s", None, len(t)) for i, t in enumerate(texts)], sigs)
        t_ins += time.process_time() - c1
        w_ins += time.perf_counter() - w1
        t_sig += c1 - c0
        if len(sample) < 1000:
            sample.extend(texts[:100])
    qsigs = hasher.signatures(sample[:1000])
    c0, w0 = time.process_time(), time.perf_counter()
    hits = sum(len(index.query(s)) for s in qsigs)
    t_q, w_q = time.process_time() - c0, time.perf_counter() - w0
    return {
        "docs": n,
        "indexed": len(index),
        "multi_clusters": sum(1 for _ in index.clusters()),
        "sign_docs_per_s": n / t_sig,
        "insert_docs_per_s": n / t_ins,
        "insert_docs_per_wall_s": n / w_ins,
        "query_per_s": len(qsigs) / t_q,
        "query_per_wall_s": len(qsigs) / w_q,
        "query_hits": hits,
    }


def scale_run(n: int, tmpdir: str) -> dict:
    """Index n synthetic documents into a fresh SQLite file (in a child process: its own peak memory)."""
    path = Path(tmpdir) / f"scale-{n}.sqlite"
    index = SQLiteIndex(path, IndexParams())
    res = _fill(index, n)
    index.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index.close()
    size = sum(p.stat().st_size for p in Path(tmpdir).glob(f"scale-{n}.sqlite*"))
    res.update(
        disk_bytes=size,
        bytes_per_doc=size / n,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    return res


def redis_run(n: int, tmp: Path) -> dict | None:
    """The same load on a Redis index: a private redis-server on a free loopback port, stopped afterwards."""
    binary = shutil.which("redis-server")
    try:
        import redis
    except ImportError:
        return None
    if binary is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
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
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.025)
        from cleaner.dedup.redis_index import RedisIndex

        index = RedisIndex(f"redis://127.0.0.1:{port}/0?prefix=bench", IndexParams())
        res = _fill(index, n)
        used = int(client.info("memory")["used_memory"])
        res.update(server_memory_bytes=used, server_bytes_per_doc=used / n)
        index.close()
        client.close()
        return res
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def scale(sizes: Sequence[int], tmp: Path) -> dict:
    out = {}
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--scale-child", str(n), "--tmp", str(tmp)],
            capture_output=True,
            text=True,
            check=True,
        )
        out[str(n)] = json.loads(proc.stdout.strip().splitlines()[-1])
    if len(sizes) > 1:
        a, b = out[str(sizes[0])], out[str(sizes[-1])]
        f = sizes[-1] / sizes[0]
        out["growth"] = {
            "docs_x": f,
            "insert_time_x": (b["docs"] / b["insert_docs_per_s"]) / (a["docs"] / a["insert_docs_per_s"]),
            "query_rate_ratio": b["query_per_s"] / a["query_per_s"],
            "disk_x": b["disk_bytes"] / a["disk_bytes"],
            "peak_rss_x": b["peak_rss_mb"] / a["peak_rss_mb"],
        }
    return out


# ----------------------------------------------------------------------------------------------- main


def _table(res: dict) -> str:
    q = res["quality"]
    lines = [
        f"quality (syndication benchmark: {q['records']} records {q['kinds']})",
        f"{'threshold':>9} {'precision':>9} {'recall':>7} {'purity':>7} {'false':>6} {'missed':>6} "
        f"{'seeds':>5} {'nbr':>4} {'ovl':>4}",
    ]
    for t, s in res["quality"]["by_threshold"].items():
        mark = " *" if float(t) == IndexParams().threshold else ""
        lines.append(
            f"{t:>9} {s['precision']:>9.4f} {s['recall']:>7.4f} {s['purity']:>7.4f} {s['false_pairs']:>6} "
            f"{s['missed_pairs']:>6} {s['seed_false_clusters']:>5} {s['neighbour_merged']:>4} "
            f"{s['overlap_negatives_merged']:>4}{mark}"
        )
    tp = res["throughput"]
    lines += ["", "text -> signature, docs per CPU-second (one core)"]
    for k in (
        "ours_docs_per_s",
        "datasketch_loop_docs_per_s",
        "rensa_with_python_shingling_docs_per_s",
        "python_shingling_docs_per_s",
    ):
        if tp.get(k):
            lines.append(f"  {k:<42} {tp[k]:>10,.0f}")
    lines.append(
        f"  speedup vs datasketch loop {tp['speedup_vs_datasketch_loop']:.1f}x; "
        f"vs rensa end-to-end {tp.get('ratio_vs_rensa_end_to_end', float('nan')):.2f}x"
    )
    lines += [
        "",
        f"{'docs':>7} {'sign/s':>8} {'insert/s':>9} {'query/s':>8} {'MB disk':>8} "
        f"{'B/doc':>6} {'peak MB':>8}",
    ]
    for n, s in res["scale"].items():
        if n == "growth":
            continue
        lines.append(
            f"{s['docs']:>7} {s['sign_docs_per_s']:>8,.0f} {s['insert_docs_per_s']:>9,.0f} "
            f"{s['query_per_s']:>8,.0f} {s['disk_bytes'] / 1e6:>8.1f} {s['bytes_per_doc']:>6.0f} "
            f"{s['peak_rss_mb']:>8.0f}"
        )
    if "growth" in res["scale"]:
        g = res["scale"]["growth"]
        lines.append(
            f"growth 10k->100k: docs x{g['docs_x']:.0f}, insert time x{g['insert_time_x']:.1f}, "
            f"disk x{g['disk_x']:.1f}, query rate ratio {g['query_rate_ratio']:.2f}, "
            f"peak memory x{g['peak_rss_x']:.2f}"
        )
    r = res.get("redis_10k")
    if r:
        lines.append(
            f"redis 10k (wall, client+server): insert {r['insert_docs_per_wall_s']:,.0f}/s, "
            f"query {r['query_per_wall_s']:,.0f}/s, server memory {r['server_memory_bytes'] / 1e6:.0f} MB "
            f"({r['server_bytes_per_doc']:.0f} B/doc)"
        )
    else:
        lines.append("redis: skipped (redis-server binary or the redis Python client is missing)")
    lines.append(f"bench run time {res['run_seconds']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k documents only, smaller baselines")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.scale_child:
        print(json.dumps(scale_run(args.scale_child, args.tmp)))
        return 0
    if not NEWS.exists():
        print(
            f"bench/dedup.py: {NEWS} not found (../shared data is absent); nothing to measure",
            file=sys.stderr,
        )
        return 2
    t0 = time.perf_counter()
    texts = [json.loads(line)["text"] for line in NEWS.open(encoding="utf-8")]
    texts = [t.replace("'", "\u2019") if i % 2 else t for i, t in enumerate((texts * 5)[:10000])]
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
        res = {
            "params": IndexParams().to_dict(),
            "cpu_count": os.cpu_count(),
            "quick": args.quick,
            "quality": quality(Path(tmp)),
            "throughput": throughput(texts, args.quick),
            "scale": scale((10_000,) if args.quick else (10_000, 100_000), Path(tmp)),
            "redis_10k": redis_run(10_000, Path(tmp)),
        }
    res["run_seconds"] = time.perf_counter() - t0
    print(_table(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
