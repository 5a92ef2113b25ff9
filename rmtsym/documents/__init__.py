"""Documents put together from the pipeline and written by :mod:`rmtsym.export`.

The last stage before the command line. Export only renders what it is handed; the modules
here are the callers that obtain what a document shows from the pipeline — the
:class:`~rmtsym.pennington_worah.Derivation` at given parameters, a law, a simulation — and
hand it over:

* :mod:`rmtsym.documents.formulas` — the LaTeX of the derivation's formulas from parameters
  (η, ζ, φ, ψ) (``quartic_latex(eta, zeta, phi, psi)``, ...), with every typesetting and
  document helper of export beside them; its former name ``rmtsym.export.latex`` is an
  alias of it.
* :mod:`rmtsym.documents.report` — ``build_report`` and ``write_report`` for one activation
  (``rmtsym report``); former name ``rmtsym.export.report``.
"""
