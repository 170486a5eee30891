"""The native runtime of a3s-session for a3s-code-core 9.1.3: use it as ``a3s_session.v9``.

``a3s_session`` is imported first: the extension takes the exception class both generations
share (``a3s_session.SessionFormatError``) from it, and ``a3s_session`` imports this
package's ``_native`` itself. So ``import a3s_session_v9`` works before ``import a3s_session``.
"""

import a3s_session as _a3s_session  # noqa: F401  (imported for its effect, see above)

from ._native import *
from ._native import __all__ as __all__
from ._native import _scan_reader as _scan_reader
