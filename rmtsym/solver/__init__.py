"""The physical branch of a numeric algebraic spectral law Q(G, z) = 0.

An algebraic law has a Stieltjes transform G(z) = ∫ρ(t)dt/(z − t) (physics sign,
G ~ 1/z) that solves a polynomial equation Q(G, z) = Σ_k a_k(z) G^k = 0. For each z
the equation has d = deg_G Q roots; exactly one is the physical one. It is chosen here
by principle, never by "the root with the largest imaginary part":

* **Herglotz / convex-hull test.** G(z) is an average of 1/(z − t) over the law, so
  it lies in the closed convex hull of the arc {1/(z − t) : t ∈ [lo, hi]} where
  [lo, hi] contains the support (all branch points of Q lie in it). For Im z > 0 this
  is a circular segment inside the circle |w + i/(2 Im z)| = 1/(2 Im z) (so Im G < 0);
  for real z outside [lo, hi] it is the real interval [1/(z − lo), 1/(z − hi)]. When
  exactly one root passes the test it is the branch (a certified uniqueness test).
* **Continuation.** Otherwise the root is followed from z0 = Re z + iR (R large, where
  the physical root is the unique one near 1/z0, i.e. z·G → 1) down to z along a
  geometric path in Im z, taking at each step the root nearest to the previous one and
  refining the path when the choice is not clear (nearest/second-nearest distance).
* **Boundary values.** On the real axis inside the support, ρ(x) = −Im G(x + i0)/π is
  computed at z = x itself (a limit, not a small ε): the physical root is the member of
  a complex-conjugate pair with Im G < 0 when that is unique, else continuation.

High precision: the double-precision selection seeds Newton's method in mpmath at the
working precision (``mpmath.workdps``); 3–5 steps reach 30–100 digits. The result is
certified a posteriori: for a polynomial p of degree d, the disc |G − g| ≤ d·|p(g)/p′(g)|
contains a root, and it is the selected one when that disc and the Newton path stay
well inside the separation from the other roots. Near edges where roots coalesce the
solver falls back to ``mpmath.polyroots``.

References: J. Pennington and P. Worah, "Nonlinear random matrix theory for deep
learning", NeurIPS 2017 (the quartic and the root-selection problem);
``docs/theory.md`` §1.4–§2.

Where things are: :mod:`~rmtsym.solver.branch` (the :class:`BranchSolver`: tables, branch
points, support, atoms), :mod:`~rmtsym.solver.double_path` (selection and continuation in
double precision), :mod:`~rmtsym.solver.certified` (G, G′, ρ at any precision, certified),
:mod:`~rmtsym.solver.quadratic` (degree 2 in G: the closed-form root and density),
:mod:`~rmtsym.solver.fixed_point` (Newton in fixed point with rounding bounds),
:mod:`~rmtsym.solver.polynomial` (the cleaned polynomial, the root-inclusion radius).
"""
from .branch import BranchSolver
from .polynomial import GUARD

__all__ = ["BranchSolver", "GUARD"]
