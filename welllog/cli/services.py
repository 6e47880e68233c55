"""`welllog` commands: services."""

from .app import app  # noqa: F401
