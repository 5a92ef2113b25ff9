"""The SymPy symbols shared by every stage of rmtsym.

Every module must take its symbols from here: SymPy treats ``Symbol('eta')`` and
``Symbol('eta', positive=True)`` as different objects, so expressions built by two
modules only combine when they use the same symbols.

Conventions follow Pennington & Worah (NeurIPS 2017) and ``docs/theory.md``:
W is n1×n0 with N(0, σw²/n0) entries, X is n0×m with N(0, σx²) entries, Y = f(WX),
M = YYᵀ/m, φ = n0/m, ψ = n0/n1, and G(z) = ∫ρ(t)dt/(z − t) ~ 1/z (physics sign).
"""
import sympy as sp

#: the activation's argument
x = sp.Symbol("x", real=True)
#: standard normal variable in Gaussian integrals
zvar = sp.Symbol("Z", real=True)

#: weight and data scales, and σ = σw·σx
sigma_w = sp.Symbol("sigma_w", positive=True)
sigma_x = sp.Symbol("sigma_x", positive=True)
sigma = sp.Symbol("sigma", positive=True)

#: the two Gaussian moments of the activation (PW's η and ζ)
eta = sp.Symbol("eta", nonnegative=True)
zeta = sp.Symbol("zeta", nonnegative=True)

#: aspect ratios φ = n0/m, ψ = n0/n1
phi = sp.Symbol("phi", positive=True)
psi = sp.Symbol("psi", positive=True)

#: spectral variable, Stieltjes transform, PW's auxiliary P and its argument t = 1/(zψ)
z = sp.Symbol("z")
G = sp.Symbol("G")
P = sp.Symbol("P")
t = sp.Symbol("t")

#: ridge parameter of the memorization task
gamma = sp.Symbol("gamma", positive=True)
#: Marchenko–Pastur ratio
c = sp.Symbol("c", positive=True)

__all__ = ["x", "zvar", "sigma_w", "sigma_x", "sigma", "eta", "zeta", "phi", "psi",
           "z", "G", "P", "t", "gamma", "c"]

#: matrix sizes for exact finite-size results (W is n1×n0, X is n0×m; φ = n0/m, ψ = n0/n1);
#: appended for rmtsym.moments.wick (issue 5)
n0 = sp.Symbol("n0", positive=True)
n1 = sp.Symbol("n1", positive=True)
m = sp.Symbol("m", positive=True)
__all__ += ["n0", "n1", "m"]
