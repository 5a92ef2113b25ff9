"""Generalization of random-feature ridge regression: test error and double descent.

* :mod:`.coefficients` — μ0, μ1, μ*, ζ_MM = μ1/μ* of an activation (Mei & Montanari 2022),
  from the Gaussian-moment engine, with ζ_MM² = ζ_PW/(η_PW − ζ_PW).
* :mod:`.mei_montanari` — the asymptotic test risk R = F1²B + (τ² + F*²)V + F*², its bias B and
  variance V, and the training error, at any precision and vectorised for curves.
* :mod:`rmtsym.applications.generalization.limits` — closed forms of the limits λ → ∞, ψ1 → ∞ (kernel ridge regression) and
  ψ2 → ∞ (infinite data).
* :mod:`.deterministic_equivalent` — Louart, Liao & Couillet's deterministic equivalent of
  the training and test errors for a given data matrix and targets.
* :mod:`.simulate` — Monte Carlo of the exact model (ridge solved directly, errors over seeds).
* :mod:`.curve` — the one-call front end used by the command line.
"""
