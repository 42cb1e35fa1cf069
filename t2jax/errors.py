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
