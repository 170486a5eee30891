"""Write the bundled 9.1.3 sample store (``python/a3s_session/data/sample_store``) with the
9.1.3 crate's own store: the 3.0.0 sample read by 9.1.3, a session using 9.x's fields, and an
older paused one. Run it when the sample should change; the files are committed.

    python scripts/make_sample_store.py
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from a3s_session import v9

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "python" / "a3s_session" / "data"
STORE = DATA / "sample_store"


def main() -> None:
    if STORE.exists():
        shutil.rmtree(STORE)
    store = v9.FileSessionStore(STORE)
    base = json.loads((DATA / "sample_session.json").read_text("utf-8"))

    # 1. The 3.0.0 sample, as today's crate reads and writes it, with a retained artifact.
    first = v9.SessionData.from_dict(base)
    snap = v9.SessionSnapshotV1.session_only(first)
    snap.retained_artifact_uris = ["artifact://sess-7f3c2a9e/parser-benchmark.txt"]
    store.save_snapshot(snap)

    # 2. Today's fields: tenant, principal, correlation, config and message-level 9.x fields.
    doc = dict(base, id="sess-v9", tenant_id="acme", principal="dev@acme.example")
    doc["correlation_id"] = "ticket-4711"
    doc["config"] = dict(
        base["config"],
        max_parallel_tasks=4,
        tool_presentation_profile={
            "schema": "a3s.code.tool-presentation-profile.v1",
            "mode": "direct",
        },
    )
    today = v9.SessionData.from_dict(doc)
    today.messages[0].transcript_visibility = "wire"
    store.save_snapshot(v9.SessionSnapshotV1.session_only(today))

    # 3. An older, paused session with a short conversation.
    older = v9.SessionData.from_dict(
        dict(base, id="sess-older", state="Paused", messages=base["messages"][:2],
             updated_at=base["updated_at"] - 86_400)
    )  # fmt: skip
    store.save_snapshot(v9.SessionSnapshotV1.session_only(older))

    for lock in STORE.rglob("*.lock"):
        lock.unlink()
    print(f"wrote {sorted(store.list())} to {STORE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
