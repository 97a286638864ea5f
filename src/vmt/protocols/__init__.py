"""Pluggable behaviour chosen by name: search, matching and bargaining.

A built-in protocol's module is imported (and registers it) when its name is
first asked for, or when its kind is listed (``registry.BUILT_IN_MODULES``).
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

__all__ = ["KINDS", "ProtocolError", "create_protocol", "get_entry", "protocol_names", "register", "unregister"]
