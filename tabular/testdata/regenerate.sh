#!/bin/sh
# Regenerates the LibreOffice-written fixture of package tabular from its source, assets-libreoffice.fods (a
# Flat ODS file kept by hand). Needs LibreOffice (Debian: libreoffice-calc-nogui). The .xlsx it writes is
# committed, so the tests never need LibreOffice.
set -eu
cd "$(dirname "$0")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
libreoffice -env:UserInstallation="file://$profile" --headless --convert-to xlsx --outdir . assets-libreoffice.fods
