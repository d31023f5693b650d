"""The analyses from Python (docs/python.md, "Analyses"): scans of a parameter or input,
sensitivity screening and trials, through the same library calls the myoknot command makes.
Results are copied out of the library into NumPy arrays; nothing is left to free."""
import numpy as np

from . import Model, _bytes, _check, _sets, _str
from ._lib import ffi, lib


class _Units:
    """An mk_units for converting "value unit" text (freed with the object)."""

    def __init__(self):
        err = ffi.new("mk_error *")
        out = ffi.new("mk_units **")
        _check(lib.mk_units_new(out, err), err)
        self._u = ffi.gc(out[0], lib.mk_units_free)

    def quantity(self, what, value, unit):
        """A number is taken in unit already (as the command takes a bare number); text is
        converted ("10 %", "30 mmHg")."""
        if isinstance(value, (int, float)):
            return float(value)
        s = str(value).strip()
        try:
            return float(s)
        except ValueError:
            pass
        err = ffi.new("mk_error *")
        out = ffi.new("double *")
        if lib.mk_units_convert_quantity(self._u, _bytes(s), _bytes(unit), out, err) != lib.MK_OK:
            raise ValueError("%s '%s': %s" % (what, s, _str(err.message)))
        return float(out[0])


def _find(abi, name):
    """(kind, index, symbol) of a parameter or, failing that, an input; ValueError if neither."""
    for kind, table in ((lib.MK_SYM_PARAM, abi.params), (lib.MK_SYM_INPUT, abi.inputs)):
        i = lib.mk_abi_find(abi, kind, _bytes(name))
        if i >= 0:
            return kind, i, table[i]
    raise ValueError("model '%s' has no parameter or input '%s'" % (_str(abi.name), name))


def _solver(model, units, set, rtol, atol):
    """A solver of the model at its defaults with set's parameters and inputs, as the command's
    --set for scan (parameters and inputs by name, values with units)."""
    err = ffi.new("mk_error *")
    so = ffi.new("mk_solver_opts *")
    lib.mk_solver_opts_default(so)
    so.rtol, so.atol = rtol, atol
    out = ffi.new("mk_solver **")
    _check(lib.mk_solver_new(model._abi, so, out, err), err)
    s = ffi.gc(out[0], lib.mk_solver_free)
    for item in _sets(set):
        name, _, value = item.partition("=")
        kind, i, sym = _find(model._abi, name)
        x = units.quantity("set " + name, value, _str(sym.unit))
        if kind == lib.MK_SYM_PARAM:
            _check(lib.mk_solver_set_param(s, i, x, err), err)
        else:
            _check(lib.mk_solver_set_input(s, i, x, err), err)
    return s


