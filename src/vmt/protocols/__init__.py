"""Pluggable behaviour chosen by name: search, matching and bargaining.

Importing this package registers every built-in protocol.
"""

from vmt.protocols.registry import (
    KINDS,
    ProtocolError,
    create_protocol,
    get_entry,
    protocol_names,
    register,
    unregister,
)
from vmt.protocols import search, matching, bargaining  # noqa: F401  (registration)

__all__ = ["KINDS", "ProtocolError", "create_protocol", "get_entry", "protocol_names", "register", "unregister"]
