"""Test configuration shared by every test file.

BLAS threads: the suite runs on 2-core machines (CI) next to other processes; numpy's
multithreaded OpenBLAS then thrashes (10-50x slower on small Wishart products). One thread
per process is set here, before numpy is first imported by a test module.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
