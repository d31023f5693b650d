#!/bin/sh
# sundials.sh PREFIX -- build the parts of SUNDIALS myoknot uses (CVODE and KINSOL, the serial vector,
# dense and sparse matrices, the dense linear solver and the KLU sparse one over Debian's
# libsuitesparse-dev) from Debian's own source package, with optimisation (-O3), into
# PREFIX (static libraries and headers).  Called by CMake at configure time (CMakeLists.txt,
# MK_SUNDIALS); README.md ("Dependencies") says why.
#
# Debian's binary libsundials-dev 6.4.1 is built without optimisation: debian/rules passes
# -DCMAKE_C_FLAGS=-fcommon, which replaces the -O2 of dpkg-buildflags.  The same source at -O2
# integrates 2.5-2.7x faster and gives byte-identical numbers (tests: same_numbers compares
# against a build linked with Debian's binary).  Sources come only through apt (`apt-get
# source`, which needs a deb-src line: scripts/deps.sh adds one); nothing is downloaded
# from anywhere else.  Exit status non-zero when anything fails: CMake then falls back to
# Debian's binary library and says so.
set -eu
PREFIX=$1
VERSION=6.4.1
WORK=$PREFIX.work
rm -rf "$WORK" "$PREFIX"
mkdir -p "$WORK"
cd "$WORK"
# The version the headers of libsundials-dev have: the binary package and ours must agree.
want=$(dpkg-query -W -f='${source:Version}' libsundials-dev 2>/dev/null || true)
case "$want" in
    "$VERSION"*) ;;
    *) echo "sundials.sh: libsundials-dev is '$want', expected $VERSION" >&2; exit 1 ;;
esac
apt-get source -qq --download-only "sundials=$want" >/dev/null 2>&1 ||
    { echo "sundials.sh: 'apt-get source sundials=$want' failed (no deb-src line? run scripts/deps.sh)" >&2; exit 1; }
dpkg-source -x --no-check ./sundials_*.dsc src >/dev/null
# The same options as Debian's where they matter to the numbers (double precision, 64-bit
# indices); no fast maths or contraction, so that no FMA or reassociation changes a result.
# -O3 rather than the generated models' -O2: it vectorises the element-wise vector
# operations (N_VLinearSum and friends, a fifth of the integration at 51 states) with the
# same bytes, since without -ffast-math gcc vectorises no reduction; make bench: 8-9 %
# faster than -O2, series.csv byte-identical.  FLAGS is also CMake's stamp (CMakeLists.txt):
# a prefix built with other flags is rebuilt.
FLAGS="-O3 -fno-fast-math -ffp-contract=off"
cmake -S src -B build -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="$FLAGS" \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON \
    -DBUILD_CVODE=ON -DBUILD_ARKODE=OFF -DBUILD_CVODES=OFF -DBUILD_IDA=OFF -DBUILD_IDAS=OFF \
    -DBUILD_KINSOL=ON -DEXAMPLES_ENABLE_C=OFF -DEXAMPLES_ENABLE_CXX=OFF -DEXAMPLES_INSTALL=OFF \
    -DENABLE_MPI=OFF -DENABLE_OPENMP=OFF -DENABLE_PTHREAD=OFF \
    -DSUNDIALS_PRECISION=double -DSUNDIALS_INDEX_SIZE=64 \
    -DENABLE_KLU=ON -DKLU_INCLUDE_DIR=/usr/include/suitesparse \
    -DKLU_LIBRARY_DIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH) \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" >cmake.log 2>&1 ||
    { echo "sundials.sh: configuring SUNDIALS failed; see $WORK/cmake.log" >&2; exit 1; }
cmake --build build -j "${JOBS:-2}" >build.log 2>&1 ||
    { echo "sundials.sh: building SUNDIALS failed; see $WORK/build.log" >&2; exit 1; }
cmake --install build >install.log 2>&1
printf '%s\n' "$FLAGS" > "$PREFIX/myoknot-cflags.txt"
cd /
rm -rf "$WORK"
echo "sundials.sh: SUNDIALS $VERSION (Debian source $want) built with $FLAGS into $PREFIX"
