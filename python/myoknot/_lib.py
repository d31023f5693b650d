"""Loading libmyoknot.so through cffi's ABI mode (no compiler, no build step).

Where the library is looked for, first found wins:
  1. $MYOKNOT_LIBRARY (a path to libmyoknot.so or libmyoknot.so.0);
  2. beside an installed package: PREFIX/lib/... when the package lives in
     PREFIX/lib/python3/dist-packages/myoknot (cmake --install puts both there);
  3. the source tree's build folder (python/../build), for PYTHONPATH=python in a checkout;
  4. the dynamic loader's own search (LD_LIBRARY_PATH, ldconfig's cache).
"""
import os

from cffi import FFI

from ._cdef import CDEF

ffi = FFI()
ffi.cdef(CDEF)

SONAME = "libmyoknot.so.0"


def _candidates():
    env = os.environ.get("MYOKNOT_LIBRARY")
    if env:
        yield env
        return  # an explicit choice is not second-guessed
    here = os.path.dirname(os.path.abspath(__file__))
    # PREFIX/lib/python3/dist-packages/myoknot -> PREFIX/lib (and multiarch lib dirs below it)
    up = here
    for _ in range(4):
        up = os.path.dirname(up)
        if os.path.basename(up).startswith("lib"):
            yield os.path.join(up, SONAME)
            try:
                for d in sorted(os.listdir(up)):
                    if d.endswith("-linux-gnu"):
                        yield os.path.join(up, d, SONAME)
            except OSError:
                pass
    yield os.path.join(os.path.dirname(os.path.dirname(here)), "build", SONAME)
    yield SONAME


def _open():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            return ffi.dlopen(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("myoknot: cannot load libmyoknot.so; set MYOKNOT_LIBRARY to its path. Tried: "
                      + "; ".join(tried))


lib, lib_path = _open()  # lib_path: which file was loaded (a name: the loader's search)
