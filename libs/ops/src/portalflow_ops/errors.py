"""Failures an operator can act on: shown as one line, without a traceback."""


class OpsError(Exception):
    """A command cannot do what was asked; the message says why and what would work."""
