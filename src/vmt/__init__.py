"""VMT: a laboratory for comparing exchange institutions on a spatial grid economy."""

__version__ = "0.1.0"

from vmt.engine.blas_probe import install as _answer_blas_probe_without_scipy
from vmt.engine.deferred_registries import install as _registries_built_by_compiling_only
from vmt.engine.exit_collection import install as _no_full_collections_at_exit
from vmt.engine.linking_bitcode import install as _link_modules_parsed_on_demand
from vmt.engine.llvm_lock_events import install as _untimed_llvm_calls
from vmt.engine.runtime_cache import install as _runtime_loaded_from_cache
from vmt.engine.startup_collections import install as _no_collections_over_start_up_objects
from vmt.engine.threads import prepare_environment as _prepare_threads

_prepare_threads()  # before anything loads numba: OpenMP reads it once
_answer_blas_probe_without_scipy()  # numba would import scipy.linalg (0.4 s) at its first kernel
_untimed_llvm_calls()  # numba would broadcast two events per call into LLVM (tens of ms per run)
_link_modules_parsed_on_demand()  # numba would parse every cached kernel's bitcode (~3 ms a kernel)
_registries_built_by_compiling_only()  # numba would build its registries to load a cached kernel (~0.07 s)
_runtime_loaded_from_cache()  # numba would compile its runtime's functions at every start (~20 ms)
_no_full_collections_at_exit()  # a process that loaded numba spends 0.3-0.5 s collecting at exit
_no_collections_over_start_up_objects()  # ... and ~0.15 s collecting while numba and VMT load


def __getattr__(name):
    # Lazy so that `import vmt.mechanisms` does not pay for numba compilation
    # of the whole engine.
    if name == "Simulation":
        from vmt.simulation import Simulation

        return Simulation
    if name in ("sweep", "compare"):
        # Experiments load pandas and, when they run, dask: only on first use.
        from vmt import experiments

        return getattr(experiments, name)
    raise AttributeError(name)
