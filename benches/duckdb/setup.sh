#!/usr/bin/env bash
# Installs the DuckDB Python package the rules benchmark compares against.
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check "duckdb==2.0.1"
