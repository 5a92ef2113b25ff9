"""Export: render what the pipeline hands over; derive nothing.

* :mod:`rmtsym.export.equations` — LaTeX of the objects of a
  :class:`~rmtsym.pennington_worah.Derivation` (P-equation, quartic, special case, edge
  equation, moments) and of the memorization and layer formulas;
* :mod:`rmtsym.export.report_document` — the report of one activation as LaTeX or Markdown,
  from a :class:`~rmtsym.export.report_document.ReportData`;
* :mod:`rmtsym.export.pdflatex` — complete documents, ASCII-safe text, pdflatex;
* :mod:`rmtsym.export.plots` — a sampled spectrum against a law's density;
  :mod:`rmtsym.export.figures` — curves for derivations and reports.

Formatting shared with the lower stages (``_repr_latex_``) is in :mod:`rmtsym.typeset`. The
callers that obtain a derivation or a simulation and hand it here are in
:mod:`rmtsym.documents`; ``rmtsym.export.latex`` and ``rmtsym.export.report`` are the former
names of :mod:`rmtsym.documents.formulas` and :mod:`rmtsym.documents.report`.
"""
