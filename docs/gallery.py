"""Refresh the documentation gallery: run every derivation script with ``--fast`` and keep its
note and figures in ``docs/gallery/NAME/`` (about a minute and a half on one core).

    python docs/gallery.py [NAME ...]
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main(names):
    scripts = sorted(glob.glob(os.path.join(ROOT, "derivations", "[a-z]*.py")))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    for script in scripts:
        name = os.path.splitext(os.path.basename(script))[0]
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, script, "--fast", "--out", tmp], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            dest = os.path.join(HERE, "gallery", name)
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest)
            for f in ["note.md"] + sorted(glob.glob(os.path.join(tmp, "*.png"))):
                shutil.copy(os.path.join(tmp, f), dest)
        print(f"gallery/{name}: refreshed")


if __name__ == "__main__":
    main(sys.argv[1:])
