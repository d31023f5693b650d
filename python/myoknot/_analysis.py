"""The analyses from Python (docs/python.md, "Analyses"): scans of a parameter or input,
sensitivity screening and trials, through the same library calls the myoknot command makes.
Results are copied out of the library into NumPy arrays; nothing is left to free."""
from collections import namedtuple

import numpy as np

from . import Model, _bytes, _check, _sets, _str
from ._lib import ffi, lib, libc


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


def _text_and_csv(res, text, write_csv, err):
    """A result's text (verdict or report) and its CSV, each written into a library buffer."""
    buf = ffi.new("mk_buf *")
    lib.mk_buf_init(buf)
    try:
        text(res, buf)
        first = _str(buf.data)
        lib.mk_buf_free(buf)
        lib.mk_buf_init(buf)
        _check(write_csv(res, buf, err), err)
        return first, _str(buf.data)
    finally:
        lib.mk_buf_free(buf)


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
        self.verdict, self.csv = _text_and_csv(res, lib.mk_scan_verdict, lib.mk_scan_write_csv, err)


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


def _outputs(abi):
    """Every state and output variable of a model, in the tables' order, and their units."""
    names = [_str(abi.states[i].name) for i in range(abi.n_states)]
    names += [_str(abi.vars[i].name) for i in range(abi.n_vars) if abi.vars[i].is_output]
    units = {_str(abi.states[i].name): _str(abi.states[i].unit) for i in range(abi.n_states)}
    units.update({_str(abi.vars[i].name): _str(abi.vars[i].unit) for i in range(abi.n_vars) if abi.vars[i].is_output})
    return names, units


class ContinuationResult:
    """Steady states along a parameter or input by Newton continuation (myoknot scan
    --method newton, the command's default), copied out of the library.

    swept, unit     the swept parameter or input and its unit
    watch, watch_unit   the output named in the verdict
    p               NumPy array: the swept value at every point, in the order the points were
                    found (branch by branch; a branch may turn back at a fold)
    branch, segment, iterations, n_unstable, n_neutral   int arrays per point (-1: unknown)
    converged, stable   bool arrays (stable: converged with no unstable eigenvalue)
    kind            per point: "" (regular), "fold", "hopf" or "end" (a range boundary)
    max_re, slowest_s, zero_re, omega, dpds, residual, newton_step   float arrays per point
    values          {name: NumPy array} for every state and output variable
    units           {name: unit}
    frozen          {state: the value it is held at}
    branches, seeds_skipped, unconverged, folds, hopf   counts
    coexistence     [(lo, hi)] ranges where two converged stable steady states coexist;
                    covered: the fraction of the range some converged branch covers
    newton_iters, rhs_evals, wall_s   the cost
    report, csv     the report (verdict.txt without its cost line) and scan.csv's text
    """

    _KINDS = {lib.MK_CONT_REGULAR: "", lib.MK_CONT_FOLD: "fold", lib.MK_CONT_HOPF: "hopf",
              lib.MK_CONT_END: "end"}

    def __init__(self, res):
        err = ffi.new("mk_error *")
        unit = ffi.new("const char **")
        self.swept = _str(lib.mk_cont_result_swept(res, unit))
        self.unit = _str(unit[0])
        self.watch = _str(lib.mk_cont_result_watch(res, unit))
        self.watch_unit = _str(unit[0])
        n = lib.mk_cont_result_points(res)
        abi = lib.mk_cont_result_abi(res)

        def column(name):
            a = np.empty(n, dtype=np.float64)
            if n:
                _check(lib.mk_cont_result_column(res, _bytes(name) if name else ffi.NULL,
                                                 ffi.cast("double *", ffi.from_buffer(a)), err), err)
            return a
        self.p = column(None)
        names, self.units = _outputs(abi)
        self.values = {c: column(c) for c in names}
        ints = ("branch", "segment", "iterations", "n_unstable", "n_neutral")
        floats = ("max_re", "slowest_s", "zero_re", "omega", "dpds", "residual", "newton_step")
        for f in ints:
            setattr(self, f, np.empty(n, dtype=np.int64))
        for f in floats:
            setattr(self, f, np.empty(n))
        self.converged = np.zeros(n, dtype=bool)
        self.kind = []
        info = ffi.new("mk_cont_point_info *")
        for k in range(n):
            _check(lib.mk_cont_result_point(res, k, info, err), err)
            for f in ints:
                getattr(self, f)[k] = getattr(info, "iters" if f == "iterations" else f)
            for f in floats:
                getattr(self, f)[k] = getattr(info, f)
            self.converged[k] = bool(info.converged)
            self.kind.append(self._KINDS.get(info.kind, ""))
        self.stable = self.converged & (self.n_unstable == 0)
        value = ffi.new("double *")
        self.frozen = {}
        for i in range(abi.n_states):
            if lib.mk_cont_result_frozen(res, i, value):
                self.frozen[_str(abi.states[i].name)] = float(value[0])
        self.branches = int(lib.mk_cont_result_branches(res))
        self.seeds_skipped = int(lib.mk_cont_result_seeds_skipped(res))
        self.unconverged = int(lib.mk_cont_result_unconverged(res))
        self.folds = int(lib.mk_cont_result_folds(res))
        self.hopf = int(lib.mk_cont_result_hopf(res))
        cap = n + 2  # the range is cut at converged points: never more pieces than n + 1
        lo, hi, cov = ffi.new("double[]", cap), ffi.new("double[]", cap), ffi.new("double *")
        m = lib.mk_cont_coexistence(res, lo, hi, cap, cov)
        self.coexistence = [(float(lo[i]), float(hi[i])) for i in range(m)]
        self.covered = float(cov[0])
        iters, evals = ffi.new("long *"), ffi.new("long *")
        lib.mk_cont_result_cost(res, iters, evals)
        self.newton_iters, self.rhs_evals = int(iters[0]), int(evals[0])
        self.wall_s = float(lib.mk_cont_result_wall_s(res))
        self.report, self.csv = _text_and_csv(res, lib.mk_cont_report, lib.mk_cont_write_csv, err)


