r"""The lattice field theory along depth of a homogeneous random network at its fixed point.

Schoenholz, Pennington & Sohl-Dickstein ("A correspondence between random neural networks and
statistical field theory", arXiv:1710.06570) map the pre-activation statistics of a random
network onto a lattice model along depth; at large width it is Gaussian, it is diagonalised
by Fourier modes when every layer is the same, and at large scale it is an effective field
theory. Here, for a network whose layers share φ, σw, σb, weight law and width n, with the
input at the fixed point q* of the length map (:func:`.predict.fixed_point_input`):

**The field.** φ_l = δv^{l+1}, l = 1..L: the fluctuation of the variance σw² p^l + σb² that
layer l hands to the next (p^l = ‖φ(h^l)‖²/n; for a linear network φ_l = σw² δq^l). To first
order in 1/n (:mod:`rmtsym.networks.fluctuations.gaussian`) it is the autoregressive chain

    φ_l = a φ_{l−1} + ξ_l,    φ_0 = 0,    ξ_l ~ N(0, s²) independent,
    a = σw² F′(q*)  (= χ_q, the slope of the length map),   s² = σw⁴ G(q*)/n,

so its probability is e^{−S}/Z with the nearest-neighbour **action**

    S[φ] = Σ_{l=1}^{L} (φ_l − a φ_{l−1})² / (2 s²),

whose **precision matrix** is tridiagonal: (1 + a²)/s² on the diagonal (1/s² in the last
row: the output end is free), −a/s² beside it. The observed q^l is the field plus a local
noise: q^l = q* + φ_{l−1} + ε_l with Var ε_l = 2q*²/n and Cov(ε_l, φ_l) = σw² C(q*)/n.

**Fourier modes.** In the bulk, S = Σ_k |φ̂_k|² (1 + a² − 2a cos k)/(2s²): each mode is
independent with variance s²/(1 + a² − 2a cos k). With the two ends (Dirichlet at the input,
free at the output) the exact eigenvectors of the covariance are u_j = sin(k j), j = 1..L, with
the L wavenumbers in (0, π) that solve

    sin((L + 1) k) = a sin(L k),

and eigenvalues s²/(1 + a² − 2a cos k). For a marginal map (a = 1: linear at σw = 1, ReLU
at σw² = 2, σb = 0) k_m = (2m − 1)π/(2L + 1) and the field is a random walk (Cov = s² min).

**Correlation length and continuum limit.** Correlations decay as a^{|l−k|} = e^{−|l−k|/ξ},
ξ = −1/log a: the depth scale ξ_q of the mean field (Schoenholz, Gilmer, Ganguli &
Sohl-Dickstein, ICLR 2017) is also the correlation length of the finite-width fluctuations. At
large scale the chain is the Ornstein–Uhlenbeck field with Euclidean action

    S = (1/(2D)) ∫₀^L dt [(∂_t φ)² + m² φ²] + (m/(2D)) φ(L)²,   φ(0) = 0,
    m = 1/ξ = −log a,   D = 2 m s²/(1 − a²)   (→ s² as a → 1: a massless free field),

propagator G(t, t′) = (D/(2m))(e^{−m|t−t′|} − e^{−m(t+t′)}) (D min(t, t′) when m = 0); with
these parameters it equals the lattice covariance at integer depths exactly.

**Where it breaks.** The Gaussian (first-order) description needs Σ_l Var(q^l)/q*² ≪ 1: for
a marginal map the relative variance grows like depth/width and the distribution of q^L
becomes a skewed product of layer factors; :func:`breakdown` measures it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List

import numpy as np

from ...errors import ParameterError

__all__ = ["FieldTheory", "field_theory", "lattice_modes", "breakdown"]


def lattice_modes(a: float, L: int):
    """The L wavenumbers k in (0, π) with sin((L+1)k) = a sin(Lk), increasing, or None when
    fewer than L real ones exist (then the modes are not all plane waves)."""
    if a == 1.0:
        return np.array([(2 * m - 1) * math.pi / (2 * L + 1) for m in range(1, L + 1)])
    from scipy.optimize import brentq

    def f(k):
        return math.sin((L + 1) * k) - a * math.sin(L * k)

    grid = np.linspace(0.0, math.pi, 64 * (L + 1) + 1)[1:-1]
    vals = np.array([f(k) for k in grid])
    roots = []
    for i in range(len(grid) - 1):
        if vals[i] == 0:
            roots.append(grid[i])
        elif vals[i] * vals[i + 1] < 0:
            roots.append(brentq(f, grid[i], grid[i + 1], xtol=1e-15))
    if len(roots) != L:
        return None
    return np.array(roots)


@dataclass
class FieldTheory:
    """The Gaussian lattice field theory along depth (module docstring) and its continuum limit.

    Attributes
    ----------
    slope : float
        a = σw² F′(q*).
    noise : float
        s² = σw⁴ G(q*)/n, the variance each layer injects.
    q_star : float
    local_noise : float
        Var ε_l = n⁻¹ × (2q*² + weight-law term).
    cross : float
        Cov(ε_l, φ_l) = σw² C(q*)/n (+ weight-law term).
    depth, width : int
    """
    slope: float
    noise: float
    q_star: float
    local_noise: float
    cross: float
    depth: int
    width: int
    activation: str
    weights: str
    input_mean_square: float
    integrals: str
    notes: List[str] = field(default_factory=list)

    # ------------------------------------------------------------------ lattice
    def state_covariance(self) -> np.ndarray:
        """Cov(φ_i, φ_j), i, j = 1..L (first order)."""
        a, s2, L = self.slope, self.noise, self.depth
        i = np.arange(1, L + 1)
        lo = np.minimum.outer(i, i)
        lag = np.abs(np.subtract.outer(i, i))
        if abs(a - 1.0) < 1e-14:
            return s2 * lo.astype(float)
        return s2 * a ** lag * (1 - a ** (2 * lo)) / (1 - a * a)

    def precision_matrix(self) -> np.ndarray:
        """The tridiagonal precision matrix of φ_1..φ_L (the Hessian of the action)."""
        a, s2, L = self.slope, self.noise, self.depth
        P = np.zeros((L, L))
        idx = np.arange(L)
        P[idx, idx] = (1 + a * a) / s2
        P[L - 1, L - 1] = 1 / s2
        P[idx[:-1], idx[1:]] = P[idx[1:], idx[:-1]] = -a / s2
        return P

    def action(self, phi) -> float:
        """S[φ] = Σ_l (φ_l − a φ_{l−1})²/(2s²), φ_0 = 0, for a field φ_1..φ_L."""
        phi = np.asarray(phi, dtype=float)
        prev = np.concatenate([[0.0], phi[:-1]])
        return float(np.sum((phi - self.slope * prev) ** 2) / (2 * self.noise))

    def q_covariance(self) -> np.ndarray:
        """Cov(q^l, q^k), l, k = 1..L, from the field: q^l = q* + φ_{l−1} + ε_l (first order)."""
        L = self.depth
        C = np.zeros((L, L))
        C[1:, 1:] = self.state_covariance()[:L - 1, :L - 1]
        C[np.arange(L), np.arange(L)] += self.local_noise
        for l in range(L):
            for k in range(l + 1, L):
                C[l, k] += self.slope ** (k - l - 1) * self.cross
                C[k, l] = C[l, k]
        return C

    def modes(self):
        """(k, eigenvalues, eigenvectors): the Fourier modes of the state field.

        k solves sin((L+1)k) = a sin(Lk); the eigenvalues of the covariance are
        s²/(1 + a² − 2a cos k); the eigenvectors (columns) are sin(k j)/‖·‖. Falls back to a
        numerical eigendecomposition (k = None) when the modes are not all plane waves.
        """
        L = self.depth
        k = lattice_modes(self.slope, L)
        if k is None:
            w, U = np.linalg.eigh(self.state_covariance())
            return None, w[::-1], U[:, ::-1]
        j = np.arange(1, L + 1)
        U = np.sin(np.outer(j, k))
        U /= np.linalg.norm(U, axis=0)
        lam = self.noise / (1 + self.slope ** 2 - 2 * self.slope * np.cos(k))
        return k, lam, U

    def bulk_spectrum(self, k):
        """Variance per Fourier mode of the state field far from the ends: s²/(1 + a² − 2a cos k)."""
        k = np.asarray(k, dtype=float)
        return self.noise / (1 + self.slope ** 2 - 2 * self.slope * np.cos(k))

    def q_spectrum(self, k):
        """Bulk power spectrum of q (field plus local noise):
        Var ε + s²/|1 − a e^{−ik}|² + 2 Re[c e^{−ik}/(1 − a e^{−ik})]."""
        k = np.asarray(k, dtype=float)
        e = np.exp(-1j * k)
        return (self.local_noise + self.bulk_spectrum(k)
                + 2 * np.real(self.cross * e / (1 - self.slope * e)))

    # ------------------------------------------------------------------ continuum
    @property
    def correlation_length(self) -> float:
        a = self.slope
        if a >= 1 - 1e-14:
            return math.inf
        return -1.0 / math.log(a) if a > 0 else 0.0

    @property
    def mass(self) -> float:
        """m = 1/ξ = −log a."""
        xi = self.correlation_length
        return 0.0 if math.isinf(xi) else 1.0 / xi

    @property
    def diffusion(self) -> float:
        """D = 2 m s²/(1 − a²) (s² when a = 1)."""
        m, a = self.mass, self.slope
        return self.noise if m == 0 else 2 * m * self.noise / (1 - a * a)

    def propagator(self, t, t2):
        """G(t, t′) of the continuum theory (Dirichlet at t = 0)."""
        t, t2 = np.asarray(t, dtype=float), np.asarray(t2, dtype=float)
        m, D = self.mass, self.diffusion
        if m == 0:
            return D * np.minimum(t, t2)
        return D / (2 * m) * (np.exp(-m * np.abs(t - t2)) - np.exp(-m * (t + t2)))

    def as_json(self, modes: int = 8) -> dict:
        k, lam, _ = self.modes()
        def f(v):
            return "inf" if isinstance(v, float) and math.isinf(v) else float(v)
        out = {"field": "the variance handed to the next layer, sigma_w^2 p^l + sigma_b^2",
               "slope": f(self.slope), "noise": f(self.noise), "q_star": f(self.q_star),
               "local_noise": f(self.local_noise), "cross": f(self.cross),
               "correlation_length": f(self.correlation_length),
               "continuum": {"mass": f(self.mass), "diffusion": f(self.diffusion)},
               "mode_wavenumbers": None if k is None else [float(v) for v in k[:modes]],
               "mode_variances": [float(v) for v in lam[:modes]]}
        return out


def field_theory(network, input_mean_square=1.0, fixed_point: bool = True) -> FieldTheory:
    """The :class:`FieldTheory` of a homogeneous network of equal widths at its fixed point.

    ``input_mean_square`` is the starting point of the fixed-point search (a marginal map keeps
    it); ``fixed_point=False`` requires the given input to sit at a fixed point already.
    """
    from .gaussian import layer_chain
    from .predict import fixed_point_input

    if not network.homogeneous:
        raise ParameterError("the field theory along depth needs the same activation, sigma_w, sigma_b and "
                             "weight law in every layer")
    widths = network.widths
    if widths is None or len(set(widths)) != 1:
        raise ParameterError("the field theory along depth needs one width for every layer (--width N)")
    Q = fixed_point_input(network, float(input_mean_square)) if fixed_point else float(input_mean_square)
    stats = layer_chain(network, Q)
    v = stats[0].v
    if not all(abs(st.v - v) <= 1e-9 * v for st in stats):
        raise ParameterError("the input is not at a fixed point of the length map (use fixed_point=True)")
    layer = network.layers[0]
    n = widths[0]
    st = stats[1] if len(stats) > 1 else stats[0]  # past layer 1 the weight-law term is stationary
    alpha = layer.sw ** 2
    notes = []
    if layer.weights.name != "gaussian":
        notes.append(f"{layer.weights.name} weights: first-order correction included (layer 1 sees the input's "
                     "own fourth moment; the field theory uses the stationary layers)")
    return FieldTheory(slope=alpha * st.F[1], noise=alpha * alpha * st.sigma["pp"][0] / n, q_star=v,
                       local_noise=st.sigma["qq"][0] / n, cross=alpha * st.sigma["qp"][0] / n,
                       depth=network.depth, width=n, activation=layer.name, weights=layer.weights.name,
                       input_mean_square=Q, integrals=st.method, notes=notes)


def breakdown(activation, width: int, depths, sigma_w=1, sigma_b=0, weights="gaussian", params=None,
              input_mean_square=1.0) -> List[dict]:
    """How far first order is from the truth as depth/width grows, one row per depth.

    Each row: depth, depth/width, Var q^L at first order, the reference (exact where it applies,
    else second order) and its method, the relative error, and for the exact level the
    skewness of q^L (0 for a Gaussian).
    """
    from ..model import Network
    from .exact import exact_applies, exact_fluctuations
    from .gaussian import gaussian_fluctuations

    rows = []
    for L in depths:
        net = Network.build(activation, int(L), sigma_w=sigma_w, sigma_b=sigma_b, weights=weights,
                            width=width, params=params)
        g = gaussian_fluctuations(net, input_mean_square)
        first = float(g.covariance[-1, -1])
        ok, _ = exact_applies(net)
        row = {"depth": int(L), "depth_over_width": L / width, "first_order": first}
        if ok:
            e = exact_fluctuations(net, input_mean_square, dps=20)
            ref = float(e.covariance[-1][-1].value)
            row.update(reference=ref, reference_method="exact", skewness=float(e.skewness(int(L))))
        else:
            ref = float(g.covariance_second_order[-1, -1])
            row.update(reference=ref, reference_method="second order")
        row["relative_error"] = abs(first - ref) / ref if ref else 0.0
        rows.append(row)
    return rows
