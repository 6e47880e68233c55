#!/usr/bin/env bash
# Install welllog into a virtualenv exactly as the container image does (the Dockerfile runs this
# script, and tests/test_api_container.py runs it into a throwaway venv, so the two cannot drift).
#
#   scripts/container_install.sh SRC_DIR VENV_DIR
#
# Pins come from the same requirements.lock that `make setup` uses; the package itself is then
# installed without re-resolving dependencies. Extra pip options (e.g. --no-index --find-links,
# or a cache dir) can be passed in PIP_INSTALL_OPTS.
set -euo pipefail

SRC="${1:?usage: container_install.sh SRC_DIR VENV_DIR}"
VENV="${2:?usage: container_install.sh SRC_DIR VENV_DIR}"
PYTHON="${PYTHON:-python3}"
read -r -a EXTRA <<<"${PIP_INSTALL_OPTS:-}"

"$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install --quiet "${EXTRA[@]}" -r "$SRC/requirements.lock"
# not editable: the image must not depend on the build context staying around
"${PIP[@]}" install --quiet "${EXTRA[@]}" --no-deps --no-build-isolation "$SRC"
"$VENV/bin/welllog" --help >/dev/null
echo "welllog installed into $VENV"