def continuation(name, start, stop, model="tp_site", set=None, steps=20, settle="6 h", freeze=None,
                 newton_tol=1e-6, max_points=2000, watch=None, rtol=1e-6, atol=1e-9):
    """Steady states of a model along one parameter or input by Newton's method and
    pseudo-arclength continuation, unstable branches, folds and Hopf points included (myoknot
    scan NAME --from START --to STOP, --method newton): start, stop and settle as for scan();
    freeze holds states at fixed values as the command's --freeze (a list of "GLOB" or
    "GLOB=VALUE", or one comma-separated string).  Returns a ContinuationResult."""
    m = model if isinstance(model, Model) else Model(model)
    u = _Units()
    kind, index, sym = _find(m._abi, name)
    o = ffi.new("mk_cont_opts *")
    lib.mk_cont_opts_default(o)
    o.kind, o.index = kind, index
    o.__setattr__("from", u.quantity("start", start, _str(sym.unit)))
    o.to = u.quantity("stop", stop, _str(sym.unit))
    o.steps, o.newton_tol, o.max_points = steps, newton_tol, max_points
    o.settle_s = u.quantity("settle", settle, "s")
    if freeze is not None and not isinstance(freeze, str):
        freeze = ",".join(freeze)
    keep = [ffi.new("char[]", _bytes(x)) if x else ffi.NULL for x in (watch, freeze)]
    o.watch, o.freeze = keep
    s = _solver(m, u, set, rtol, atol)
    err = ffi.new("mk_error *")
    out = ffi.new("mk_cont_result **")
    _check(lib.mk_cont_run(s, o, out, err), err)
    try:
        return ContinuationResult(out[0])
    finally:
        lib.mk_cont_result_free(out[0])


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


