#!/usr/bin/python3
"""Writes the reference vectors of tests/vectors/ with Debian's SciPy, statsmodels and NumPy.

Runs every tests/vectors/gen_*.py next to this file (each writes its own <name>.json).
Debian's interpreter on purpose: the python3 first on PATH may lack these packages.
usage: tests/vectors/make_vectors.py [NAME ...]   (default: all generators)
"""
import pathlib
import runpy
import sys

here = pathlib.Path(__file__).resolve().parent
wanted = set(sys.argv[1:])
for gen in sorted(here.glob("gen_*.py")):
    name = gen.stem[len("gen_"):]
    if wanted and name not in wanted:
        continue
    print(f"make_vectors.py: {gen.name}", flush=True)
    runpy.run_path(str(gen), run_name="__main__")
