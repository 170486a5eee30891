"""Reading sessions from Python: decode then walk every message, attribute reads, memory after a
walk, against msgspec (and a plain `__slots__` object for attribute reads).

    python benchmarks/read_speed.py                 # S, M, L of every shape, both generations
    python benchmarks/read_speed.py --sizes S,M     # a subset
    python benchmarks/read_speed.py --out FILE.md   # also write the tables as Markdown

The walk is what an agent or a dashboard does with a session: decode, then read every
message's role, every text, every tool call's name and input (its keys), and every tool
result's content (a str, or the text of each of its blocks). Contenders run interleaved in
one process (medians over rounds, see `run.measure`); peak RSS is measured in a fresh process
per contender (`run.measure_rss` with the walk).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run
import workloads

SHAPES = ("text", "dense", "mix")


def contenders() -> dict[str, tuple[Callable[[bytes], Any], Any]]:
    """name -> (decode, module holding TextBlock / ToolUseBlock / ToolResultBlock)."""
    import a3s_session as a3s
    import msgspec_model as mm

    return {
        "a3s 3.0.0": (a3s.v3.SessionData.from_json, a3s.v3),
        "a3s 9.1.3": (a3s.v9.SessionData.from_json, a3s.v9),
        "msgspec": (mm.decode, mm),
    }


def walker(decode: Callable[[bytes], Any], mod: Any) -> Callable[[bytes], int]:
    text_cls, use_cls, result_cls = mod.TextBlock, mod.ToolUseBlock, mod.ToolResultBlock

    def walk(data: bytes) -> int:
        s = decode(data)
        n = 0
        for m in s.messages:
            n += len(m.role)
            for b in m.content:
                t = type(b)
                if t is text_cls:
                    n += len(b.text)
                elif t is use_cls:
                    n += len(b.name) + len(b.input)
                elif t is result_cls:
                    n += run.result_chars(b.content, text_cls)
        return n

    return walk


def time_walks(
    data: bytes, walks: dict[str, Callable[[bytes], int]], rounds: int
) -> dict[str, float]:
    # Every contender must see the same session.
    counts = {name: w(data) for name, w in walks.items()}
    if len(set(counts.values())) != 1:
        raise SystemExit(f"walks disagree: {counts}")
    return run.measure({n: (lambda w=w: w(data)) for n, w in walks.items()}, rounds, 0.05)


def time_floor(
    data: bytes,
    cs: dict[str, tuple[Callable[[bytes], Any], Any]],
    msgspec_walk: Callable[[bytes], int],
    rounds: int,
) -> dict[str, float]:
    """Decode alone (with and without the unknown-field check) against msgspec's walk."""
    thunks: dict[str, Callable[[], object]] = {"msgspec walk": lambda: msgspec_walk(data)}
    for name, (decode, mod) in cs.items():
        thunks[name] = lambda decode=decode: decode(data)
        if name.startswith("a3s"):
            cls = mod.SessionData
            thunks[f"{name} ignore"] = lambda cls=cls: cls.from_json(data, unknown="ignore")
    return run.measure(thunks, rounds, 0.05)


class Slots:
    """The reference: a plain object with `__slots__` (what a read of a msgspec field is)."""

    __slots__ = ("config", "id", "name", "role")

    def __init__(self) -> None:
        self.id = "session-1"
        self.name = "bench"
        self.role = "user"
        self.config = self


def attribute_reads(rounds: int) -> list[tuple[str, dict[str, float]]]:
    """(expression, {contender: ns per read net of an empty loop})."""
    data = workloads.text("S", shape="dense").encode()
    objects = {}
    for name, (decode, _mod) in contenders().items():
        s = decode(data)
        objects[name] = (s, s.messages[0])
    slot = Slots()
    exprs = {
        "s.id": lambda o: ("s.id", {"s": o[0]}),
        "s.config.name": lambda o: ("s.config.name", {"s": o[0]}),
        "m.role": lambda o: ("m.role", {"m": o[1]}),
    }
    out = []
    reads = 200_000
    for label, make in exprs.items():
        timers = {}
        for name, objs in objects.items():
            stmt, env = make(objs)
            timers[name] = timeit.Timer(stmt, globals=env)
        # The same chain of reads on plain objects.
        timers["__slots__"] = timeit.Timer(
            label.replace("s.", "o.", 1).replace("m.", "o.", 1), globals={"o": slot}
        )
        raw = run.time_statements(timers, rounds, reads)
        empty = raw.pop("(empty loop)")
        out.append((label, {k: (t - empty) * 1e9 for k, t in raw.items()}))
    return out


RSS_CHILD = """
import gc, json, sys
sys.path.insert(0, {here!r})
import read_speed, run
name, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
decode, mod = read_speed.contenders()[name]
s_holder = []
walk = read_speed.walker(lambda d: s_holder.append(decode(d)) or s_holder[-1], mod)
if mode == "decode":  # the decoded objects only, nothing read from them
    walk = lambda d: s_holder.append(decode(d))
gc.collect()
try:
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
base = run._status_kib("VmRSS")
data = open(path, "rb").read()
walk(data)
peak = run._status_kib("VmHWM") - base
print(json.dumps({{"peak": peak}}))
"""