class FitResult:
    """A fit of parameters to a patient's measurements (myoknot fit --data --scenario), copied
    out of the library.

    parameters      the fitted parameters' names; units, lo, hi, log_scale their units,
                    ranges and scales
    before, after   NumPy arrays of their values (declared units): the scenario's, the fit's
    objective_before, objective   sum of squared standardized residuals
    residuals_before, residuals   NumPy arrays, one per measurement of the data file
    history         the objective of every evaluation, in order (design, then each polish)
    se_u            approximate standard errors in the normalised coordinate (inf: not determined)
    identifiable    bool array; why: the reason for each that is not ("" otherwise)
    correlation     k x k array; singular_values of the Jacobian at the optimum
    notes           the scenario overrides the fit dropped, one per line
    """

    def __init__(self, res, abi, p, k, notes):
        s = ffi.new("mk_fit_summary *")
        lib.mk_fit_result_summary(res, s)
        k, n = s.k, s.n_res

        def arr(m):
            a = np.empty(m)
            return a, (ffi.cast("double *", ffi.from_buffer(a)) if m else ffi.NULL)
        (self.before, pb), (self.after, pa) = arr(k), arr(k)
        lib.mk_fit_result_values(res, pb, pa, ffi.NULL, ffi.NULL)
        (self.residuals_before, r0), (self.residuals, r1) = arr(n), arr(n)
        lib.mk_fit_result_residuals(res, r0, r1)
        self.history, ph = arr(s.n_hist)
        lib.mk_fit_result_history(res, ph, ffi.NULL)
        (self.se_u, pse), (corr, pc), (self.singular_values, psv) = arr(k), arr(k * k), arr(s.n_sv)
        ident = ffi.new("int[]", max(k, 1))
        lib.mk_fit_result_identifiability(res, pse, ident, pc, ffi.NULL, psv)
        self.correlation = corr.reshape(k, k)
        self.identifiable = np.array([bool(ident[j]) for j in range(k)], dtype=bool)
        self.why = [_str(lib.mk_fit_result_why(res, j)) for j in range(k)]
        self.parameters = [_str(abi.params[p[j].param].name) for j in range(k)]
        self.units = [_str(abi.params[p[j].param].unit) for j in range(k)]
        self.lo = np.array([p[j].lo for j in range(k)])
        self.hi = np.array([p[j].hi for j in range(k)])
        self.log_scale = np.array([bool(p[j].log_scale) for j in range(k)], dtype=bool)
        self.objective_before, self.objective = float(s.f0), float(s.f)
        self.evaluations, self.failed_evaluations = int(s.n_hist), int(s.failed_evals)
        self.wall_s = float(s.wall_s)
        self.notes = notes


def fit(scenario, data, model=None, params=None, log=False, seed=1, design=0, starts=4, evals=0,
        jobs=1):
    """Fit parameters to a patient's measurements (a CSV time,variable,value,sd) under the
    protocol of scenario, as `myoknot fit --data DATA --scenario SCENARIO` (params: globs, None:
    every parameter whose source says "assumed"; log: every positive range in log space; design,
    starts, evals as --design, --starts, --evals, 0 the defaults; jobs worker processes, the
    same result whatever their number).  Returns a FitResult."""
    from . import Study
    st = Study(scenario, model=model)
    err = ffi.new("mk_error *")
    ds = ffi.new("mk_fit_dataset **")
    pp, kk = ffi.new("mk_fit_param **"), ffi.new("int *")
    res = ffi.new("mk_fit_result **")
    notes = ffi.new("mk_buf *")
    lib.mk_buf_init(notes)
    try:
        _check(lib.mk_fit_dataset_new(st._s, _bytes(data), ds, err), err)
        abi = lib.mk_study_abi(st._s)
        _check(lib.mk_fit_select(abi, _bytes(params) if params else ffi.NULL, 1 if log else 0, pp, kk, err), err)
        _check(lib.mk_fit_dataset_drop_overrides(ds[0], abi, pp[0], kk[0], notes, err), err)
        o = ffi.new("mk_fit_opts *")
        lib.mk_fit_opts_default(o)
        o.seed, o.design, o.starts, o.local_evals, o.jobs = seed, design, starts, evals, jobs
        n_res = lib.mk_fit_dataset_data(ds[0]).n
        _check(lib.mk_fit_run(abi, pp[0], kk[0], n_res, lib.mk_fit_dataset_residuals, ds[0], o, res, err), err)
        return FitResult(res[0], abi, pp[0], kk[0], _str(notes.data))
    finally:
        lib.mk_fit_result_free(res[0])
        lib.mk_buf_free(notes)
        libc.free(pp[0])  # the library's lists are released with free()
        lib.mk_fit_dataset_free(ds[0])
        st.close()


