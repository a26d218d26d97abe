"""Failures an operator can act on: shown as one line, without a traceback."""

import asyncpg
from aiokafka.errors import KafkaError


class OpsError(Exception):
    """A command cannot do what was asked; the message says why and what would work."""


SERVER_ERRORS = (KafkaError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError,
                 asyncpg.InternalClientError)
"""What the broker, PostgreSQL or the network make a command fail with; asyncpg raises its own
`InterfaceError` or `InternalClientError` on a connection the server terminated under it."""
