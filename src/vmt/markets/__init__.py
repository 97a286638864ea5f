"""markets layer."""