def fit_targets(params=None, targets=None, dir=None, model="tp_site", log=False, seed=1, design=0,
                starts=4, evals=0, jobs=1):
    """Fit parameters to the calibration targets (data/validation), as `myoknot fit [--targets
    GLOBS] [--dir DIR]`: targets are comma-separated globs over target names (None: every
    calibration target; naming a validation target raises myoknot.Error, origin "argument");
    dir the targets' folder (None: data/validation in the working directory, else in
    $MYOKNOT_DATA); params, log,
    seed, design, starts, evals and jobs as for fit().  Returns a FitResult whose residuals are
    one per target (targets: their names) and whose table is residuals.csv's text."""
    import os
    if dir is None:
        dir = os.path.join("data", "validation")
        if not os.path.isdir(dir) and os.environ.get("MYOKNOT_DATA"):
            dir = os.path.join(os.environ["MYOKNOT_DATA"], "data", "validation")
    m = model if isinstance(model, Model) else Model(model)
    abi = m._abi
    err = ffi.new("mk_error *")
    ts = ffi.new("mk_fit_targets **")
    pp, kk = ffi.new("mk_fit_param **"), ffi.new("int *")
    res = ffi.new("mk_fit_result **")
    csv, txt = ffi.new("mk_buf *"), ffi.new("mk_buf *")
    lib.mk_buf_init(csv)
    lib.mk_buf_init(txt)
    try:
        _check(lib.mk_fit_targets_load(_bytes(dir), _bytes(targets) if targets else ffi.NULL, ts, err), err)
        _check(lib.mk_fit_select(abi, _bytes(params) if params else ffi.NULL, 1 if log else 0, pp, kk, err), err)
        o = ffi.new("mk_fit_opts *")
        lib.mk_fit_opts_default(o)
        o.seed, o.design, o.starts, o.local_evals, o.jobs = seed, design, starts, evals, jobs
        n = lib.mk_fit_targets_count(ts[0])
        _check(lib.mk_fit_run(abi, pp[0], kk[0], n, lib.mk_fit_targets_residuals, ts[0], o, res, err), err)
        r = FitResult(res[0], abi, pp[0], kk[0], "")
        r.targets = [_str(lib.mk_fit_targets_name(ts[0], i)) for i in range(n)]
        after = ffi.cast("double *", ffi.from_buffer(r.after)) if kk[0] else ffi.NULL
        _check(lib.mk_fit_targets_table(ts[0], abi, pp[0], kk[0], after, csv, txt, err), err)
        r.table = _str(csv.data)
        return r
    finally:
        lib.mk_fit_result_free(res[0])
        lib.mk_buf_free(csv)
        lib.mk_buf_free(txt)
        libc.free(pp[0])  # the library's lists are released with free()
        lib.mk_fit_targets_free(ts[0])


TrialEffect = namedtuple("TrialEffect", "comparison outcome time change n_a mean_a sd_a n_b mean_b sd_b "
                         "md md_lo md_hi smd smd_lo smd_hi df t p")
TrialEffect.__doc__ = """A comparison (arm a vs arm b, differences a - b) of an outcome at a time
point (change: the change from the first time point): the arms' n, mean and SD, the mean
difference with its 95 % interval (Welch), Hedges' g (smd) with its 95 % interval, Welch's df,
t and two-sided p; NaN where undefined."""
TrialSample = namedtuple("TrialSample", "arm outcome time change n mean sd")
TrialResponders = namedtuple("TrialResponders", "arm outcome time mid unit responders n")


