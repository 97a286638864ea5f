"""The Python API: ``Simulation(scenario, seed=...)``, ``.step()``, ``.run()``."""

from vmt.simulation.simulation import Simulation, resolve_protocols

__all__ = ["Simulation", "resolve_protocols"]
