"""Threads on one object, on many objects, and with big parses running detached.

Each scenario runs in its own interpreter with a watchdog: worker threads are joined with a
timeout, and a thread still alive then is a deadlock (the subprocess dumps every thread's
stack and exits non-zero; a hang of the whole process is caught by the subprocess timeout).
Every ``to_json()`` output written during a scenario must load with ``json.loads`` and with
``SessionData.from_json``. Run with ``-s`` to see the per-scenario counts.

Each scenario runs 8 worker threads; ``A3S_TEST_THREADS=64`` (the free-threaded CI job's
stress mode) runs that many instead, in the same proportions.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import run_python_json

REPO = Path(__file__).resolve().parent.parent
WORKLOADS = REPO / "benchmarks" / "workloads.py"

# Shared by every scenario: a thread runner with a watchdog, and the output checks.
_PRELUDE = r'''
import copy, faulthandler, importlib.util, json, os, pickle, random, sys, threading, time
from collections import Counter
import a3s_session as a3s
from a3s_session import v3
from a3s_session import SessionFormatError
from a3s_session.v3 import SessionData

SAMPLE = open("python/a3s_session/data/sample_session.json", encoding="utf-8").read()
# Switch threads every 10 us instead of 5 ms: far more interleavings per second.
sys.setswitchinterval(1e-5)
# Worker threads per scenario (8 unless A3S_TEST_THREADS says), and a share of them.
W = max(2, int(os.environ.get("A3S_TEST_THREADS", "8")))


def share(eighths):
    return max(1, eighths * W // 8)


ERRORS = Counter()
OPS = Counter()
PROBLEMS = []
LOCK = threading.Lock()


def workloads():
    spec = importlib.util.spec_from_file_location("workloads", "benchmarks/workloads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_output(text, cls=SessionData):
    """Every to_json output is JSON and parses back with the crate's serde."""
    json.loads(text)
    cls.from_json(text)


def count(op):
    with LOCK:
        OPS[op] += 1


def expect(fn, *allowed):
    """Run fn; an allowed exception is counted, anything else recorded as a problem."""
    try:
        return fn()
    except allowed as e:
        with LOCK:
            ERRORS[type(e).__name__] += 1
    except BaseException as e:  # PanicException is a BaseException
        with LOCK:
            PROBLEMS.append(f"{type(e).__module__}.{type(e).__name__}: {e}"[:300])
    return None


def run_threads(targets, seconds):
    """Start the targets, each looping until the deadline; fail on a thread still alive."""
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=t, args=(deadline, n), daemon=True, name=f"w{n}")
               for n, t in enumerate(targets)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()) + 30)
    alive = [t.name for t in threads if t.is_alive()]
    if alive:
        faulthandler.dump_traceback(all_threads=True)
        print(json.dumps({"hung": alive}), flush=True)
        sys.stdout.flush()
        import os
        os._exit(3)
    return time.monotonic() - start


def report(threads, elapsed, **extra):
    print(json.dumps({"threads": threads, "seconds": round(elapsed, 2), "ops": dict(OPS),
                      "errors": dict(ERRORS), "problems": PROBLEMS[:20], **extra}), flush=True)
