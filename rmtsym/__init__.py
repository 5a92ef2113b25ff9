"""rmtsym: a symbolic-numeric theory calculator for the random matrices of neural networks.

The package reads as the pipeline it computes::

    activation ─► gaussian moments ─► spectral equation ─► solver ─► law ─► applications / export
    activation.py  gaussian.py         pennington_worah.py   solver.py  law.py  applications/, export/
                                       algebraic.py

Founding result: J. Pennington and P. Worah, *Nonlinear random matrix theory for deep
learning*, NeurIPS 30 (2017).
"""
__version__ = "0.1.0"
