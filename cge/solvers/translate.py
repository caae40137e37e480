"""Pyomo -> CasADi translation through the AMPL NL format.

Pyomo's NL writer walks the expression trees once in compiled-friendly code
and CasADi parses the resulting NL file in C++; measured on CGE-sized models
this is several times faster than translating Pyomo expressions with a Python
visitor.  The NL writer is called with

* ``linear_presolve=False`` so that every free variable that appears in an
  active constraint stays a column (otherwise variables defined by linear
  equations are substituted away and would have to be written back from
  ``info.eliminated_vars``);
* ``scale_model=False`` so that residuals are in model units and the absolute
  tolerance means what the caller thinks it means;
* no symbolic labels (CasADi's NL parser rejects the comment lines they add);
  the writer's returned ``info.variables`` / ``info.constraints`` give the
  column and row order instead.

Mutable Params and fixed Vars are written as numbers, so a translation is a
snapshot of the parameters: re-translate after changing them.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import casadi as ca
import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.repn.plugins.nl_writer import NLWriter


@dataclass
class CasadiSystem:
    """A Pyomo model as CasADi SX expressions: min f(x) s.t. lbg <= g(x) <= ubg, lbx <= x <= ubx.

    Row ``i`` of ``g`` is ``constraints[i]`` and column ``j`` of ``x`` is
    ``variables[j]``.  For an equality row ``lbg[i] == ubg[i]`` is the
    constant right-hand side, so its residual is ``g[i] - lbg[i]``.
    """

    variables: list[VarData]
    constraints: list[ConstraintData]
    x: ca.SX
    f: ca.SX
    g: ca.SX
    lbx: np.ndarray
    ubx: np.ndarray
    lbg: np.ndarray
    ubg: np.ndarray

    @property
    def n_variables(self) -> int:
        return len(self.variables)

    @property
    def n_constraints(self) -> int:
        return len(self.constraints)

    @property
    def is_equality_system(self) -> bool:
        return bool(np.all(self.lbg == self.ubg))

    @property
    def objective_is_constant(self) -> bool:
        return not ca.depends_on(self.f, self.x)

    def start_point(self) -> np.ndarray:
        """Current Pyomo values (unset ones as 0), projected into the bounds."""
        x0 = np.array([0.0 if v.value is None else float(v.value) for v in self.variables])
        return np.clip(x0, self.lbx, self.ubx)

    def write_back(self, x: np.ndarray) -> None:
        """Store ``x`` in the Pyomo variables (only ever called with a solution)."""
        for var, value in zip(self.variables, x, strict=True):
            var.set_value(float(value), skip_validation=True)


def to_casadi(model: pyo.Block) -> CasadiSystem:
    """Translate the active part of ``model`` (see module docstring for how and why)."""
    with tempfile.TemporaryDirectory(prefix="cge_nl_") as tmp:
        path = os.path.join(tmp, "model.nl")
        with open(path, "w") as stream:
            info = NLWriter().write(
                model,
                stream,
                symbolic_solver_labels=False,
                linear_presolve=False,
                scale_model=False,
                skip_trivial_constraints=True,
            )
        builder = ca.NlpBuilder()
        builder.import_nl(path)

    mx_x = ca.vertcat(*builder.x)
    # A model without an objective comes back with an empty (0x0) one.
    mx_f = builder.f if builder.f.numel() == 1 else ca.MX(0)
    mx_g = ca.vertcat(*builder.g) if builder.g else ca.MX(0, 1)
    # Expanding to SX once turns the NL graph of scalar MX nodes into a flat
    # instruction list: function and Jacobian evaluations become much faster.
    fun = ca.Function("nlp", [mx_x], [mx_f, mx_g]).expand()
    x = ca.SX.sym("x", mx_x.numel())
    f, g = fun(x)
    return CasadiSystem(
        variables=list(info.variables),
        constraints=list(info.constraints),
        x=x,
        f=f,
        g=g,
        lbx=np.array(builder.x_lb, dtype=float),
        ubx=np.array(builder.x_ub, dtype=float),
        lbg=np.array(builder.g_lb, dtype=float),
        ubg=np.array(builder.g_ub, dtype=float),
    )