'''


def run_scenario(code: str, timeout: float = 120, *, with_mutator: bool = False) -> Any:
    script = _PRELUDE + (_MUTATOR if with_mutator else "") + textwrap.dedent(code)
    result = run_python_json(script, timeout=timeout, what="scenario", faulthandler=True)
    print(f"\n{json.dumps(result)}")
    assert not result["problems"], result["problems"]
    return result


# ---------------------------------------------------------------------------------------------
# The worker every mutating scenario uses: reads, edits and serializes one session
# ---------------------------------------------------------------------------------------------
_MUTATOR = r"""
NEW_MESSAGE = {"role": "user", "content": [
    {"type": "text", "text": "hello"},
    {"type": "tool_use", "id": "t", "name": "grep", "input": {"q": [1, 2, {"x": None}]}}]}


def mutate_once(s, rng):
    op = rng.randrange(16)
    if op == 0:
        s.messages.append(NEW_MESSAGE)
        count("append")
    elif op == 1:
        expect(lambda: s.messages.pop(rng.randrange(-3, 3)), IndexError)
        count("pop")
    elif op == 2:
        s.total_cost = rng.random()
        s.model_name = rng.choice([None, "m1", "m2"])
        s.thinking_budget = rng.choice([None, 1, 2**64 - 1])
        count("set_scalars")
    elif op == 3:
        blocks = [b for m in list(s.messages)[:20] for b in m.content
                  if isinstance(b, v3.ToolUseBlock)]
        if blocks:
            block = rng.choice(blocks)
            block.input = {"edited": rng.random(), "list": list(range(rng.randrange(5)))}
            value = block.input
            if isinstance(value, dict):
                value["k%d" % rng.randrange(4)] = [rng.random()]
                value.pop("k%d" % rng.randrange(4), None)
        count("edit_input")
    elif op == 4:
        s.config.name = "n%d" % rng.randrange(100)
        s.config.auto_compact_threshold = rng.random()
        s.context_usage.turns = rng.randrange(10**6)
        s.total_usage.prompt_tokens = rng.randrange(10**9)
        count("set_nested")
    elif op == 5:
        s.tool_names.append("tool%d" % rng.randrange(10))
        expect(lambda: s.tool_names.pop(0), IndexError)
        count("tool_names")
    elif op == 6:
        msgs = list(s.messages)
        if msgs:
            m = rng.choice(msgs)
            m.content.append({"type": "text", "text": "more"})
            expect(lambda: m.content.pop(0), IndexError)
            m.role = rng.choice(["user", "assistant"])
        count("edit_message")
    elif op in (7, 8, 9):
        text = s.to_json(pretty=rng.random() < 0.3)
        check_output(text)
        count("to_json")
    elif op == 10:
        raw = s.to_json_bytes()
        check_output(raw)
        count("to_json_bytes")
    elif op == 11:
        c = copy.copy(s) if rng.random() < 0.5 else pickle.loads(pickle.dumps(s))
        check_output(c.to_json())
        count("copy")
    elif op == 12:
        assert isinstance(s.to_dict(), dict)
        count("to_dict")
    elif op == 13:
        repr(s)
        len(s.messages)
        for m in list(s.messages)[:5]:
            for b in m.content:
                repr(b)
        count("read")
    elif op == 14:
        s.messages = list(s.messages)[: rng.randrange(1, 40)]
        count("replace_list")
    else:
        s.llm_config = rng.choice([None, {"provider": "p", "model": "m"}])
        s.tasks = [{"id": "1", "content": "c", "status": "pending"}] if rng.random() < 0.5 else []
        count("replace_objects")


def mutator(session_for):
    def loop(deadline, n):
        rng = random.Random(n)
        s = session_for(n)
        while time.monotonic() < deadline:
            expect(lambda: mutate_once(s, rng), IndexError)
    return loop
"""


def test_eight_threads_on_the_same_session() -> None:
    r = run_scenario(
        with_mutator=True,
        code="""
        shared = SessionData.from_json(SAMPLE)
        for _ in range(60):
            shared.messages.append(NEW_MESSAGE)
        elapsed = run_threads([mutator(lambda n: shared)] * W, 3.0)
        check_output(shared.to_json())
        report(W, elapsed, messages=len(shared.messages))
        """,
    )
    assert r["ops"]["to_json"] > 100
    assert set(r["errors"]) <= {"IndexError"}, r["errors"]


def test_eight_threads_on_their_own_sessions() -> None:
    r = run_scenario(
        with_mutator=True,
        code="""
        sessions = [SessionData.from_json(SAMPLE) for _ in range(W)]
        elapsed = run_threads([mutator(lambda n: sessions[n])] * W, 3.0)
        for s in sessions:
            check_output(s.to_json())
        report(W, elapsed)
        """,
    )
    assert r["ops"]["to_json"] > 100
    assert set(r["errors"]) <= {"IndexError"}, r["errors"]


def test_big_parses_run_while_other_threads_mutate() -> None:
    r = run_scenario(
        with_mutator=True,
        code="""
        M = workloads().text("M")
        M_BYTES = M.encode()
        shared = SessionData.from_json(SAMPLE)
        parsed = Counter()

        def parser(deadline, n):
            while time.monotonic() < deadline:
                data = M_BYTES if n % 2 else M
                s = SessionData.from_json(data)
                out = s.to_json_bytes()
                assert out == M_BYTES, "M did not round-trip"
                check_output(out)
                len(s.messages)  # views on a big session, then serialize again
                assert s.to_json() == M
                with LOCK:
                    parsed[n] += 1

        def guarded(fn):
            def run(deadline, n):
                expect(lambda: fn(deadline, n))
            return run

        targets = [guarded(parser)] * share(3) + [mutator(lambda n: shared)] * share(3) + [
            mutator(lambda n: SessionData.from_json(SAMPLE))] * share(2)
        elapsed = run_threads(targets, 4.0)
        report(W, elapsed, m_bytes=len(M_BYTES), m_round_trips=sum(parsed.values()))
        """,
    )
    assert r["m_round_trips"] >= 3
    assert r["ops"]["to_json"] > 50
    assert set(r["errors"]) <= {"IndexError"}, r["errors"]


def test_objects_shared_between_sessions_lock_in_order() -> None:
    # One Message and one block inside several sessions and lists: serializing a session locks
    # the session, then its messages, then their blocks, while other threads serialize (or
    # edit) those messages and blocks directly.
    r = run_scenario(
        """
        shared_msg = v3.Message.from_json(
            '{"role":"user","content":[{"type":"text","text":"shared"}]}')
        shared_block = v3.ToolUseBlock(id="b", name="n", input={"a": [1, 2, 3]})
        sessions = []
        for k in range(4):
            s = SessionData.from_json(SAMPLE)
            for _ in range(20):
                s.messages.append(shared_msg)
            s.messages[0].content.append(shared_block)
            shared_msg.content.append(shared_block) if k == 0 else None
            sessions.append(s)

        def session_writer(deadline, n):
            rng = random.Random(n)
            while time.monotonic() < deadline:
                s = rng.choice(sessions)
                check_output(s.to_json())
                count("session_to_json")

        def part_writer(deadline, n):
            rng = random.Random(n)
            while time.monotonic() < deadline:
                check_output(shared_msg.to_json(), v3.Message)
                shared_block.to_json()
                shared_msg.role = rng.choice(["user", "assistant"])
                shared_block.name = "n%d" % rng.randrange(9)
                shared_block.input = {"a": list(range(rng.randrange(6)))}
                count("part")

        targets = [lambda d, n: expect(lambda: session_writer(d, n))] * share(4) + [
            lambda d, n: expect(lambda: part_writer(d, n))] * share(4)
        elapsed = run_threads(targets, 3.0)
        report(W, elapsed)
        """
    )
    assert r["ops"]["session_to_json"] > 50 and r["ops"]["part"] > 50
    assert not r["errors"], r["errors"]


def test_store_readers_never_see_a_torn_file_while_writers_save(tmp_path: Path) -> None:
    # tests/test_store.py saves from 8 threads; here 4 writers save one id (and edit it)
    # while 4 readers load it: every load is a complete session.
    r = run_scenario(
        f"""
        store = v3.FileSessionStore({str(tmp_path)!r})
        M = workloads().text("M")
        base = SessionData.from_json(M)
        base.id = "one"
        store.save(base)
        loads = Counter()

        def writer(deadline, n):
            rng = random.Random(n)
            s = SessionData.from_json(M)
            s.id = "one"
            while time.monotonic() < deadline:
                s.total_cost = rng.random()
                s.messages.append({{"role": "user", "content": []}})
                # Writers that knowingly replace each other's saves: without force, a save
                # after another writer's is refused (ConflictError, tests/test_today.py).
                store.save(s, force=True)
                count("save")

        def reader(deadline, n):
            while time.monotonic() < deadline:
                s = store.load("one")
                assert s is not None and s.id == "one"
                check_output(s.to_json())
                count("load")

        targets = [lambda d, n: expect(lambda: writer(d, n))] * share(4) + [
            lambda d, n: expect(lambda: reader(d, n))] * share(4)
        elapsed = run_threads(targets, 3.0)
        report(W, elapsed, files=sorted(p.name for p in store.dir.iterdir()))
        """
    )
    assert r["ops"]["save"] > 4 and r["ops"]["load"] > 4
    assert r["files"] == [".a3s-session.lock", "one.json"], r["files"]
    assert not r["errors"], r["errors"]


# ---------------------------------------------------------------------------------------------
# Re-entrancy from the garbage collector
# ---------------------------------------------------------------------------------------------
_FINALIZER_SCENARIOS = {
    "tool_input_lift": """
        import gc, json
        block = v3.ToolUseBlock.from_json(json.dumps({"type": "tool_use", "id": "i",
            "name": "n", "input": [{"k": i} for i in range(1000)]}))
        class Logger:
            def __del__(self):
                print("finalizer sees", block.id, file=sys.stderr)
        g = Logger(); g.cycle = g; del g
        gc.set_threshold(100)
        value = block.input  # building the dicts runs a collection while block is locked
        report(1, 0.0)
        """,
    "policy_getter": """
        import gc
        config = SessionData.from_json(SAMPLE).config
        class Logger:
            def __del__(self):
                print("finalizer sees", config.name, file=sys.stderr)
        g = Logger(); g.cycle = g; del g
        gc.set_threshold(1)
        value = config.permission_policy  # json.loads runs while config is locked
        report(1, 0.0)
        """,
}


# A getter holds the object's lock while it builds Python objects; an allocation there can
# run the cyclic GC, and a finalizer that touches the same object re-enters it on the same
# thread. That access raises RuntimeError (shown as "Exception ignored in __del__") instead
# of waiting forever for a lock the thread itself holds; the read in progress completes.
@pytest.mark.parametrize("scenario", list(_FINALIZER_SCENARIOS))
def test_finalizer_touching_the_object_being_read_does_not_deadlock(scenario: str) -> None:
    run_scenario(_FINALIZER_SCENARIOS[scenario], timeout=8)
