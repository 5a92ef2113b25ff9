r"""Simulation of actual random networks (numpy, float64), to check every claim of the theory.

For a :class:`~rmtsym.networks.model.Network` with widths, each draw builds the real network
— weights from each layer's law (:mod:`rmtsym.networks.weights`), biases N(0, σb²) — feeds it
an input x⁰ with ‖x⁰‖²/n_0 = Q exactly (a uniformly random direction), and records

* the eigenvalues of J Jᵀ (n_L × n_L), J = D^L W̃^L ⋯ D^1 W̃^1, computed on the smaller of
  the two Gram sides (J Jᵀ or JᵀJ, padded with zeros);
* the variances q^l = ‖h^l‖²/n_l that the input met.

Networks are drawn in batches (stacked matrix products) whose size keeps the memory within a
few matrices of the largest layer; each draw has its own independent stream from
``numpy.random.SeedSequence(seed).spawn``, so a result does not depend on the batch size.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ..errors import ParameterError
from .integrals import integrals_for
from .model import Network

__all__ = ["NetworkSample", "sample_networks", "available_memory", "check_simulation_size",
           "fixed_point_input", "MAX_SEEDS"]

#: the most networks one call may draw
MAX_SEEDS = 1_000_000


def available_memory() -> int:
    """Bytes of memory available to a simulation (see :func:`rmtsym.resources.available_memory`)."""
    from ..resources import available_memory as _available

    return _available()


@dataclass
class NetworkSample:
    """Eigenvalues of J Jᵀ and the q^l met, one row per simulated network."""
    eigenvalues: List[np.ndarray]
    q: np.ndarray                 # (networks, L)
    input_mean_square: float
    widths: List[int]
    weights: list
    seconds: float = 0.0
    notes: list = field(default_factory=list)

    @property
    def pooled(self) -> np.ndarray:
        return np.sort(np.concatenate(self.eigenvalues)) if self.eigenvalues else np.array([])


def _bytes_per_network(widths, jacobian: bool) -> int:
    n0 = widths[0]
    peak = 0
    for a, b in zip(widths[:-1], widths[1:]):
        cost = a * b + 2 * b  # W, h, x
        if jacobian:
            cost += a * n0 + b * n0  # J before and after the layer
        peak = max(peak, cost)
    if jacobian:
        side = min(widths[0], widths[-1])
        peak = max(peak, widths[-1] * n0 + 2 * side * side)
    return 8 * peak


def check_simulation_size(widths, seeds: int, jacobian: bool = True) -> None:
    """Refuse, with one sentence, a simulation that cannot fit (before allocating anything)."""
    if isinstance(seeds, bool) or int(seeds) != seeds or not 1 <= int(seeds) <= MAX_SEEDS:
        raise ParameterError(f"the number of networks must be a whole number from 1 to {MAX_SEEDS}")
    need = _bytes_per_network(widths, jacobian)
    if need > 0.5 * available_memory():
        raise ParameterError(f"one network of widths {widths} needs about {need / 2**30:.1f} GiB, more "
                             "than half of this machine's available memory")


def _input(rng, n0: int, Q: float, batch: int) -> np.ndarray:
    g = rng.standard_normal((batch, n0))
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g * (math.sqrt(Q * n0) / norms)


def _progress(enabled: bool, done: int, total: int, start: float) -> None:
    if enabled:
        rate = done / max(time.time() - start, 1e-9)
        left = (total - done) / max(rate, 1e-9)
        print(f"\rsimulating networks: {done}/{total}  ({left:.0f} s left)", end="",
              file=sys.stderr, flush=True)
        if done == total:
            print("", file=sys.stderr, flush=True)


def sample_networks(network: Network, input_mean_square, seeds: int = 1, seed: int = 0,
                    jacobian: bool = True, progress: Optional[bool] = None,
                    batch_bytes: int = 256 << 20) -> NetworkSample:
    r"""Simulate ``seeds`` independent networks (module docstring).

    Parameters
    ----------
    network : Network
        With widths (``Network.build(..., widths=...)`` or ``network.with_widths``).
    input_mean_square : float
        Q = ‖x⁰‖²/n_0 of the input fed to each network.
    seeds, seed : int
        Number of networks, and the root seed of their independent streams.
    jacobian : bool
        Also form J and the eigenvalues of J Jᵀ (else only the q^l, much cheaper).
    progress : bool, optional
        A progress line on stderr; by default shown when stderr is a terminal and the run
        is estimated to take more than 2 s.
    """
    widths = network.widths
    if widths is None:
        raise ParameterError("a simulation needs the widths of the network (--widths or --width)")
    check_simulation_size(widths, seeds, jacobian)
    Q = float(input_mean_square)
    if not math.isfinite(Q) or Q < 0:
        raise ParameterError(f"the input's mean square must be a finite number ≥ 0, got {input_mean_square}")
    seeds = int(seeds)
    streams = np.random.SeedSequence(int(seed)).spawn(seeds)
    per = _bytes_per_network(widths, jacobian)
    batch = int(max(1, min(seeds, batch_bytes // max(per, 1))))
    flops = sum(a * b * (1 + (widths[0] if jacobian else 0)) for a, b in zip(widths[:-1], widths[1:]))
    est = seeds * flops / 2e9
    show = progress if progress is not None else (est > 2 and sys.stderr.isatty())
    funcs = []
    for layer in network.layers:
        if layer.activation is None:
            funcs.append((None, None))
        else:
            I = integrals_for(layer.activation)
            funcs.append((I._np(False), I._np(True)))
    eig_out: List[np.ndarray] = []
    q_out = np.empty((seeds, network.depth))
    start = time.time()
    for b0 in range(0, seeds, batch):
        idx = range(b0, min(seeds, b0 + batch))
        rngs = [np.random.default_rng(s) for s in (streams[i] for i in idx)]
        B = len(rngs)
        x = np.stack([_input(r, widths[0], Q, 1)[0] for r in rngs])          # (B, n0)
        J = None
        for l, (layer, (f, df)) in enumerate(zip(network.layers, funcs)):
            n_in, n_out = widths[l], widths[l + 1]
            W = np.stack([layer.weights.sample(r, n_out, n_in) for r in rngs])  # (B, n_out, n_in)
            W *= layer.sw / math.sqrt(n_in)
            h = np.einsum("bij,bj->bi", W, x)
            if layer.sb != 0:
                h += layer.sb * np.stack([r.standard_normal(n_out) for r in rngs])
            q_out[b0:b0 + B, l] = np.mean(h * h, axis=1)
            if f is None:
                x, d = h, np.ones_like(h)
            else:
                x = np.asarray(f(h), dtype=float)
                d = np.asarray(df(h), dtype=float) if jacobian else None
            if jacobian:
                A = d[:, :, None] * W
                J = A if J is None else np.matmul(A, J)
            del W
        if jacobian:
            n0, nL = widths[0], widths[-1]
            for k in range(B):
                Jk = J[k]
                if nL <= n0:
                    e = np.linalg.eigvalsh(Jk @ Jk.T)
                else:
                    e = np.concatenate([np.zeros(nL - n0), np.linalg.eigvalsh(Jk.T @ Jk)])
                eig_out.append(np.clip(e, 0.0, None))
        _progress(show, min(seeds, b0 + batch), seeds, start)
    return NetworkSample(eig_out, q_out, Q, list(widths), [l.weights.name for l in network.layers],
                         time.time() - start)


def fixed_point_input(network: Network, dps: int = 15) -> float:
    """The input mean square Q that puts layer 1 at the fixed point q* (homogeneous networks)."""
    from .mean_field import mean_field
    return float(mean_field(network, None, dps=dps).input_mean_square.value)

