"""A seeded corpus of realistic session files for the scan: both layouts, text-heavy and
tool-call-dense sessions of mixed sizes, two stores (one nested), and a few broken files.

    python benchmarks/scan_corpus.py DIR --files 10000      # build (skipped if DIR is built)

Sizes are drawn from 2 KB to 2 MB, skewed small the way real stores are (median ~11 KB,
mean ~160 KB). Each file's session comes from a pool of workloads (`workloads.session_dict`)
at log-spaced sizes, with its own id, name, workspace, model, state, days and costs, written
exactly as each generation's crate writes it: pretty 3.0.0 `SessionData` in the legacy
layout, 9.1.3 `SessionSnapshotV1` envelopes in `v1/sessions/`.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads

MIN_SIZE, MAX_SIZE = 2_000, 2_000_000
MODELS = (
    ("anthropic", "claude-sonnet-4"),
    ("anthropic", "claude-opus-4"),
    ("openai", "gpt-5"),
    ("google", "gemini-3-pro"),
)
STATES = ("Active", "Paused", "Completed", "Error")
WORKSPACES = tuple(f"/work/project-{c}" for c in "abcdefgh")
BROKEN = (
    ("truncated.json", b'{"id": "cut", "config": {"name": "x", "work'),
    ("wrong-type.json", None),  # a valid session with created_at as text
    ("not-utf8.json", b'{"id": "\xff\xfe"}'),
    ("empty.json", b""),
    ("sealed.json", b"A3SE\x01\x00\x00\x00not really encrypted"),
    ("not-a-session.json", b'{"hello": "world"}\n'),
)
DONE_MARK = ".corpus-complete"


def _sizes(rng: random.Random, n: int) -> list[int]:
    return [int(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** (rng.random() ** 2)) for _ in range(n)]


def _pool(max_size: int, per_shape: int) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Workload dicts at log-spaced sizes per shape (text-heavy and tool-call-dense)."""
    pool: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for shape in ("text", "dense", "mix"):
        sizes = [
            int(MIN_SIZE * (max_size / MIN_SIZE) ** (k / max(per_shape - 1, 1)))
            for k in range(per_shape)
        ]
        pool[shape] = [
            (s, workloads.session_dict(s, seed=k, shape=shape)) for k, s in enumerate(sizes)
        ]
    return pool


def _vary(base: dict[str, Any], i: int, rng: random.Random, newer: bool) -> dict[str, Any]:
    d = copy.copy(base)
    d["config"] = dict(base["config"], name=f"task {i}", workspace=rng.choice(WORKSPACES))
    provider, model = rng.choice(MODELS)
    day = 1 + i % 30
    d["id"] = f"s{i:05d}"
    d["state"] = rng.choice(STATES)
    d["model_name"] = model
    d["llm_config"] = dict(base["llm_config"], provider=provider, model=model)
    d["created_at"] = 1761955200 + (day - 1) * 86400 + rng.randint(0, 40000)
    d["updated_at"] = d["created_at"] + rng.randint(60, 40000)
    d["total_cost"] = round(rng.random() * 20, 6)
    d["thinking_enabled"] = rng.random() < 0.3
    d["thinking_budget"] = rng.choice([None, 4096, 16384]) if d["thinking_enabled"] else None
    d["cost_records"] = [
        dict(
            r, model=model, provider=provider, timestamp=f"2025-11-{day:02d}" + r["timestamp"][10:]
        )
        for r in base["cost_records"]
    ]
    if i % 7 == 0:  # a screenshot from the user
        image = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}
        shot = {"role": "user", "content": [{"type": "image", "source": image}]}
        d["messages"] = [shot, *base["messages"]]
    if newer:
        d["tenant_id"] = f"tenant-{i % 5}"
        d["correlation_id"] = f"corr-{i}"
    return d


def build(
    root: Path, files: int, seed: int = 11, max_size: int = MAX_SIZE, per_shape: int = 40
) -> list[Path]:
    """Write the corpus under `root` (skipped when a complete one of the same spec is there);
    returns the session files written, broken ones included."""
    from a3s_session import v9
    from a3s_session.files import v1_file_name
    from a3s_session.v3 import SessionData

    spec = json.dumps({"files": files, "seed": seed, "max_size": max_size, "per_shape": per_shape})
    mark = root / DONE_MARK
    if mark.exists() and mark.read_text() == spec:
        return sorted(p for p in root.rglob("*.json"))
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = _pool(max_size, per_shape)
    sizes = _sizes(rng, files)
    written: list[Path] = []
    for i, size in enumerate(sizes):
        shape = ("text", "dense", "mix")[i % 3]
        bases = pool[shape]
        at = min(bisect.bisect_left([s for s, _ in bases], min(size, max_size)), len(bases) - 1)
        roll = rng.random()
        store = root / "team-b" if roll < 0.15 else root
        if roll < 0.62:  # today's store: a 9.1.3 snapshot envelope in v1/sessions
            d = _vary(bases[at][1], i, rng, newer=True)
            snapshot = v9.SessionSnapshotV1.session_only(v9.SessionData.from_dict(d))
            path = store / "v1" / "sessions" / v1_file_name(d["id"])
            data = snapshot.to_json(pretty=True)
        elif roll < 0.64:  # a bare 9.1.3 document in the legacy layout
            d = _vary(bases[at][1], i, rng, newer=True)
            path = store / f"{d['id']}.json"
            data = v9.SessionData.from_dict(d).to_json(pretty=True)
        else:  # the 3.0.0 store
            d = _vary(bases[at][1], i, rng, newer=False)
            path = store / f"{d['id']}.json"
            data = SessionData.from_dict(d).to_json(pretty=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8")
        written.append(path)
    for name, content in BROKEN:
        if content is None:
            d = _vary(pool["text"][0][1], 999_999, rng, newer=False)
            text = SessionData.from_dict(d).to_json(pretty=True)
            content = text.replace(
                f'"created_at": {d["created_at"]}', '"created_at": "yesterday"'
            ).encode()
        (root / name).write_bytes(content)
        written.append(root / name)
    mark.write_text(spec)
    return sorted(written)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dir", type=Path)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    paths = build(args.dir, args.files, args.seed)
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {total / 1e6:.1f} MB in {args.dir}")


if __name__ == "__main__":
    main()
