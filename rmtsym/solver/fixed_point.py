"""Newton's method in fixed-point integer arithmetic with rigorous rounding bounds.

Numbers are Python integers scaled by 2**P; every operation errs by at most one unit in the
last place, and the bounds add these up, which makes the root-inclusion radius rigorous for
the exact polynomial. The certified path of :class:`~rmtsym.solver.BranchSolver` uses it.
"""
from __future__ import annotations



# Numbers are Python integers scaled by 2**P ("fixed point"); a complex number is a pair.
# Every product is floored after the shift, so each operation errs by at most one unit in
# the last place (ulp = 2**-P); the error bounds below add these up, which makes the
# root-inclusion radius rigorous for the exact polynomial (up to the 0.5 ulp rounding of
# the coefficient table, included too).

def _fx_horner_real(row, X, P):
    """Σ_j row[j] x^j with X = x·2^P (integers), and an error bound in ulps."""
    acc = 0
    err = 0.0
    ax = abs(X) / 2.0 ** P
    for cf in reversed(row):
        acc = ((acc * X) >> P) + cf
        err = err * ax + 1.5
    return acc, err


def _fx_horner_complex(row, Xr, Xi, P):
    ar = ai = 0
    err = 0.0
    ax = (abs(Xr) + abs(Xi)) / 2.0 ** P
    for cf in reversed(row):
        ar, ai = ((ar * Xr - ai * Xi) >> P) + cf, (ar * Xi + ai * Xr) >> P
        err = err * ax + 2.5
    return ar, ai, err


def _fx_eval(coeffs, gr, gi, P):
    """p(g) and p'(g) (pairs of ints) by Horner, for coefficient pairs, lowest power first."""
    d = len(coeffs) - 1
    pr, pi_ = coeffs[d]
    qr = qi = 0
    for k in range(d - 1, -1, -1):
        qr, qi = ((qr * gr - qi * gi) >> P) + pr, ((qr * gi + qi * gr) >> P) + pi_
        cr, ci = coeffs[k]
        pr, pi_ = ((pr * gr - pi_ * gi) >> P) + cr, ((pr * gi + pi_ * gr) >> P) + ci
    return pr, pi_, qr, qi


def _fx_newton(coeffs, cerr, seed, P, maxiter=40):
    """Newton's method in fixed point from a complex seed; returns (g, radius) or None.

    ``coeffs`` are pairs of ints (lowest power first) with error bounds ``cerr`` in ulps.
    The radius bounds the distance from g to a root of the exact polynomial:
    d·(|p(g)| + E_p)/(|p'(g)| − E_p'), with E the accumulated rounding bounds.
    """
    one = 1 << P
    gr = int(round(seed.real * 2.0 ** 52)) << (P - 52) if P > 52 else int(round(seed.real * one))
    gi = int(round(seed.imag * 2.0 ** 52)) << (P - 52) if P > 52 else int(round(seed.imag * one))
    tol = 1 << 8
    last = None
    for it in range(maxiter):
        pr, pi_, qr, qi = _fx_eval(coeffs, gr, gi, P)
        den = qr * qr + qi * qi
        if den == 0:
            return None
        sr = ((pr * qr + pi_ * qi) << P) // den
        si = ((pi_ * qr - pr * qi) << P) // den
        size = abs(sr) + abs(si)
        if last is not None and it > 2 and size > last // 2 and size < (1 << (P // 2)):
            break  # rounding noise reached: the steps no longer shrink (certified below)
        gr -= sr
        gi -= si
        if size <= tol:
            break
        last = size
    else:
        return None
    pr, pi_, qr, qi = _fx_eval(coeffs, gr, gi, P)
    d = len(coeffs) - 1
    ag = (abs(gr) + abs(gi)) / 2.0 ** P + 1.0
    # error bounds (ulps) of the Horner values p and p'
    ep = cerr[d]
    eq = 0.0
    for k in range(d - 1, -1, -1):
        eq = eq * ag + ep + 2.0
        ep = ep * ag + cerr[k] + 2.0
    mag_p = float(abs(pr) + abs(pi_)) + ep
    mag_q = (float(qr) ** 2 + float(qi) ** 2) ** 0.5 - eq
    if mag_q <= 0:
        return None
    radius = d * mag_p / mag_q
    return gr, gi, radius