class ScanResult:
    """A scan's two branches (myoknot scan --method time), copied out of the library.

    swept, unit     the swept parameter or input and its unit
    values          NumPy array of the swept values (both branches are at the same values)
    forward, backward   {name: NumPy array} for every state and output variable, point k at
                    values[k] (the backward branch came from B back to A)
    converged       {"forward": bool array, "backward": bool array}
    rel_diff, differs   per value: the watched output's relative difference between the
                    branches, and whether the branches differ there
    watch, watch_unit   the output compared between the branches
    ranges          [(lo, hi)] where the branches differ; folds {"forward": x, "backward": x}
                    (None: no fold)
    verdict, csv    verdict.txt's paragraph and scan.csv's text, as the command writes them
    units           {name: unit}
    """

    def __init__(self, res):
        err = ffi.new("mk_error *")
        unit = ffi.new("const char **")
        self.swept = _str(lib.mk_scan_result_swept(res, unit))
        self.unit = _str(unit[0])
        self.watch = _str(lib.mk_scan_result_watch(res, unit))
        self.watch_unit = _str(unit[0])
        n = lib.mk_scan_result_points(res)
        abi = lib.mk_scan_result_abi(res)

        def column(branch, name):
            a = np.empty(n, dtype=np.float64)
            _check(lib.mk_scan_result_column(res, branch, _bytes(name) if name else ffi.NULL,
                                             ffi.cast("double *", ffi.from_buffer(a)), err), err)
            return a
        self.values = column(0, None)
        names = [_str(abi.states[i].name) for i in range(abi.n_states)]
        names += [_str(abi.vars[i].name) for i in range(abi.n_vars) if abi.vars[i].is_output]
        self.units = {}
        for i in range(abi.n_states):
            self.units[_str(abi.states[i].name)] = _str(abi.states[i].unit)
        for i in range(abi.n_vars):
            if abi.vars[i].is_output:
                self.units[_str(abi.vars[i].name)] = _str(abi.vars[i].unit)
        self.forward = {c: column(0, c) for c in names}
        self.backward = {c: column(1, c) for c in names}
        info = ffi.new("mk_scan_point_info *")
        conv = {"forward": np.zeros(n, dtype=bool), "backward": np.zeros(n, dtype=bool)}
        self.rel_diff = np.empty(n)
        self.differs = np.zeros(n, dtype=bool)
        for b, key in ((0, "forward"), (1, "backward")):
            for k in range(n):
                _check(lib.mk_scan_result_point(res, b, k, info, err), err)
                conv[key][k] = bool(info.converged)
                self.rel_diff[k], self.differs[k] = info.rel_diff, bool(info.differs)
        self.converged = conv
        lo, hi = ffi.new("double *"), ffi.new("double *")
        self.ranges = []
        for i in range(lib.mk_scan_result_ranges(res)):
            lib.mk_scan_result_range(res, i, lo, hi)
            self.ranges.append((float(lo[0]), float(hi[0])))
        self.folds = {}
        for b, key in ((0, "forward"), (1, "backward")):
            f = lib.mk_scan_result_fold(res, b)
            self.folds[key] = None if f != f else float(f)
        self.unconverged = int(lib.mk_scan_result_unconverged(res))
        self.wall_s = float(lib.mk_scan_result_wall_s(res))
        buf = ffi.new("mk_buf *")
        lib.mk_buf_init(buf)
        try:
            lib.mk_scan_verdict(res, buf)
            self.verdict = _str(buf.data)
            lib.mk_buf_free(buf)
            lib.mk_buf_init(buf)
            _check(lib.mk_scan_write_csv(res, buf, err), err)
            self.csv = _str(buf.data)
        finally:
            lib.mk_buf_free(buf)


def scan(name, start, stop, model="tp_site", set=None, steps=20, settle="6 h", checks=12,
         conv_tol=1e-4, watch=None, hyst_tol=0.1, abs_tol=1e-6, rtol=1e-6, atol=1e-9):
    """Steady states of a model along one parameter or input, swept from start to stop and
    back (myoknot scan NAME --method time --from START --to STOP): start, stop and settle are
    numbers in the symbol's declared unit (seconds for settle) or "value unit" text; set holds
    other parameters or inputs as {"name": "value unit"}.  Returns a ScanResult."""
    m = model if isinstance(model, Model) else Model(model)
    u = _Units()
    kind, index, sym = _find(m._abi, name)
    o = ffi.new("mk_scan_opts *")
    lib.mk_scan_opts_default(o)
    o.kind, o.index = kind, index
    o.__setattr__("from", u.quantity("start", start, _str(sym.unit)))
    o.to = u.quantity("stop", stop, _str(sym.unit))
    o.steps, o.checks, o.conv_tol, o.hyst_tol, o.abs_tol = steps, checks, conv_tol, hyst_tol, abs_tol
    o.settle_s = u.quantity("settle", settle, "s")
    keep = ffi.new("char[]", _bytes(watch)) if watch else ffi.NULL
    o.watch = keep
    s = _solver(m, u, set, rtol, atol)
    err = ffi.new("mk_error *")
    out = ffi.new("mk_scan_result **")
    _check(lib.mk_scan_run(s, o, out, err), err)
    try:
        return ScanResult(out[0])
    finally:
        lib.mk_scan_result_free(out[0])


