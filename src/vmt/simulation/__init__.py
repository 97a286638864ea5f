"""The Python API: ``Simulation(scenario, seed=...)``, ``.step()``, ``.run()``."""

from vmt.simulation.simulation import Simulation, check_protocols, resolve_protocols

__all__ = ["Simulation", "check_protocols", "resolve_protocols"]
