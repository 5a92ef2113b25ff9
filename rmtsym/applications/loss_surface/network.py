r"""A single-hidden-layer network on the memorization task, with exact derivatives.

The task of Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix
theory" (ICML 2017, PMLR 70:2798–2806), §5: m random inputs x_μ ∈ R^{n0} and m random
targets y_μ ∈ R^k, all entries iid N(0, 1), fitted by

    ŷ_μ = B f(A x_μ / √n0) / √n1,        A ∈ R^{n1×n0},  B ∈ R^{k×n1}   (no biases)

with the squared loss, normalised per target entry,

    L(θ) = (1 / 2km) Σ_{i,μ} e_{iμ}²,      e_{iμ} = ŷ_{iμ} − y_{iμ}.

The ε of the paper is the value of L at a critical point (the "energy"); the zero network has
L ≈ ½. The ratio of parameters to data points is, as the paper defines it, the number of
parameters over the number of scalar targets:

    φ = n / (k m),      n = n1 (n0 + k),

which is the aspect ratio of the km × n Jacobian J of the residuals, so that the Gauss–Newton
part H0 = JᵀJ/(km) has rank ≤ km and, for φ > 1, a fraction ≥ 1 − 1/φ of zero eigenvalues.

Everything is exact in float64, with no automatic differentiation:

* :meth:`OneHiddenLayerNet.gradient`:  ∇L = Jᵀe/(km);
* :meth:`OneHiddenLayerNet.jacobian`:  J_{(iμ),α} = ∂e_{iμ}/∂θ_α;
* :meth:`OneHiddenLayerNet.hessian_parts`:  H = H0 + H1 with H0 = JᵀJ/(km) (Gauss–Newton)
  and H1 = (1/km) Σ_{iμ} e_{iμ} ∇²ŷ_{iμ} (residual-weighted curvature), the split of the
  paper's §2. Writing h = A x/√n0, a = f(h), s = n0·n1:

      ∂ŷ_i/∂A_{jl} = B_{ij} f′(h_j) x_l / √s,        ∂ŷ_i/∂B_{i′j} = δ_{ii′} a_j / √n1,
      ∂²ŷ_i/∂A_{jl}∂A_{j′l′} = δ_{jj′} B_{ij} f″(h_j) x_l x_{l′} / (n0 √n1),
      ∂²ŷ_i/∂A_{jl}∂B_{i′j′} = δ_{ii′} δ_{jj′} f′(h_j) x_l / √s,   ∂²ŷ/∂B∂B = 0.

The parameter vector is θ = (vec A, vec B) (row-major).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np

from ...errors import ParameterError

__all__ = ["MemorizationTask", "OneHiddenLayerNet", "memorization_task", "activation_derivatives",
           "MAX_PARAMETERS", "MAX_TARGETS"]

#: the largest number of parameters n (the Hessian is a dense n×n matrix)
MAX_PARAMETERS = 6000
#: the largest number of scalar targets km (the Jacobian is km×n)
MAX_TARGETS = 200_000


def _tanh3(u):
    t = np.tanh(u)
    d = 1.0 - t * t
    return t, d, -2.0 * t * d


def activation_derivatives(spec="tanh") -> Callable:
    """f, f′, f″ of an activation as one vectorised function u ↦ (f(u), f′(u), f″(u)).

    ``"tanh"`` uses the closed forms f′ = 1 − f², f″ = −2 f f′; any other spec is parsed
    safely by :func:`rmtsym.activation.parse_activation` and differentiated by SymPy.
    Kinks (ReLU) make f″ zero almost everywhere, so H1 then misses the kink's contribution;
    smooth activations are the meaningful case.
    """
    if isinstance(spec, str) and spec.strip() == "tanh":
        return _tanh3
    import sympy as sp

    from ...activation import Activation, parse_activation
    from ...symbols import x
    act = parse_activation(spec)
    if act.params:
        raise ParameterError("the activation of the network must have no free parameters")
    fs = [act.numpy_function()]
    expr = act.expr
    for _ in range(2):
        expr = sp.diff(expr, x)
        fs.append(Activation(expr).numpy_function())

    def triple(u):
        return fs[0](u), fs[1](u), fs[2](u)
    return triple


def _whole(value, name, minimum=1):
    if isinstance(value, bool) or not float(value).is_integer() or value < minimum:
        raise ParameterError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class MemorizationTask:
    """Random inputs X (n0×m) and targets Y (k×m), entries iid N(0, 1)."""
    X: np.ndarray
    Y: np.ndarray

    @property
    def n0(self) -> int:
        return self.X.shape[0]

    @property
    def m(self) -> int:
        return self.X.shape[1]

    @property
    def k(self) -> int:
        return self.Y.shape[0]


def memorization_task(n0: int, k: int, m: int, seed: int = 0) -> MemorizationTask:
    """Draw the memorization task of Pennington & Bahri (2017): Gaussian inputs and targets."""
    n0, k, m = _whole(n0, "n0"), _whole(k, "k"), _whole(m, "m")
    if k * m > MAX_TARGETS or n0 * m > MAX_TARGETS:
        raise ParameterError(f"the task is too large (k·m and n0·m must be ≤ {MAX_TARGETS})")
    rng = np.random.default_rng(seed)
    return MemorizationTask(rng.standard_normal((n0, m)), rng.standard_normal((k, m)))


class OneHiddenLayerNet:
    r"""ŷ = B f(A x/√n0)/√n1 on a :class:`MemorizationTask`, squared loss L = ‖e‖²/(2km).

    Parameters
    ----------
    task : MemorizationTask
    n1 : int
        Hidden width. The number of parameters is n = n1 (n0 + k) and
        φ = n/(km) (Pennington & Bahri 2017).
    activation : str
        ``"tanh"`` (default) or any spec accepted by :func:`rmtsym.activation.parse_activation`.
    """

    def __init__(self, task: MemorizationTask, n1: int, activation="tanh"):
        self.task = task
        self.n1 = _whole(n1, "n1")
        self.n0, self.k, self.m = task.n0, task.k, task.m
        self.n = self.n1 * (self.n0 + self.k)
        if self.n > MAX_PARAMETERS:
            raise ParameterError(f"the network has {self.n} parameters; at most {MAX_PARAMETERS} "
                                 "are allowed (the Hessian is dense)")
        if self.k * self.m * self.n > 60_000_000:
            raise ParameterError("the Jacobian (k·m × n) would exceed 60 million entries")
        self.act = activation_derivatives(activation)
        self.activation = activation
        self._sA = 1.0 / np.sqrt(self.n0)
        self._sB = 1.0 / np.sqrt(self.n1)

    # ----------------------------------------------------------------- parameters
    @property
    def phi(self) -> float:
        """φ = n/(km), parameters per scalar target."""
        return self.n / (self.k * self.m)

    def split(self, theta) -> Tuple[np.ndarray, np.ndarray]:
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n,):
            raise ParameterError(f"θ must have {self.n} entries, got shape {theta.shape}")
        na = self.n1 * self.n0
        return theta[:na].reshape(self.n1, self.n0), theta[na:].reshape(self.k, self.n1)

    def init(self, seed: int = 0, scale: float = 1.0) -> np.ndarray:
        """θ with iid N(0, scale²) entries (the O(1) scale of this parametrisation)."""
        return scale * np.random.default_rng(seed).standard_normal(self.n)

    # ----------------------------------------------------------------- forward pass
    def _forward(self, theta):
        A, B = self.split(theta)
        h = (A @ self.task.X) * self._sA
        a, fp, fpp = self.act(h)
        yhat = (B @ a) * self._sB
        return A, B, h, a, fp, fpp, yhat - self.task.Y

    def residuals(self, theta) -> np.ndarray:
        """e = ŷ − y as a k×m array."""
        return self._forward(theta)[-1]

    def loss(self, theta) -> float:
        """L = ‖e‖²/(2km)."""
        e = self.residuals(theta)
        return float(np.sum(e * e) / (2 * self.k * self.m))

    def gradient(self, theta) -> np.ndarray:
        """∇L = Jᵀe/(km), in O(n·m) without forming J."""
        A, B, h, a, fp, fpp, e = self._forward(theta)
        km = self.k * self.m
        back = (B.T @ e) * self._sB * fp                        # n1×m: ∂L/∂h · km
        gA = back @ self.task.X.T * (self._sA / km)
        gB = e @ a.T * (self._sB / km)
        return np.concatenate([gA.ravel(), gB.ravel()])

    def loss_and_gradient(self, theta):
        return self.loss(theta), self.gradient(theta)

    def jacobian(self, theta) -> np.ndarray:
        """J (km × n), rows ordered (i, μ) row-major, J_{(iμ),α} = ∂e_{iμ}/∂θ_α."""
        A, B, h, a, fp, fpp, e = self._forward(theta)
        return self._jacobian(B, a, fp)

    def _jacobian(self, B, a, fp):
        k, m, n1, n0 = self.k, self.m, self.n1, self.n0
        X = self.task.X
        # JA[i, μ, j, l] = B_ij f'(h_jμ) x_lμ /(√n0 √n1)
        JA = (B[:, None, :, None] * (fp.T[None, :, :, None] * X.T[None, :, None, :])
              ) * (self._sA * self._sB)
        JB = np.zeros((k, m, k, n1))
        idx = np.arange(k)
        JB[idx, :, idx, :] = a.T[None, :, :] * self._sB
        return np.concatenate([JA.reshape(k * m, n1 * n0), JB.reshape(k * m, k * n1)], axis=1)

    def hessian_parts(self, theta) -> Tuple[np.ndarray, np.ndarray]:
        """(H0, H1): Gauss–Newton part JᵀJ/(km) and residual part (1/km)Σ e ∇²ŷ, exactly."""
        A, B, h, a, fp, fpp, e = self._forward(theta)
        k, m, n1, n0 = self.k, self.m, self.n1, self.n0
        km = k * m
        X = self.task.X
        J = self._jacobian(B, a, fp)
        H0 = J.T @ J / km
        na = n1 * n0
        H1 = np.zeros((self.n, self.n))
        # AA block, block-diagonal in the hidden unit j:
        #   (1/km) Σ_μ (Bᵀe)_jμ f''(h_jμ) x_lμ x_l'μ / (n0 √n1)
        D = (B.T @ e) * fpp * (self._sA ** 2 * self._sB / km)          # n1×m
        blocks = np.einsum("jm,lm,pm->jlp", D, X, X)                   # n1×n0×n0
        for j in range(n1):
            s = slice(j * n0, (j + 1) * n0)
            H1[s, s] = blocks[j]
        # AB block: H1[(j,l), (i,j)] = (1/km) Σ_μ e_iμ f'(h_jμ) x_lμ / √(n0 n1)
        C = np.einsum("im,jm,lm->jli", e, fp, X) * (self._sA * self._sB / km)   # n1×n0×k
        AB = np.zeros((n1, n0, k, n1))
        jj = np.arange(n1)
        AB[jj, :, :, jj] = C
        AB = AB.reshape(na, k * n1)
        H1[:na, na:] = AB
        H1[na:, :na] = AB.T
        return H0, H1

    def hessian(self, theta) -> np.ndarray:
        """H = ∇²L = H0 + H1 (exact)."""
        H0, H1 = self.hessian_parts(theta)
        return H0 + H1
