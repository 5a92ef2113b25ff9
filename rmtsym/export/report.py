"""Former name of :mod:`rmtsym.documents.report` (``build_report``, ``write_report``, with the
renderers ``render_tex``, ``render_markdown`` of :mod:`rmtsym.export.report_document`); the same
module object."""
import sys

from ..documents import report as _moved

sys.modules[__name__] = _moved