class SensitivityResult:
    """A sensitivity analysis (myoknot sensitivity), copied out of the library.

    method          "morris" or "sobol"
    parameters      the factors' names, in the design's order; lo, hi (NumPy arrays, declared
                    units) and log_scale (bool array) their ranges and scales
    outputs         the outputs' labels ("pain", "ppt", "stiffness", or a state or variable);
                    measured {label: what is measured}, units {label: unit}, base {label:
                    the value with every parameter at its own value}
    Morris          mu_star, mu, sigma, n_ee: {label: NumPy array over parameters}
    Sobol           s1, s1_lo, s1_hi, st, st_lo, st_hi, n_rows: the same
    runs, failed, wall_s
    summary, csv    the account the command prints (summary.txt) and sensitivity.csv's text
    """

    _MORRIS = ("mu_star", "mu", "sigma", "n_ee")
    _SOBOL = ("s1", "s1_lo", "s1_hi", "st", "st_lo", "st_hi", "n_rows")

    def __init__(self, method, res, abi, proto, top):
        f = {"morris": ("mk_morris_result_", lib.mk_morris_write_text, lib.mk_morris_write_csv),
             "sobol": ("mk_sobol_result_", lib.mk_sobol_write_text, lib.mk_sobol_write_csv)}[method]
        pre, write_text, write_csv = f

        def call(name, *args):
            return getattr(lib, pre + name)(res, *args)
        err = ffi.new("mk_error *")
        self.method = method
        k, no = call("factors"), call("outputs")
        fac = ffi.new("mk_morris_factor *")
        self.parameters, self.lo, self.hi = [], np.empty(k), np.empty(k)
        self.log_scale = np.zeros(k, dtype=bool)
        for i in range(k):
            _check(call("factor", i, fac, err), err)
            self.parameters.append(_str(abi.params[fac.param].name))
            self.lo[i], self.hi[i], self.log_scale[i] = fac.lo, fac.hi, bool(fac.log_scale)
        name, unit = ffi.new("const char **"), ffi.new("const char **")
        self.outputs, self.measured, self.units, self.base = [], {}, {}, {}
        stats = self._MORRIS if method == "morris" else self._SOBOL
        for s in stats:
            setattr(self, s, {})
        for o in range(no):
            label = _str(call("output", o, name, unit))
            self.outputs.append(label)
            self.measured[label], self.units[label] = _str(name[0]), _str(unit[0])
            self.base[label] = float(call("base", o))
            arrays = [np.empty(k, dtype=np.int32 if s in ("n_ee", "n_rows") else np.float64) for s in stats]
            ptrs = [ffi.cast("int *" if a.dtype == np.int32 else "double *", ffi.from_buffer(a)) for a in arrays]
            _check(call("effects" if method == "morris" else "indices", o, *ptrs, err), err)
            for s, a in zip(stats, arrays):
                getattr(self, s)[label] = a
        failed = ffi.new("int *")
        self.runs = int(call("runs", failed))
        self.failed = int(failed[0])
        self.wall_s = float(call("wall_s"))
        buf = ffi.new("mk_buf *")
        lib.mk_buf_init(buf)
        try:
            write_text(res, proto, top, buf)
            self.summary = _str(buf.data)
            lib.mk_buf_free(buf)
            lib.mk_buf_init(buf)
            _check(write_csv(res, buf, err), err)
            self.csv = _str(buf.data)
        finally:
            lib.mk_buf_free(buf)


def sensitivity(scenario=None, model=None, set=None, method="morris", params=None, outputs=None,
                trajectories=4, levels=4, samples=256, bootstrap=1000, seed=1, jobs=1, top=15,
                rtol=1e-6, atol=1e-9):
    """Morris screening or Sobol indices of a model's parameters against outputs at the end of
    a scenario, as `myoknot sensitivity` (scenario None: the built-in default; params and
    outputs as --params and --outputs; jobs worker processes, the same result whatever their
    number).  Returns a SensitivityResult."""
    from . import Study
    if method not in ("morris", "sobol"):
        raise ValueError("method must be 'morris' or 'sobol', not %r" % (method,))
    st = Study(scenario, model=model, set=set)
    try:
        keep = [ffi.new("char[]", _bytes(x)) if x else ffi.NULL for x in (params, outputs)]
        o = ffi.new("mk_%s_opts *" % method)
        getattr(lib, "mk_%s_opts_default" % method)(o)
        o.params, o.outputs, o.seed, o.jobs = keep[0], keep[1], seed, jobs
        o.solver.rtol, o.solver.atol = rtol, atol
        if method == "morris":
            o.trajectories, o.levels = trajectories, levels
        else:
            o.samples, o.bootstrap = samples, bootstrap
        abi, proto = lib.mk_study_abi(st._s), lib.mk_study_protocol(st._s)
        err = ffi.new("mk_error *")
        out = ffi.new("mk_%s_result **" % method)
        run = getattr(lib, "mk_%s_run" % method)
        _check(run(abi, proto, lib.mk_study_anatomy(st._s), o, out, err), err)
        try:
            return SensitivityResult(method, out[0], abi, proto, top)
        finally:
            getattr(lib, "mk_%s_result_free" % method)(out[0])
    finally:
        st.close()
