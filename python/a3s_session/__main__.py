"""`python -m a3s_session`: summarize a session file (default: the bundled sample) and prove
that the crate re-serializes it byte for byte."""

from __future__ import annotations

import argparse
import pathlib
import sys
from importlib import resources

from . import CRATE_VERSION, SessionData, SessionFormatError, __version__
from ._summary import render, summarize


def sample_path() -> pathlib.Path:
    """The bundled sample session, as written by the crate's FileSessionStore (pretty)."""
    return pathlib.Path(str(resources.files("a3s_session") / "data" / "sample_session.json"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="a3s-session",
        description="Inspect an A3S Code session file with the real a3s-code-core serde code.",
    )
    parser.add_argument("path", nargs="?", help="session JSON file (default: bundled sample)")
    parser.add_argument("--version", action="version",
                        version=f"a3s-session {__version__} (a3s-code-core {CRATE_VERSION})")
    args = parser.parse_args(argv)
    path = pathlib.Path(args.path) if args.path else sample_path()
    try:
        raw = path.read_bytes()
    except OSError as e:
        print(f"a3s-session: cannot read {path}: {e.strerror or e}", file=sys.stderr)
        return 2
    try:
        session = SessionData.from_json(raw)
    except SessionFormatError as e:
        print(f"a3s-session: {path}: {e}", file=sys.stderr)
        return 1
    print(f"{path}{'  (bundled sample)' if not args.path else ''}")
    print(render(summarize(session)))
    text = raw.decode("utf-8")
    pretty = session.to_json(pretty=True)
    compact = session.to_json()
    same = pretty == text or compact == text
    layout = "pretty" if pretty == text else "compact" if compact == text else "neither layout"
    print(f"round trip: {'byte-identical' if same else 'DIFFERENT'} ({len(raw):,} bytes, {layout})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
