"""`welllog` commands: explain."""

from .app import app  # noqa: F401
