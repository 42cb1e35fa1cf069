"""Report: figures, the demo job and the command line."""
