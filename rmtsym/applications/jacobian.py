"""Moved to :mod:`rmtsym.networks.jacobian`; the old name stays an alias of the same module."""
import sys

from ..networks import jacobian as _moved

sys.modules[__name__] = _moved