class TrialResult:
    """A virtual trial (myoknot trial), copied out of the library.

    name, patients  the design's name and the patients sampled
    model, model_hash, model_chosen_by   the model the arms ran, its source's hash and who
                    chose it ("the caller", "the design", "the arms' scenarios")
    arms, times, outcomes   the design's names; units and mids {outcome: unit, MID};
                    comparisons [(arm a, arm b)]
    flow            {"sampled", "rejected", "not_enrolled", "failed", "analysed"}; per_arm
                    {arm: analysed}
    effects         [TrialEffect] in trial_summary.csv's order; effect(comparison, outcome,
                    time, change=False) one of them (comparison: its index or "a vs b")
    samples         [TrialSample]: every arm's n, mean and SD per outcome, time and change
    responders      [TrialResponders] in responders.csv's order
    failures        {patient index: why} for patients whose simulation failed
    patients_csv, summary_csv, responders_csv, text   patients.csv, trial_summary.csv,
                    responders.csv and summary.txt as the command writes them
    summary         trial_summary.csv as {column: NumPy array (numbers) or list (text)}
    """

    def _numbers(self, design, res):
        err = ffi.new("mk_error *")
        d = design
        self.arms = [_str(lib.mk_trial_arm_name(d, a)) for a in range(lib.mk_trial_arms(d))]
        self.times = [_str(lib.mk_trial_time_name(d, t)) for t in range(lib.mk_trial_times(d))]
        unit, mid = ffi.new("const char **"), ffi.new("double *")
        self.outcomes, self.units, self.mids = [], {}, {}
        for o in range(lib.mk_trial_outcomes(d)):
            name = _str(lib.mk_trial_outcome_name(d, o, unit, mid))
            self.outcomes.append(name)
            self.units[name], self.mids[name] = _str(unit[0]), float(mid[0])
        a, b = ffi.new("int *"), ffi.new("int *")
        self.comparisons = []
        for c in range(lib.mk_trial_comparisons(d)):
            _check(lib.mk_trial_comparison_arms(d, c, a, b, err), err)
            self.comparisons.append((self.arms[a[0]], self.arms[b[0]]))
        f = ffi.new("mk_trial_flow *")
        lib.mk_trial_result_flow(res, f)
        self.flow = {k: int(getattr(f, k)) for k in ("sampled", "rejected", "not_enrolled", "failed", "analysed")}
        self.per_arm = {x: int(lib.mk_trial_result_arm_n(res, i)) for i, x in enumerate(self.arms)}
        e, sm = ffi.new("mk_trial_effect *"), ffi.new("mk_trial_sample *")
        self.effects, self.samples, self.responders = [], [], []
        for change in (0, 1):
            for c, (ca, cb) in enumerate(self.comparisons):
                for o, out in enumerate(self.outcomes):
                    for t in range(change, len(self.times)):
                        _check(lib.mk_trial_result_effect(res, c, o, t, change, e, err), err)
                        self.effects.append(TrialEffect(
                            "%s vs %s" % (ca, cb), out, self.times[t], bool(change), e.a.n, e.a.mean, e.a.sd,
                            e.b.n, e.b.mean, e.b.sd, e.md, e.md_lo, e.md_hi, e.smd, e.smd_lo, e.smd_hi, e.df,
                            e.t, e.p))
            for i, arm in enumerate(self.arms):
                for o, out in enumerate(self.outcomes):
                    for t in range(change, len(self.times)):
                        _check(lib.mk_trial_result_sample(res, i, o, t, change, sm, err), err)
                        self.samples.append(TrialSample(arm, out, self.times[t], bool(change), sm.n, sm.mean, sm.sd))
        n = ffi.new("int *")
        for i, arm in enumerate(self.arms):
            for o, out in enumerate(self.outcomes):
                for t in range(1, len(self.times)):
                    _check(lib.mk_trial_result_responders(res, i, o, t, a, n, err), err)
                    self.responders.append(TrialResponders(arm, out, self.times[t], self.mids[out],
                                                           self.units[out], int(a[0]), int(n[0])))

    def effect(self, comparison, outcome, time, change=False):
        """The TrialEffect of a comparison (its index or "a vs b") for an outcome at a time."""
        if isinstance(comparison, int):
            comparison = "%s vs %s" % self.comparisons[comparison]
        for e in self.effects:
            if (e.comparison, e.outcome, e.time, e.change) == (comparison, outcome, time, bool(change)):
                return e
        raise KeyError((comparison, outcome, time, change))

    def __init__(self, design, res):
        err = ffi.new("mk_error *")
        self.name = _str(lib.mk_trial_name(design))
        h, by = ffi.new("const char **"), ffi.new("const char **")
        self.model = _str(lib.mk_trial_model(design, h, by))
        self.model_hash, self.model_chosen_by = _str(h[0]), _str(by[0])
        self.patients = int(lib.mk_trial_result_patients(res))
        self._numbers(design, res)
        self.failures = {}
        buf = ffi.new("mk_buf *")
        lib.mk_buf_init(buf)
        try:  # "INDEX\0REASON\0" per failed patient (the patients live in a file, not in memory)
            _check(lib.mk_trial_write_failures(res, buf, err), err)
            parts = ffi.unpack(buf.data, buf.len).decode("utf-8", "replace").split("\0") if buf.len else []
            for k in range(0, len(parts) - 1, 2):
                self.failures[int(parts[k])] = parts[k + 1]
        finally:
            lib.mk_buf_free(buf)
        out = {}
        for key, fn in (("patients_csv", lib.mk_trial_write_patients), ("summary_csv", lib.mk_trial_write_summary),
                        ("responders_csv", lib.mk_trial_write_responders), ("text", None)):
            lib.mk_buf_init(buf)
            try:
                if fn is None:
                    lib.mk_trial_write_text(res, buf)
                else:
                    _check(fn(res, buf, err), err)
                out[key] = _str(buf.data)
            finally:
                lib.mk_buf_free(buf)
        self.__dict__.update(out)
        self.summary = _columns(self.summary_csv)