def rss_after_walk(name: str, path: Path, mode: str = "walk") -> int:
    code = RSS_CHILD.format(here=str(HERE))
    proc = subprocess.run(
        [sys.executable, "-c", code, name, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout.strip().splitlines()[-1].split(":")[1].rstrip("}"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="S,M,L")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--no-attrs", action="store_true")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--only-rss", action="store_true", help="just the peak RSS table (L)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    cs = contenders()
    walks = {name: walker(decode, mod) for name, (decode, mod) in cs.items()}
    if args.only_rss:
        args.no_floor = args.no_attrs = True
        args.sizes = "L"
    else:
        say("### Walk: decode, then read every role, text, tool input and tool result\n")
        say(
            "| shape | size | a3s 3.0.0 | a3s 9.1.3 | msgspec | msgspec ÷ 3.0.0 | msgspec ÷ 9.1.3 |"
        )
        say("|---|---|---:|---:|---:|---:|---:|")
    for size in args.sizes.split(",") if not args.only_rss else []:
        rounds = args.rounds if size != "L" else max(3, args.rounds // 2)
        for shape in args.shapes.split(","):
            data = workloads.text(size, shape=shape).encode()
            t = time_walks(data, walks, rounds)
            a, b, m = t["a3s 3.0.0"], t["a3s 9.1.3"], t["msgspec"]
            say(
                f"| {shape} | {size} ({len(data) / 1e3:,.0f} KB) | {fmt(a)} | {fmt(b)} | {fmt(m)} "
                f"| ×{m / a:.2f} | ×{m / b:.2f} |"
            )
    if not args.no_floor:
        say("\n### The walk's floor: decoding alone, nothing read\n")
        say(
            '`from_json(unknown="ignore")` is the crate\'s own Deserialize (serde_json) plus one '
            "wrapper; the default `from_json` adds the unknown-field check (no silent loss). "
            "A walk cannot take less than its decode: where the floor is near or above "
            "msgspec's whole walk, walk ≥ 1.0× msgspec is out of reach while the crate decodes.\n"
        )
        say(
            "| shape | size | 3.0.0 decode, no check | 3.0.0 decode | 9.1.3 decode, no check "
            "| 9.1.3 decode | msgspec decode | msgspec walk | floor ÷ msgspec walk |"
        )
        say("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes.split(","):
            rounds = args.rounds if size != "L" else max(3, args.rounds // 2)
            for shape in args.shapes.split(","):
                data = workloads.text(size, shape=shape).encode()
                t = time_floor(data, cs, walks["msgspec"], rounds)
                floor = min(t["a3s 3.0.0 ignore"], t["a3s 9.1.3 ignore"])
                say(
                    f"| {shape} | {size} | {fmt(t['a3s 3.0.0 ignore'])} | {fmt(t['a3s 3.0.0'])} "
                    f"| {fmt(t['a3s 9.1.3 ignore'])} | {fmt(t['a3s 9.1.3'])} "
                    f"| {fmt(t['msgspec'])} | {fmt(t['msgspec walk'])} "
                    f"| ×{floor / t['msgspec walk']:.2f} |"
                )
    if not args.no_attrs:
        say("\n### Attribute reads (ns per read, net of an empty loop)\n")
        say("| read | a3s 3.0.0 | a3s 9.1.3 | msgspec | `__slots__` | a3s ÷ slot |")
        say("|---|---:|---:|---:|---:|---:|")
        for label, ns in attribute_reads(args.rounds):
            worst = max(ns["a3s 3.0.0"], ns["a3s 9.1.3"]) / ns["__slots__"]
            say(
                f"| `{label}` | {ns['a3s 3.0.0']:.1f} | {ns['a3s 9.1.3']:.1f} | "
                f"{ns['msgspec']:.1f} | {ns['__slots__']:.1f} | ×{worst:.1f} |"
            )
    if not args.no_rss and "L" in args.sizes.split(","):
        import tempfile

        say("\n### Peak RSS of decode + walk (fresh process each), × the file size\n")
        say(
            '"decode only" holds the decoded record and reads nothing: the crate\'s value, which '
            "every a3s record is. Where it is above 1.5× msgspec's walk, RSS ≤ 1.5× msgspec is "
            "out of reach while records hold the crate's values.\n"
        )
        say(
            "| shape | file | a3s 3.0.0 | a3s 9.1.3 | msgspec | 3.0.0 ÷ msgspec | 9.1.3 ÷ msgspec "
            "| 3.0.0 decode only | 9.1.3 decode only | decode only ÷ msgspec walk |"
        )
        say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        with tempfile.TemporaryDirectory() as tmp:
            for shape in args.shapes.split(","):
                path = Path(tmp) / f"{shape}-L.json"
                path.write_text(workloads.text("L", shape=shape), encoding="utf-8")
                size = path.stat().st_size
                peak = {name: rss_after_walk(name, path) for name in cs}
                a, b, m = peak["a3s 3.0.0"], peak["a3s 9.1.3"], peak["msgspec"]
                da = rss_after_walk("a3s 3.0.0", path, "decode")
                db = rss_after_walk("a3s 9.1.3", path, "decode")
                say(
                    f"| {shape} | {size / 1e6:.1f} MB | ×{a / size:.1f} | ×{b / size:.1f} "
                    f"| ×{m / size:.1f} | ×{a / m:.2f} | ×{b / m:.2f} "
                    f"| ×{da / size:.1f} | ×{db / size:.1f} | ×{min(da, db) / m:.2f} |"
                )
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


if __name__ == "__main__":
    sys.exit(main())
