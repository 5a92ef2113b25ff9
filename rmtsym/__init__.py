"""rmtsym: a symbolic-numeric theory calculator for the random matrices of neural networks.

The package reads as the pipeline it computes (each stage imports only earlier ones)::

    activation ─► gaussian moments ─► spectral equation ─► solver ─► law ─► simulation
    activation/   gaussian/           pennington_worah.py   solver/    law.py  sampler.py
                                      algebraic.py, moments/                   validation.py
    ─► applications / networks ─► export ─► documents ─► cli
       applications/, networks/    export/   documents/    cli/

Founding result: J. Pennington and P. Worah, *Nonlinear random matrix theory for deep
learning*, NeurIPS 30 (2017).
"""
__version__ = "0.1.0"
