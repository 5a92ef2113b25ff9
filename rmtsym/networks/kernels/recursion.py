r"""NNGP and NTK Gram matrices of deep fully connected networks at infinite width.

The network is neural-tangents' ``stax.serial(Dense, (φ_1, Dense), …, (φ_L, Dense))`` in
the NTK parameterization (Jacot, Gabriel & Hongler, NeurIPS 2018; Lee et al., ICLR 2018;
Novak et al., "Neural Tangents", ICLR 2020), i.e. a :class:`~rmtsym.networks.model.Network`
with a linear read-out: layer l has weight and bias scales σ_{w,l}, σ_{b,l}. For inputs
x, x′ ∈ R^d the kernels obey

    first Dense:  K = σ_w² x·x′/d + σ_b²,              Θ = K
    through φ:    K ← E[φ(u)φ(v)],                     Θ ← Θ · E[φ′(u)φ′(v)]
    Dense:        K ← σ_w² K + σ_b²,                   Θ ← K + σ_w² Θ

with (u, v) ~ N(0, K restricted to {x, x′}). K is the NNGP (the prior covariance of the
output), Θ the neural tangent kernel. The two-point expectations come from
:mod:`rmtsym.networks.kernels.closed_forms` when the activation has one, else from
:mod:`rmtsym.networks.kernels.quadrature`. Memory is
O(n²): the Grams, two work arrays, and blocks of a few MB.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError, RmtsymError

__all__ = ["KernelResult", "ActivationKernel", "kernel_matrices", "activation_kernel",
           "check_gram_size", "BYTES_PER_ENTRY"]

#: float64 arrays of the Gram's size held at once during a recursion (K, Θ, F, Ḟ, work)
BYTES_PER_ENTRY = 8 * 6


def check_gram_size(n1: int, n2: int, what: str = "the Gram matrix") -> None:
    """Refuse (one sentence) a recursion whose arrays would not fit in half the memory."""
    from ..simulate import available_memory
    need = BYTES_PER_ENTRY * int(n1) * int(n2)
    if need > 0.5 * available_memory():
        raise ParameterError(f"{what} of {n1}×{n2} inputs needs about {need / 2**30:.1f} GiB, more than "
                             "half of this machine's available memory")


class ActivationKernel:
    """F(a, b, c) = E[φ(u)φ(v)] and Ḟ = E[φ′(u)φ′(v)] of one activation, for all pairs.

    ``method`` says how: a closed form (:func:`.closed_forms.detect_closed_form`) or the
    separable quadrature (:class:`.quadrature.PairQuadrature`, with an error bound).
    """

    def __init__(self, activation, tol: Optional[float] = None, quadrature: bool = False):
        import sympy as sp

        from .closed_forms import detect_closed_form
        from .quadrature import DEFAULT_TOL, PairQuadrature
        from ..integrals import integrals_for
        self.activation = activation
        self.closed = None if quadrature else detect_closed_form(activation)
        self.has_derivative = True
        if self.closed is not None:
            self.method = self.closed.method
            self.has_derivative = self.closed.has_derivative
            self.quad = None
        else:
            f = activation.numpy_function()
            if sp.diff(activation.expr, sp.Symbol("x", real=True)).has(sp.DiracDelta) or \
                    sp.diff(activation.expr, *activation.expr.free_symbols).has(sp.DiracDelta):
                # a jump: the NNGP exists, the NTK does not (φ′ has a Dirac mass)
                kinks = []
                for b in activation.breakpoints():
                    try:
                        kinks.append(float(b))
                    except (TypeError, ValueError):
                        pass
                df = None
                self.has_derivative = False
            else:
                I = integrals_for(activation)
                kinks = [float(k) for k in I.kinks]
                df = I._np(True)
            self.quad = PairQuadrature(f, df, kinks, DEFAULT_TOL if tol is None else tol)
            self.method = ("separable quadrature (Mehler–Hermite series, Chebyshev tables in "
                           "arccos ρ and σ, polar rule at kinks)")
        self.last_error = 0.0

    def pair(self, q1, q2, C, ntk: bool, symmetric: bool):
        if ntk and not self.has_derivative:
            raise ParameterError("the activation has a jump, so φ′ has a Dirac mass and the NTK is infinite")
        if self.closed is not None:
            F, dF = _closed_pair(self.closed, q1, q2, C, ntk, symmetric)
            self.last_error = 0.0
            return F, dF
        F, dF, err = self.quad.pair(q1, q2, C, ntk=ntk, symmetric=symmetric)
        self.last_error = err
        return F, dF

    def diagonal(self, q, ntk: bool):
        q = np.asarray(q, dtype=float)
        if self.closed is not None:
            F, dF = self.closed.diagonal(q, ntk)
            return np.asarray(F, dtype=float) + 0 * q, (None if dF is None else np.asarray(dF, dtype=float) + 0 * q), 0.0
        return self.quad.diagonal(q, ntk)


def _closed_pair(cf, q1, q2, C, ntk, symmetric=False, block: int = 64):
    """Closed form over row blocks (cache-sized); a symmetric Gram computes the blocks on
    and above the diagonal and mirrors them."""
    n1, n2 = C.shape
    F = np.empty((n1, n2))
    dF = np.empty((n1, n2)) if ntk else None
    q1 = np.asarray(q1, dtype=float)
    q2 = np.asarray(q2, dtype=float)
    for i0 in range(0, n1, block):
        i1 = min(n1, i0 + block)
        j0 = i0 if symmetric else 0
        f, d = cf.pair(q1[i0:i1, None], q2[None, j0:], C[i0:i1, j0:], ntk)
        F[i0:i1, j0:] = f
        if ntk:
            dF[i0:i1, j0:] = d
        if symmetric and i1 < n2:
            F[i1:, i0:i1] = F[i0:i1, i1:].T
            if ntk:
                dF[i1:, i0:i1] = dF[i0:i1, i1:].T
    return F, dF


def _closed_layer(cf, q1, q2, K, T, a2, b2, symmetric, block: int = 128):
    """One (φ → Dense) step in place, block by block (each block stays in cache):
    K ← a2·F + b2, T ← K + a2·T·Ḟ. Row blocks run on up to two threads (numpy releases
    the GIL in its loops). A symmetric Gram is computed on and above the diagonal and
    mirrored."""
    from concurrent.futures import ThreadPoolExecutor
    n1, n2 = K.shape
    ntk = T is not None

    def rows(i0):
        i1 = min(n1, i0 + block)
        j0 = i0 if symmetric else 0
        f, d = cf.pair(q1[i0:i1, None], q2[None, j0:], K[i0:i1, j0:], ntk)
        f *= a2
        f += b2
        K[i0:i1, j0:] = f
        if ntk:
            d *= a2
            d *= T[i0:i1, j0:]
            d += f
            T[i0:i1, j0:] = d

    starts = list(range(0, n1, block))
    workers = min(2, os.cpu_count() or 1) if n1 * n2 >= 1 << 16 else 1
    if workers > 1:
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(rows, starts))
    else:
        for i0 in starts:
            rows(i0)
    if symmetric:
        for i0 in starts:
            i1 = min(n1, i0 + block)
            if i1 < n2:
                K[i1:, i0:i1] = K[i0:i1, i1:].T
                if ntk:
                    T[i1:, i0:i1] = T[i0:i1, i1:].T


_KERNEL_CACHE: dict = {}


def activation_kernel(activation, quadrature: bool = False) -> ActivationKernel:
    """Cached :class:`ActivationKernel` (keyed by the formula); ``quadrature=True`` forces
    the general method even where a closed form exists (to check one against the other)."""
    import sympy as sp
    key = (sp.srepr(activation.expr), bool(quadrature))
    if key not in _KERNEL_CACHE:
        _KERNEL_CACHE[key] = ActivationKernel(activation, quadrature=quadrature)
    return _KERNEL_CACHE[key]


@dataclass
class KernelResult:
    """NNGP K and NTK Θ between two sets of inputs (or one), with their diagonals.

    ``nngp``, ``ntk``: (n1, n2) arrays (``ntk`` None when not asked for);
    ``nngp_diag1/2``, ``ntk_diag1/2``: K(x, x) and Θ(x, x) of each set (the variances a GP
    needs); ``layers``: K after each Dense when ``keep_layers``; ``methods``: per activation;
    ``error``: an absolute error bound of the two-point expectations, accumulated over the
    layers with the factor σ_w² max|Ḟ| of each later layer; ``network``: the description.
    """
    nngp: np.ndarray
    ntk: Optional[np.ndarray]
    nngp_diag1: np.ndarray
    nngp_diag2: np.ndarray
    ntk_diag1: Optional[np.ndarray]
    ntk_diag2: Optional[np.ndarray]
    methods: List[str]
    error: float
    network: dict
    layers: List[np.ndarray] = field(default_factory=list)
    details: List[dict] = field(default_factory=list)


def _as_inputs(X, name):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ParameterError(f"{name} must be a 2-D array with one input per row")
    if not np.all(np.isfinite(X)):
        raise ParameterError(f"{name} holds NaN or infinite entries")
    return X


def kernel_matrices(network, X1, X2=None, ntk: bool = True, keep_layers: bool = False,
                    method: str = "auto") -> KernelResult:
    r"""NNGP and NTK of a network (module docstring) between the rows of X1 and X2.

    Parameters
    ----------
    network : Network
        From :meth:`Network.build(..., readout=True)`; its last layer must be the linear
        read-out. The weight law does not matter at infinite width (any i.i.d. law of unit
        variance gives the same kernels).
    X1, X2 : arrays (n1, d), (n2, d)
        Inputs, one per row; X2 = None means the symmetric Gram of X1.
    ntk : bool
        Also the neural tangent kernel.
    keep_layers : bool or iterable of int
        Keep the NNGP after every Dense (memory L·n1·n2), or only after the Dense layers
        whose depth l (0 = the first Dense) is listed; ``layers`` then holds those in order.
    method : "auto" or "quadrature"
        "quadrature" uses the general method even for activations with a closed form.

    Returns
    -------
    KernelResult
    """
    X1 = _as_inputs(X1, "the inputs")
    sym = X2 is None
    X2 = X1 if sym else _as_inputs(X2, "the second set of inputs")
    if X1.shape[1] != X2.shape[1]:
        raise ParameterError(f"the two sets of inputs have dimensions {X1.shape[1]} and {X2.shape[1]}")
    layers = network.layers
    if layers[-1].activation is not None:
        raise ParameterError("the network needs its linear read-out (Network.build(..., readout=True))")
    n1, n2 = X1.shape[0], X2.shape[0]
    check_gram_size(n1, n2)
    if method not in ("auto", "quadrature"):
        raise ParameterError(f"method must be 'auto' or 'quadrature', got {method!r}")
    d = X1.shape[1]
    sw2, sb2 = layers[0].sw ** 2, layers[0].sb ** 2
    K = X1 @ X2.T
    K *= sw2 / d
    K += sb2
    q1 = sw2 * np.einsum("ij,ij->i", X1, X1) / d + sb2
    q2 = q1 if sym else sw2 * np.einsum("ij,ij->i", X2, X2) / d + sb2
    if sym:
        np.fill_diagonal(K, q1)
    T = K.copy() if ntk else None
    t1, t2 = (q1.copy(), q2.copy()) if ntk else (None, None)
    keep = (set(range(len(layers))) if keep_layers is True else
            set(int(v) for v in keep_layers) if keep_layers else set())
    kept = [K.copy()] if 0 in keep else []
    err = 0.0
    methods, details = [], []
    for l in range(len(layers) - 1):
        act = layers[l].activation
        nxt = layers[l + 1]
        ak = activation_kernel(act, quadrature=(method == "quadrature"))
        if ntk and not ak.has_derivative:
            raise ParameterError("the activation has a jump, so φ′ has a Dirac mass and the NTK is infinite")
        a2, b2 = nxt.sw ** 2, nxt.sb ** 2
        F1, dF1, e1 = ak.diagonal(q1, ntk)
        F2, dF2, e2 = (F1, dF1, e1) if sym else ak.diagonal(q2, ntk)
        if not (np.all(np.isfinite(F1)) and np.all(np.isfinite(F2))):
            raise RmtsymError("the kernel overflowed (σw too large for this depth)")
        methods.append(ak.method)
        if ak.closed is not None:
            # fused closed-form step, in place; exact diagonal afterwards
            amp = a2 * max(float(np.max(np.abs(dF1))) if ntk else 1.0, 1.0)
            _closed_layer(ak.closed, q1, q2, K, T, a2, b2, sym)
            err = err * amp
        else:
            F, dF = ak.pair(q1, q2, K, ntk, sym)
            if not np.all(np.isfinite(F)):
                raise RmtsymError("the kernel overflowed (σw too large for this depth)")
            # error: this layer's bound, and what the earlier ones become through this layer
            amp = a2 * (float(np.max(np.abs(dF))) if ntk else
                        float(np.max(np.abs(F1)) / max(float(np.min(q1)), 1e-300)))
            err = err * amp + a2 * max(ak.last_error, e1, e2)
            details.append(dict(ak.quad.report))
            np.multiply(F, a2, out=F)
            F += b2
            if ntk:
                np.multiply(T, dF, out=T)
                T *= a2
                T += F
            K = F
            del dF
        t_prev1, t_prev2 = t1, t2
        q1_new = a2 * F1 + b2
        q2_new = q1_new if sym else a2 * F2 + b2
        if ntk:
            t1 = q1_new + a2 * t_prev1 * dF1
            t2 = t1 if sym else q2_new + a2 * t_prev2 * dF2
        q1, q2 = q1_new, q2_new
        if sym:
            np.fill_diagonal(K, q1)
            if ntk:
                np.fill_diagonal(T, t1)
        if l + 1 in keep:
            kept.append(K.copy())
    return KernelResult(K, T, q1, q2, t1, t2, methods, err, network.describe(), kept, details)
