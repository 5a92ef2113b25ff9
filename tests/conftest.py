"""Test configuration shared by every test file.

BLAS threads: the suite runs on 2-core machines (CI) next to other processes; numpy's
multithreaded OpenBLAS then thrashes (10-50x slower on small Wishart products). One thread
per process is set here, before numpy is first imported by a test module.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


import pytest  # noqa: E402


def _openblas_threads():
    """(get, set) for numpy's bundled OpenBLAS thread count, or None.

    On this shared 2-core machine a multithreaded BLAS under load is ~10-50× slower for
    the small Monte Carlo matrices here (measured 14 s vs 0.3 s for five 400×800
    Wisharts); the Monte Carlo tests therefore run single-threaded and restore the
    setting afterwards.
    """
    import ctypes
    import glob

    import numpy as np
    libs = glob.glob(os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs", "libscipy_openblas*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            get, set_ = lib.scipy_openblas_get_num_threads64_, lib.scipy_openblas_set_num_threads64_
        except (OSError, AttributeError):
            continue
        set_.argtypes = [ctypes.c_int]
        return get, set_
    return None


@pytest.fixture
def single_thread_blas():
    handles = _openblas_threads()
    if handles is None:
        yield
        return
    get, set_ = handles
    before = get()
    set_(1)
    try:
        yield
    finally:
        set_(before)


@pytest.fixture
def pdflatex_available():
    """Whether pdflatex is installed. In CI (environment variable CI set) a missing engine
    is a failure, never a skip: the LaTeX exports must be compiled there."""
    import shutil

    if shutil.which("pdflatex") is not None:
        return True
    if os.environ.get("CI"):
        pytest.fail("pdflatex is required in CI (texlive-latex-base)")
    return False


@pytest.fixture
def require_pdflatex(pdflatex_available):
    """Skip a LaTeX-compiling test locally when pdflatex is missing (fails in CI instead)."""
    if not pdflatex_available:
        pytest.skip("pdflatex not installed")
