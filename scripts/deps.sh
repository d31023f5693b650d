#!/bin/sh
# deps.sh -- install the Debian packages myoknot needs, only those missing.
# Each package and why it is here is listed in README.md ("Dependencies").
set -eu
PKGS="build-essential cmake pkg-config dpkg-dev xz-utils
libsundials-dev libsuitesparse-dev libudunits2-dev libyaml-dev libcjson-dev libplplot-dev plplot-driver-cairo libcairo2-dev zlib1g-dev libcmocka-dev libsbml5-dev libnlopt-dev liblapack-dev libgsl-dev librandom123-dev libopenmpi-dev openmpi-bin libhdf5-dev"

# Packages only the Python cross-checks need (tests/lang/model_py, make bench: SciPy BDF),
# and the Python package python/myoknot (cffi's ABI mode over libmyoknot.so, NumPy arrays;
# pip and setuptools to install it with `pip install ./python`, tested; matplotlib for its
# tutorial, examples/python/fit_ppt.py).
PKGS="$PKGS python3-numpy python3-scipy python3-cffi python3-pip python3-setuptools python3-matplotlib"

# SUNDIALS is built from Debian's source package (scripts/sundials.sh): `apt-get source`
# needs a deb-src line, which a fresh machine does not have.
SRC_LIST=/etc/apt/sources.list.d/myoknot-deb-src.sources
need_src=0
if ! grep -rqsE '^[[:space:]]*(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    need_src=1
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && [ "$need_src" = 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install:$missing (or to add a deb-src line)" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$need_src" = 1 ]; then
    echo "deps: adding Debian's source packages ($SRC_LIST), to build SUNDIALS with optimisation"
    printf '%s\n' "# Added by myoknot's scripts/deps.sh: apt-get source sundials (scripts/sundials.sh)" \
        "Types: deb-src" "URIs: http://deb.debian.org/debian" "Suites: bookworm" \
        "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
        $SUDO tee "$SRC_LIST" >/dev/null
fi
$SUDO apt-get update -qq
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
