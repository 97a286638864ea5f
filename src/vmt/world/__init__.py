"""World layer: struct-of-arrays state of agents and resource cells, and the
state transitions that are mechanics of the world rather than behaviour
(movement, foraging, regeneration, quotes)."""

from vmt.world.state import AgentState, ResourceState, World, GOODS, PAIRS

__all__ = ["AgentState", "ResourceState", "World", "GOODS", "PAIRS"]
