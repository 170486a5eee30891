"""``python -m a3s_session`` and the ``a3s-session`` console script (see :mod:`a3s_session.cli`).

Without arguments: the summary of the bundled sample session and whether the crate writes it
back byte for byte.
"""

from __future__ import annotations

import sys

from .cli import main, sample_path

__all__ = ["main", "sample_path"]

if __name__ == "__main__":
    sys.exit(main())
