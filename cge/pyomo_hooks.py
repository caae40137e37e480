"""Pyomo's post-import callbacks that a run does not need (issue 21).

``pyomo.common.dependencies`` registers callbacks that run as soon as anything imports scipy
or matplotlib: the first ``import scipy.sparse`` then also imports ``scipy.stats``,
``scipy.integrate`` and ``scipy.spatial``, the first ``import matplotlib`` imports
``matplotlib.pyplot`` and ``pylab`` (seconds of CPU that ``cge run`` never uses).
:func:`drop_import_callbacks` removes those two hooks; Pyomo's own deferred modules
(``pyomo.common.dependencies.scipy``) still import what they need when Pyomo uses them.
"""

from __future__ import annotations

#: Modules whose Pyomo post-import callbacks are dropped.
MODULES = ("scipy", "matplotlib")


def drop_import_callbacks() -> None:
    """Remove Pyomo's post-import callbacks of :data:`MODULES` (a no-op if Pyomo changes)."""
    from pyomo.common import dependencies

    callbacks = getattr(getattr(dependencies, "DeferredImportCallbackFinder", None),
                        "_callbacks", None)
    if isinstance(callbacks, dict):
        for name in MODULES:
            callbacks.pop(name, None)
