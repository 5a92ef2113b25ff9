"""Finite-width fluctuations of the order parameters of deep random networks.

Modules are imported on demand (``from rmtsym.networks.fluctuations import gaussian``).
"""
