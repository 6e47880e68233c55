"""`welllog` commands: data."""

from .app import app  # noqa: F401
