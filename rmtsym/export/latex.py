"""Former name of :mod:`rmtsym.documents.formulas` (the LaTeX of the Pennington–Worah formulas
at given parameters, with every typesetting and document helper); the same module object."""
import sys

from ..documents import formulas as _moved

sys.modules[__name__] = _moved
