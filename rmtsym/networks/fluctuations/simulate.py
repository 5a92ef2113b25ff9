r"""Many independent wide random networks at once (numpy), to check the fluctuation theory.

Each simulated network is the real network of :mod:`rmtsym.networks.model` fed one input x⁰
(or a pair) with ‖x⁰‖²/n_0 = Q; it records q^l = ‖h^l‖²/n_l (for a pair: both lengths and
q^l_ab = h^l_a·h^l_b/n_l, and the correlation c^l = q_ab/√(q_aa q_bb)). The sampler is
vectorised over networks and uses, per layer law, draws that are exact in law:

* Gaussian weights: given the layer's input, W x/√n_in ~ N(0, ‖x‖²/n_in · I) (and for a pair,
  the 2 × 2 Gram matrix of the inputs ⊗ I), since W is fresh and rotation invariant; so n_out
  (2 n_out) normal numbers per layer and network instead of n_out × n_in.
* Haar-orthogonal weights: W x is a uniformly random vector of squared norm n_out‖x‖²/n_in
  (n_out ≥ n_in), or the first n_out coordinates of a uniformly rotated x (n_out < n_in); a pair
  is carried by a Haar 2-frame (Gram–Schmidt of two Gaussian vectors).
* other i.i.d. laws (rademacher, uniform, student-t, sparse, callables): the full n_out × n_in
  matrices from :meth:`rmtsym.networks.weights.WeightLaw.sample`, batched.

Biases are N(0, σb²), shared by the two inputs of a pair. Networks are drawn in chunks whose
size depends only on the widths; chunk c uses the c-th child of
``numpy.random.SeedSequence(seed)``, so results do not depend on the machine.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError

__all__ = ["SimulatedFluctuations", "simulate_fluctuations", "sample_moments", "check_fluctuation_simulation",
           "MAX_NETWORKS", "MAX_DRAWS"]

#: the most networks one call may draw
MAX_NETWORKS = 2_000_000
#: the most random numbers one call may draw (about ten minutes of this machine)
MAX_DRAWS = 4e10
#: networks per chunk (Gaussian and orthogonal weights)
CHUNK = 2048
#: entries per chunk of i.i.d. weight matrices (2^22 floats = 32 MiB)
CHUNK_ENTRIES = 1 << 22


def sample_moments(X: np.ndarray) -> dict:
    """Mean, covariance and their standard errors of the rows of X (networks × L).

    The standard error of Cov(l, k) is the standard deviation of (x_l − x̄_l)(x_k − x̄_k) over
    the rows divided by √K (the delta method; exact to O(1/K)).
    """
    X = np.asarray(X, dtype=float)
    K, L = X.shape
    if K < 2:
        raise ParameterError("moments need at least 2 simulated networks")
    m = X.mean(axis=0)
    D = X - m
    cov = D.T @ D / (K - 1)
    se_cov = np.empty((L, L))
    for l in range(L):
        prod = D[:, l:l + 1] * D
        se_cov[l] = prod.std(axis=0, ddof=1) / math.sqrt(K)
    return {"mean": m, "mean_se": X.std(axis=0, ddof=1) / math.sqrt(K), "covariance": cov,
            "covariance_se": se_cov}


@dataclass
class SimulatedFluctuations:
    """The q^l of K simulated networks (one row each), with moments and standard errors.

    ``q`` is (K, L); ``p`` the post-activation mean squares ‖φ(h^l)‖²/n_l (of the first input);
    for a pair also ``q_b``, ``q_ab`` and ``correlation`` (K, L). ``stats(name)`` gives
    :func:`sample_moments` of ``"q"``, ``"p"``, ``"q_b"``, ``"q_ab"`` or ``"correlation"``.
    """
    q: np.ndarray
    widths: List[int]
    weights: List[str]
    input_mean_square: float
    seconds: float
    q_b: Optional[np.ndarray] = None
    q_ab: Optional[np.ndarray] = None
    input_kind: str = "random"
    p: Optional[np.ndarray] = None
    notes: List[str] = field(default_factory=list)
    _stats: dict = field(default_factory=dict)

    @property
    def networks(self) -> int:
        return self.q.shape[0]

    @property
    def correlation(self) -> Optional[np.ndarray]:
        if self.q_ab is None:
            return None
        return self.q_ab / np.sqrt(self.q * self.q_b)

    def stats(self, name: str = "q") -> dict:
        if name not in self._stats:
            X = self.correlation if name == "correlation" else getattr(self, name)
            if X is None:
                raise ParameterError(f"this simulation has no {name!r} (simulate a pair of inputs)")
            self._stats[name] = sample_moments(X)
        return self._stats[name]

    @property
    def mean(self):
        return self.stats()["mean"]

    @property
    def mean_se(self):
        return self.stats()["mean_se"]

    @property
    def covariance(self):
        return self.stats()["covariance"]

    @property
    def covariance_se(self):
        return self.stats()["covariance_se"]


def _draws(network, K: int, pair: bool) -> float:
    w = network.widths
    total = 0.0
    for i, layer in enumerate(network.layers):
        n_in, n_out = w[i], w[i + 1]
        if layer.weights.iid and layer.weights.name != "gaussian":
            total += n_in * n_out + n_out
        elif layer.weights.orthogonal:
            total += (2 if pair else 1) * max(n_in, n_out) + n_out
        else:
            total += (2 if pair else 1) * n_out + n_out
    return total * K


def check_fluctuation_simulation(network, networks, pair: bool = False) -> None:
    """Refuse, in one sentence and before allocating anything, a simulation that is too big."""
    from ..simulate import available_memory

    if isinstance(networks, bool) or not isinstance(networks, (int, np.integer)) or not 2 <= networks <= MAX_NETWORKS:
        raise ParameterError(f"the number of networks must be a whole number from 2 to {MAX_NETWORKS}, got {networks!r}")
    if network.widths is None:
        raise ParameterError("a simulation needs the widths of the network (--width or --widths)")
    K, L = int(networks), network.depth
    store = 8.0 * K * L * (3 if pair else 1) * 3  # the samples, their centred copy and products
    if store > 0.5 * available_memory():
        raise ParameterError(f"{K} networks of depth {L} need about {store / 2**30:.1f} GiB for their "
                             "samples, more than half of the available memory")
    draws = _draws(network, K, pair)
    if draws > MAX_DRAWS:
        raise ParameterError(f"simulating {K} networks of widths {network.widths} draws about {draws:.1e} "
                             f"random numbers (more than {MAX_DRAWS:.0e}); use fewer networks or narrower layers")


def _unit_rows(rng, rows: int, n: int) -> np.ndarray:
    g = rng.standard_normal((rows, n))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def _initial_inputs(rng, B, n0, Q, Qb, cos, kind):
    """x⁰ (and x⁰_b) for B networks: random directions (or a spike), exact squared norms."""
    if kind == "spike":
        xa = np.zeros((B, n0))
        xa[:, 0] = 1.0
    else:
        xa = _unit_rows(rng, B, n0)
    if cos is None:
        return xa * math.sqrt(n0 * Q), None
    perp = rng.standard_normal((B, n0))
    perp -= np.sum(perp * xa, axis=1, keepdims=True) * xa
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    xb = cos * xa + math.sqrt(max(0.0, 1 - cos * cos)) * perp
    return xa * math.sqrt(n0 * Q), xb * math.sqrt(n0 * Qb)


def _frame(rng, B, n):
    """Haar 2-frames (e1, e2) in R^n, B of them: Gram–Schmidt of two Gaussian vectors."""
    g = rng.standard_normal((B, 2, n))
    e1 = g[:, 0] / np.linalg.norm(g[:, 0], axis=1, keepdims=True)
    e2 = g[:, 1] - np.sum(g[:, 1] * e1, axis=1, keepdims=True) * e1
    e2 /= np.linalg.norm(e2, axis=1, keepdims=True)
    return e1, e2


def _chunk_size(network) -> int:
    w = network.widths
    size = CHUNK
    for i, layer in enumerate(network.layers):
        if layer.weights.iid and layer.weights.name != "gaussian":
            size = min(size, max(1, CHUNK_ENTRIES // (w[i] * w[i + 1])))
    return size


def _run_chunk(network, funcs, rng, B, Q, Qb, cos, kind):
    """q (and q_b, q_ab) of B networks, each (B, L)."""
    w = network.widths
    L = network.depth
    pair = cos is not None
    qa = np.empty((B, L))
    pa = np.empty((B, L))
    qb = np.empty((B, L)) if pair else None
    qab = np.empty((B, L)) if pair else None
    need_vectors = any(l.weights.iid and l.weights.name != "gaussian" for l in network.layers)
    xa = xb = None
    if need_vectors:
        xa, xb = _initial_inputs(rng, B, w[0], Q, Qb, cos, kind)
    # the Gram matrix of the layer's input per network: p_aa, p_bb, p_ab
    paa = np.full(B, float(Q))
    pbb = np.full(B, float(Qb)) if pair else None
    pab = np.full(B, float(cos) * math.sqrt(Q * Qb)) if pair else None
    for l, layer in enumerate(network.layers):
        n_in, n_out = w[l], w[l + 1]
        sw, sb = layer.sw, layer.sb
        law = layer.weights
        if law.iid and law.name != "gaussian":
            W = law.sample(rng, n_out, n_in, size=B)
            scale = sw / math.sqrt(n_in)
            ha = scale * np.einsum("bij,bj->bi", W, xa)
            hb = scale * np.einsum("bij,bj->bi", W, xb) if pair else None
            del W
        elif law.orthogonal:
            ra = np.sqrt(n_in * paa)[:, None]
            if not pair:
                if n_out >= n_in:
                    ha = sw * math.sqrt(n_out / n_in) * ra * _unit_rows(rng, B, n_out)
                else:
                    ha = sw * ra * _unit_rows(rng, B, n_in)[:, :n_out]
                hb = None
            else:
                rb = np.sqrt(n_in * pbb)[:, None]
                c = np.clip(pab / np.sqrt(paa * pbb), -1.0, 1.0)[:, None]
                s = np.sqrt(1 - c * c)
                if n_out >= n_in:
                    e1, e2 = _frame(rng, B, n_out)
                    k = sw * math.sqrt(n_out / n_in)
                else:
                    e1, e2 = _frame(rng, B, n_in)
                    e1, e2 = e1[:, :n_out], e2[:, :n_out]
                    k = sw
                ha = k * ra * e1
                hb = k * rb * (c * e1 + s * e2)
        else:  # Gaussian weights: exact in law from the input's Gram matrix
            g1 = rng.standard_normal((B, n_out))
            ha = sw * np.sqrt(paa)[:, None] * g1
            if pair:
                g2 = rng.standard_normal((B, n_out))
                sa = np.sqrt(paa)[:, None]
                rho = (pab[:, None] / sa)
                rest = np.sqrt(np.maximum(pbb[:, None] - rho * rho, 0.0))
                hb = sw * (rho * g1 + rest * g2)
            else:
                hb = None
        if sb != 0:
            bias = sb * rng.standard_normal((B, n_out))
            ha = ha + bias
            if pair:
                hb = hb + bias
        qa[:, l] = np.mean(ha * ha, axis=1)
        f = funcs[l]
        ya = f(ha)
        paa = np.mean(ya * ya, axis=1)
        pa[:, l] = paa
        if pair:
            qb[:, l] = np.mean(hb * hb, axis=1)
            qab[:, l] = np.mean(ha * hb, axis=1)
            yb = f(hb)
            pbb = np.mean(yb * yb, axis=1)
            pab = np.mean(ya * yb, axis=1)
        if need_vectors:
            xa, xb = ya, (yb if pair else None)
    return qa, qb, qab, pa


def simulate_fluctuations(network, input_mean_square=1.0, networks: int = 10_000, seed: int = 0,
                          pair_cosine: Optional[float] = None, input_mean_square_b: Optional[float] = None,
                          input_kind: str = "random") -> SimulatedFluctuations:
    r"""Simulate ``networks`` independent networks and record their q^l (module docstring).

    Parameters
    ----------
    network : Network
        With widths.
    input_mean_square : float
        Q = ‖x⁰‖²/n_0.
    networks, seed : int
        How many networks, and the root seed.
    pair_cosine : float, optional
        Simulate a pair of inputs at this cosine (lengths Q and ``input_mean_square_b``, default Q).
    input_kind : str
        ``"random"`` (a uniformly random direction) or ``"spike"`` (√(n_0 Q)·e_1); matters only
        for non-Gaussian i.i.d. weights.
    """
    if input_kind not in ("random", "spike"):
        raise ParameterError(f"the input kind must be 'random' or 'spike', got {input_kind!r}")
    pair = pair_cosine is not None
    check_fluctuation_simulation(network, networks, pair)
    Q = float(input_mean_square)
    Qb = Q if input_mean_square_b is None else float(input_mean_square_b)
    for val, name in ((Q, "the input's mean square"), (Qb, "the second input's mean square")):
        if not math.isfinite(val) or val < 0:
            raise ParameterError(f"{name} must be a finite number ≥ 0, got {val}")
    cos = None
    if pair:
        cos = float(pair_cosine)
        if not -1 <= cos <= 1:
            raise ParameterError(f"the cosine between the two inputs must lie in [-1, 1], got {pair_cosine}")
    funcs = []
    for layer in network.layers:
        if layer.activation is None:
            funcs.append(lambda t: t)
        else:
            funcs.append(layer.activation.numpy_function())
    K = int(networks)
    size = _chunk_size(network)
    n_chunks = -(-K // size)
    streams = np.random.SeedSequence(int(seed)).spawn(n_chunks)
    outs = []
    start = time.time()
    for c in range(n_chunks):
        B = min(size, K - c * size)
        rng = np.random.default_rng(streams[c])
        outs.append(_run_chunk(network, funcs, rng, B, Q, Qb, cos, input_kind))
    qa = np.concatenate([o[0] for o in outs])
    qb = np.concatenate([o[1] for o in outs]) if pair else None
    qab = np.concatenate([o[2] for o in outs]) if pair else None
    pa = np.concatenate([o[3] for o in outs])
    return SimulatedFluctuations(qa, list(network.widths), [l.weights.name for l in network.layers], Q,
                                 time.time() - start, qb, qab, input_kind, p=pa)
