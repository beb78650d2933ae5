#!/usr/bin/env sh
# One-file build of cxm-replicator with PyInstaller, in a throw-away venv (never the
# project's). The same steps make the Windows .exe on a Windows build box (see
# docs/replicator.md); run from the repository root:  sh replicator/packaging/build-onefile.sh
set -eu
venv=${BUILD_VENV:-/tmp/cxm-replicator-build}
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet ./replicator pyinstaller==6.22.3
# Providers are imported by name at run time: collect them. keyring's backends come with
# PyInstaller's own keyring hook (the hidden import only makes the OS store explicit).
"$venv/bin/pyinstaller" --noconfirm --onefile --name cxm-replicator \
    --collect-submodules cxm_replicator.providers \
    --hidden-import keyring.backends.SecretService \
    --workpath "$venv/work" --specpath "$venv" --distpath build/replicator \
    replicator/cxm_replicator/__main__.py
rm -rf replicator/build  # pip's in-tree build of ./replicator
build/replicator/cxm-replicator --version
