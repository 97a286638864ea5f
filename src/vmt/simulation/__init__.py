"""The Python API: ``Simulation(scenario, seed=...)``, ``.step()``, ``.run()``."""

from vmt.simulation.errors import SimulationError
from vmt.simulation.simulation import Simulation, check_protocols, resolve_protocols

__all__ = ["Simulation", "SimulationError", "check_protocols", "resolve_protocols"]
