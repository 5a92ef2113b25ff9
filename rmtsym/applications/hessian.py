"""Moved to :mod:`rmtsym.applications.loss_surface.model`; the old name stays an alias of the same module.

``rmtsym.applications.hessian`` keeps every public name (``hessian_law``, ``index``,
``critical_energy``, ``hessian_summary``, ...): it *is* the model module.
"""
import sys

from .loss_surface import model as _moved

sys.modules[__name__] = _moved
