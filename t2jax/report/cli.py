"""Deprecated location of the command line: see :mod:`t2jax.cli`."""

import sys

from t2jax.cli import main  # noqa: F401

if __name__ == "__main__":
    sys.exit(main())
