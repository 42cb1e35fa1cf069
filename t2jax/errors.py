"""The one error type t2jax raises for bad input or an impossible request."""


class T2JaxError(ValueError):
    """Bad input data or arguments. The message names the column/rows at fault."""


def first_rows(mask, limit: int = 5) -> str:
    """Describe the first offending rows of a boolean mask, e.g. ``rows 3, 7 (data rows
    counted from 0)``: row 0 is the first row after a file's header."""
    import numpy as np

    idx = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    more = f", ... ({idx.size} in all)" if idx.size > limit else ""
    word = "row" if idx.size == 1 else "rows"
    return f"{word} {shown}{more} (data rows counted from 0)"


def warn(message: str, category: type = UserWarning) -> None:
    """Warn at the user's call: the innermost stack frame outside the t2jax package
    (so the warning names the user's line, not a line inside t2jax)."""
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__))

    def inside(frame):
        name = frame.f_globals.get("__name__", "")
        return (name == "t2jax" or name.startswith("t2jax.")
                or os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep))

    frame = sys._getframe(1)
    while frame.f_back is not None and inside(frame):
        frame = frame.f_back
    registry = frame.f_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                           module=frame.f_globals.get("__name__", "t2jax"), registry=registry)
