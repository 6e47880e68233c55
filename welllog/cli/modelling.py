"""`welllog` commands: modelling."""

from .app import app  # noqa: F401
