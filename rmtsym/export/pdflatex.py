"""LaTeX documents: the preamble, ASCII-safe text, and compilation with pdflatex.

:func:`document` wraps snippets (from :mod:`rmtsym.export.equations`,
:mod:`rmtsym.typeset`, a report) into a complete ``article`` that uses only amsmath,
amssymb, graphicx and geometry (Debian's texlive-latex-base + texlive-latex-recommended);
:func:`ascii_tex` makes text safe for pdflatex's default fonts; :func:`compile_pdf` runs
pdflatex and :func:`overfull_boxes` reads its log.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from typing import List, Optional, Tuple

from ..errors import RmtsymError

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\setlength{\emergencystretch}{3em}
"""


def document(body: str, title: Optional[str] = None) -> str:
    """A complete ``article`` (amsmath, amssymb, graphicx, geometry only) around ``body``.

    No font-encoding package: the default OT1 fonts need no font generation (T1 would
    make pdflatex run METAFONT without cm-super); the body must therefore be ASCII."""
    head = PREAMBLE
    if title:
        head += f"\\title{{{title}}}\n\\date{{}}\n"
    start = "\\begin{document}\n" + ("\\maketitle\n" if title else "")
    return head + start + body + "\n\\end{document}\n"


def pdflatex_path() -> Optional[str]:
    """The pdflatex executable, or None."""
    return shutil.which("pdflatex")


def compile_pdf(tex: str, workdir: Optional[str] = None, name: str = "document",
                runs: int = 1, timeout: float = 120) -> Tuple[str, str]:
    """Compile a LaTeX document with ``pdflatex -interaction=nonstopmode -halt-on-error``.

    Returns (pdf path, log text). Raises :class:`RmtsymError` when pdflatex is missing or
    the compilation fails (with the first error line of the log).
    """
    exe = pdflatex_path()
    if exe is None:
        raise RmtsymError("pdflatex is not installed (Debian: texlive-latex-base)")
    workdir = workdir or tempfile.mkdtemp(prefix="rmtsym-tex-")
    path = os.path.join(workdir, f"{name}.tex")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(tex)
    for _ in range(runs):
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                              cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout)
    log_path = os.path.join(workdir, f"{name}.log")
    log = open(log_path, encoding="latin-1").read() if os.path.exists(log_path) else proc.stdout.decode("latin-1")
    pdf = os.path.join(workdir, f"{name}.pdf")
    if proc.returncode != 0 or not os.path.exists(pdf):
        err = next((ln for ln in log.splitlines() if ln.startswith("!")), "unknown error")
        raise RmtsymError(f"pdflatex failed on {path}: {err}")
    return pdf, log


def overfull_boxes(log: str) -> List[float]:
    """The widths (pt) of all "Overfull \\hbox (Xpt too wide)" messages of a log."""
    return [float(v) for v in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log)]


_UNICODE_TEX = {"§": r"\S{}", "–": "--", "—": "---", "≤": r"$\le$", "≥": r"$\ge$", "≈": r"$\approx$",
                "Δ": r"$\Delta$", "±": r"$\pm$", "×": r"$\times$", "→": r"$\to$", "·": r"$\cdot$",
                "η": r"$\eta$", "ζ": r"$\zeta$", "φ": r"$\varphi$", "ψ": r"$\psi$", "σ": r"$\sigma$",
                "γ": r"$\gamma$", "√": r"$\surd$", "ᵀ": r"$^\top$", "’": "'", "“": "``", "”": "''"}


def ascii_tex(text: str) -> str:
    """Make LaTeX text ASCII (pdflatex with the default OT1 fonts): known symbols become
    their LaTeX commands, accented letters lose the accent, anything else becomes '?'."""
    import unicodedata

    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        elif ch in _UNICODE_TEX:
            out.append(_UNICODE_TEX[ch])
        else:
            a = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(a or "?")
    return "".join(out)


__all__ = ["PREAMBLE", "document", "ascii_tex", "pdflatex_path", "compile_pdf", "overfull_boxes"]
