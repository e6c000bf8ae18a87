#!/bin/sh
# Regenerates risks-libreoffice.xlsx from its hand-kept Flat ODS source with LibreOffice
# (Debian: libreoffice-calc-nogui). The .xlsx is committed, so tests never need LibreOffice.
set -eu
cd "$(dirname "$0")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
libreoffice -env:UserInstallation="file://$profile" --headless --convert-to xlsx --outdir . risks-libreoffice.fods
