"""task_economy layer."""
