#!/bin/sh
# deps.sh -- install the Debian packages myoknot needs, only those missing.
# Each package and why it is here is listed in README.md ("Dependencies").
set -eu
PKGS="build-essential cmake pkg-config
libsundials-dev libudunits2-dev libyaml-dev libcjson-dev libplplot-dev plplot-driver-cairo libcmocka-dev libnlopt-dev liblapack-dev libgsl-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install:$missing" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
