"""Fails while importing: the host must say so in one line and log this traceback."""
import does_not_exist  # noqa: F401

app = None