def _columns(text):
    """A CSV's columns: NumPy float arrays where every value is a number (empty: NaN), lists of
    text otherwise."""
    import csv
    import io
    rows = list(csv.reader(io.StringIO(text)))
    cols = {}
    for j, name in enumerate(rows[0] if rows else []):
        vals = [r[j] if j < len(r) else "" for r in rows[1:]]
        try:
            cols[name] = np.array([float(v) if v != "" else np.nan for v in vals])
        except ValueError:
            cols[name] = vals
    return cols


def trial(design, patients=0, threads=1, seed=1, model=None, rtol=None):
    """Run a virtual trial design (a trials/*.yaml file) as `myoknot trial DESIGN --patients N
    --threads T --seed S [--model M]` (patients 0: the design's; the results are the same for
    any number of threads).  model: the model every arm runs, a built-in name (e.g. a hypothesis
    variant, "tp_site_neurogenic") or a .myo file; None: the design's `model:`, else its arms'
    scenarios' model.  rtol: the solver's relative tolerance (`--rtol`); None: the design's
    `solver: {rtol}`, else the trials' default (docs/trials.md, "Solver tolerance").  Returns a
    TrialResult."""
    err = ffi.new("mk_error *")
    d = ffi.new("mk_trial_design **")
    res = ffi.new("mk_trial_result **")
    try:
        m = ffi.NULL if model is None else _bytes(model)
        _check(lib.mk_trial_load_model(_bytes(design), m, d, err), err)
        o = ffi.new("mk_trial_opts *")
        lib.mk_trial_opts_default(o)
        o.patients, o.threads, o.seed = patients, threads, seed
        if rtol is not None:
            o.solver.rtol = rtol  # the library refuses one outside MK_TRIAL_RTOL_MIN .. MAX
        _check(lib.mk_trial_run(d[0], o, res, err), err)
        return TrialResult(d[0], res[0])
    finally:
        lib.mk_trial_result_free(res[0])
        lib.mk_trial_free(d[0])
