"""myoknot -- the trigger-point simulator from Python (docs/python.md).

A thin binding over libmyoknot's public C API (docs/api.md) through cffi's ABI mode: the same
calls the myoknot command makes, so a run from Python gives the command's numbers.

    import myoknot
    r = myoknot.run("scenarios/default.yaml", set={"phys.p_cc0": "30 mmHg"})
    r.time_s, r.series["pain.local"], r.units["pain.local"], r.measurements

Every error of the library is raised as myoknot.Error, carrying the C error's code (status),
origin, file, line, column and message.
"""
import math
from collections import namedtuple

import numpy as np

from ._lib import ffi, lib  # noqa: F401 (ffi: for callers who need it)

__all__ = ["Error", "Study", "Result", "Measurement", "Model", "Symbol", "Verdict", "run",
           "validate", "version"]


class Error(Exception):
    """An error reported by libmyoknot (an mk_error).

    status   "MK_ERR_SYNTAX", "MK_ERR_UNIT", ... (code: the mk_status number; reason: its
             description, "syntax error")
    origin   "library", "override" (an entry of set=) or "argument"
    file, line, column   the input at fault ("" and 0 when none)
    message  what is wrong and what was expected
    str(e) is "file:line:col: message", as the command prints it."""

    def __init__(self, code, origin, file, line, column, message, text):
        super().__init__(text)
        self.code, self.origin = code, origin
        self.status = _STATUS.get(code, str(code))
        self.reason = _str(lib.mk_status_name(code))
        self.file, self.line, self.column, self.message = file, line, column, message


_STATUS = ffi.typeof("mk_status").elements  # {2: "MK_ERR_IO", ...}


def _str(p):
    return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else ""


def _raise(err):
    buf = ffi.new("char[]", 2200)
    text = _str(lib.mk_error_format(err, buf, len(buf)))
    raise Error(int(err.code), _str(lib.mk_origin_name(err.origin)),
                _str(err.file), int(err.line), int(err.column), _str(err.message), text)


def _check(rc, err):
    if rc != lib.MK_OK:
        _raise(err)


def _bytes(s):
    return None if s is None else str(s).encode("utf-8")


def _sets(set):
    """{"name": "value unit"} or ["name=value unit", ...] as the C override list."""
    if set is None:
        return []
    if isinstance(set, dict):
        items = []
        for k, v in set.items():
            if isinstance(v, (int, float)):
                v = repr(v)
            items.append("%s=%s" % (k, v))
        return items
    return [str(s) for s in set]


def version():
    return _str(lib.mk_version())


Measurement = namedtuple("Measurement", "label t_s value unit note")


class Result:
    """A finished simulation, copied out of the library: nothing to free.

    time_s        NumPy array of the output times (s)
    series        {column name: NumPy array}, in the order of the run directory's series.csv
    units         {column name: unit}
    measurements  [Measurement(label, t_s, value, unit, note)], in time order
    summary       the table `myoknot run` prints
    warnings      the scenario compile's warnings (a parameter outside its range, ...)
    """

    def __init__(self, res, warnings=""):
        err = ffi.new("mk_error *")
        rows, cols = lib.mk_result_rows(res), lib.mk_result_cols(res)
        self.time_s = np.frombuffer(ffi.buffer(lib.mk_result_time(res), rows * 8), dtype=np.float64).copy()
        self.series, self.units = {}, {}
        for c in range(cols):
            a = np.empty(rows, dtype=np.float64)
            _check(lib.mk_result_col_copy(res, c, ffi.cast("double *", ffi.from_buffer(a)), err), err)
            name = _str(lib.mk_result_col_name(res, c))
            self.series[name] = a
            self.units[name] = _str(lib.mk_result_col_unit(res, c))
        self.measurements = []
        m = ffi.new("mk_meas_info *")
        for i in range(lib.mk_result_meas_count(res)):
            _check(lib.mk_result_meas(res, i, m, err), err)
            self.measurements.append(Measurement(_str(m.label), float(m.t_s), float(m.value),
                                                 _str(m.unit), _str(m.note)))
        self.summary = _str(lib.mk_result_summary(res))
        self.wall_s = float(lib.mk_result_wall_s(res))
        self.warnings = warnings

    @property
    def columns(self):
        return list(self.series)

    def dataframe(self):
        """The series as a pandas DataFrame indexed by time (pandas is optional)."""
        import pandas as pd
        return pd.DataFrame(self.series, index=pd.Index(self.time_s, name="t_s"))


class Study:
    """A scenario made ready against its model (mk_study_open): scenario None is the default
    scenario built into the library; model overrides the scenario's; set is a dict
    {"component.name": "value unit"} or a list of "name=value unit" strings (parameters, an
    input's baseline, duration, output_every, seed); params_file a parameter file as myoknot
    fit writes it; strict makes a parameter outside its plausible range an error.  A study
    may be run many times (and from several threads: the library releases the GIL)."""

    def __init__(self, scenario=None, model=None, set=None, params_file=None, strict=False):
        err = ffi.new("mk_error *")
        keep = [ffi.new("char[]", _bytes(s)) for s in _sets(set)]
        sets = ffi.new("const char *[]", keep) if keep else ffi.NULL
        m = ffi.new("char[]", _bytes(model)) if model is not None else ffi.NULL
        pf = ffi.new("char[]", _bytes(params_file)) if params_file is not None else ffi.NULL
        opts = ffi.new("mk_study_opts *", {"model": m, "sets": sets, "n_sets": len(keep),
                                           "params_file": pf, "strict": 1 if strict else 0})
        out = ffi.new("mk_study **")
        sc = _bytes(scenario) if scenario is not None else ffi.NULL
        _check(lib.mk_study_open(sc, opts, out, err), err)
        self._s = ffi.gc(out[0], lib.mk_study_free)
        self.warnings = _str(lib.mk_study_warnings(self._s))
        p = lib.mk_study_protocol(self._s)
        self.name = _str(lib.mk_protocol_name(p))
        self.duration_s = float(lib.mk_protocol_duration_s(p))
        self.model = Model._from_abi(lib.mk_study_abi(self._s), owner=self)

    def run(self):
        err = ffi.new("mk_error *")
        out = ffi.new("mk_result **")
        _check(lib.mk_study_run(self._s, ffi.NULL, out, err), err)
        try:
            return Result(out[0], self.warnings)
        finally:
            lib.mk_result_free(out[0])

    def close(self):
        if self._s is not None:
            ffi.release(self._s)  # runs mk_study_free now
            self._s = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run(scenario=None, model=None, set=None, params_file=None, strict=False):
    """Open a study and run it once: myoknot run SCENARIO --set ... in one call."""
    s = Study(scenario, model=model, set=set, params_file=params_file, strict=strict)
    try:
        return s.run()
    finally:
        s.close()


Symbol = namedtuple("Symbol", "name kind unit value lo hi source doc is_output line")


def _nan(x):
    return None if math.isnan(x) else float(x)


class Model:
    """A model's declared quantities, each with its unit, default, plausible range, source and
    description: Model("tp_site") or Model("my_variant.myo") (compiled on request).

    parameters, states, inputs, variables   lists of Symbol; by_name() finds any of them."""

    def __init__(self, name_or_path, compile=True):
        err = ffi.new("mk_error *")
        out = ffi.new("mk_model_ref **")
        _check(lib.mk_model_open(_bytes(name_or_path), 1 if compile else 0, out, err), err)
        self._ref = ffi.gc(out[0], lib.mk_model_ref_free)
        abi = lib.mk_model_ref_abi(self._ref)
        if abi == ffi.NULL:
            raise Error(int(lib.MK_ERR_INVALID), "argument", "", 0, 0,
                        "model not compiled", "model not compiled")
        self._load(abi)

    @classmethod
    def _from_abi(cls, abi, owner):
        m = cls.__new__(cls)
        m._ref = owner  # keeps the study (which owns the ABI) alive
        m._load(abi)
        return m

    def _load(self, abi):
        self._abi = abi
        self.name = _str(abi.name)
        self.doc = _str(abi.doc)
        self.hash = _str(abi.hash)
        self.source = _str(abi.source)

        def table(arr, n, kind):
            return [Symbol(_str(arr[i].name), kind, _str(arr[i].unit), _nan(arr[i].value),
                           _nan(arr[i].lo), _nan(arr[i].hi), _str(arr[i].source), _str(arr[i].doc),
                           bool(arr[i].is_output), int(arr[i].line)) for i in range(n)]
        self.parameters = table(abi.params, abi.n_params, "param")
        self.states = table(abi.states, abi.n_states, "state")
        self.inputs = table(abi.inputs, abi.n_inputs, "input")
        self.variables = table(abi.vars, abi.n_vars, "var")

    def by_name(self, name):
        for s in self.parameters + self.states + self.inputs + self.variables:
            if s.name == name:
                return s
        raise KeyError(name)

    def rhs(self, y=None, params=None, inputs=None, t_s=0.0):
        """The right-hand side d(state)/dt at a state (declared units per second), and the
        algebraic variables; the defaults are the model's initial state, parameters and
        inputs.  Returns (ydot, vars) as NumPy arrays."""
        abi = self._abi
        if isinstance(self._ref, Study) and self._ref._s is None:
            raise ValueError("the study this model came from is closed")

        def vec(v, syms):
            a = np.array([s.value for s in syms] if v is None else v, dtype=np.float64)
            if a.shape != (len(syms),):
                raise ValueError("expected %d values, got %s" % (len(syms), a.shape))
            return a
        y, p, u = vec(y, self.states), vec(params, self.parameters), vec(inputs, self.inputs)
        ydot = np.zeros(abi.n_states)
        var = np.zeros(abi.n_vars)

        def ptr(a):
            return ffi.cast("double *", ffi.from_buffer(a)) if a.size else ffi.NULL
        abi.rhs(float(t_s), ptr(y), ptr(ydot), ptr(u), ptr(p), ptr(var))
        return ydot, var


class Verdict(namedtuple("Verdict", "name verdict role published unit model model_text note source")):
    """One validation target's result: verdict is "pass", "FAIL", "expected-fail", ..."""

    @property
    def ok(self):
        return self.verdict in ("pass", "expected-fail")


def validate(target, model="tp_site"):
    """Run one validation target (a data/validation/*.yaml file) against a model, as
    myoknot validate --only does; returns a Verdict."""
    err = ffi.new("mk_error *")
    units = ffi.new("mk_units **")
    anat = ffi.new("mk_anatomy **")
    tgt = ffi.new("mk_vtarget **")
    ref = ffi.new("mk_model_ref **")
    res = ffi.new("mk_vresult **")
    try:
        _check(lib.mk_vtarget_load_file(_bytes(target), tgt, err), err)
        _check(lib.mk_model_open(_bytes(model), 1, ref, err), err)
        _check(lib.mk_units_new(units, err), err)
        _check(lib.mk_anatomy_load(anat, err), err)
        _check(lib.mk_vtarget_run(tgt[0], lib.mk_model_ref_abi(ref[0]), units[0], anat[0], res, err), err)
        r = res[0]
        return Verdict(_str(lib.mk_vresult_name(r)), _str(lib.mk_verdict_name(lib.mk_vresult_verdict(r))),
                       _str(lib.mk_vresult_role(r)), _str(lib.mk_vresult_published(r)),
                       _str(lib.mk_vresult_unit(r)), _nan(lib.mk_vresult_model(r)),
                       _str(lib.mk_vresult_model_text(r)), _str(lib.mk_vresult_note(r)),
                       _str(lib.mk_vresult_source(r)))
    finally:
        lib.mk_vresult_free(res[0])
        lib.mk_anatomy_free(anat[0])
        lib.mk_units_free(units[0])
        lib.mk_model_ref_free(ref[0])
        lib.mk_vtarget_free(tgt[0])



class SuiteRow(namedtuple("SuiteRow", "file name role model verdict value model_text mark load_error")):
    """One row of a validation suite against one model; load_error is set (and the rest
    empty) for a target file that did not load."""


def validate_suite(dir="data/validation", models=("tp_site",), only=()):
    """Run every target of a folder (or those named in only) against each model, as
    myoknot validate does (validation targets first, then calibration); returns a list of
    SuiteRow, one per target and model (one per file that did not load)."""
    if isinstance(models, str):
        models = (models,)
    if isinstance(only, str):
        only = (only,)
    err = ffi.new("mk_error *")
    refs = [ffi.new("mk_model_ref **") for _ in models]
    suite = ffi.new("mk_vsuite_run **")
    keep = [ffi.new("char[]", _bytes(o)) for o in only]
    try:
        for name, ref in zip(models, refs):
            _check(lib.mk_model_open(_bytes(name), 1, ref, err), err)
        abis = ffi.new("const mk_model_abi *[]", [lib.mk_model_ref_abi(r[0]) for r in refs])
        opts = ffi.new("mk_vsuite_opts *")
        dir_b = ffi.new("char[]", _bytes(dir))
        opts.dir = dir_b
        only_arr = ffi.new("const char *[]", keep) if keep else ffi.NULL
        opts.only = only_arr
        opts.n_only = len(keep)
        opts.n_models = len(models)
        opts.models = abis
        _check(lib.mk_vsuite_run_new(opts, suite, err), err)
        s, rows = suite[0], []
        for i in range(lib.mk_vsuite_run_n_rows(s)):
            load_error = _str(lib.mk_vsuite_run_load_error(s, i))
            if load_error:
                rows.append(SuiteRow(_str(lib.mk_vsuite_run_file(s, i)), "", "", "", "ERROR", None, "", "",
                                     load_error))
                continue
            for m in range(len(models)):
                r = lib.mk_vsuite_run_result(s, i, m)
                rows.append(SuiteRow(_str(lib.mk_vsuite_run_file(s, i)), _str(lib.mk_vsuite_run_name(s, i)),
                                     _str(lib.mk_vsuite_run_role(s, i)), _str(lib.mk_vsuite_run_model(s, m)),
                                     _str(lib.mk_verdict_name(lib.mk_vresult_verdict(r))),
                                     _nan(lib.mk_vresult_model(r)), _str(lib.mk_vresult_model_text(r)),
                                     _str(lib.mk_vsuite_run_mark(s, i, m)), ""))
        return rows
    finally:
        lib.mk_vsuite_run_free(suite[0])
        for r in refs:
            lib.mk_model_ref_free(r[0])

from ._analysis import (ContinuationResult, FitResult, ScanResult,  # noqa: E402 (they use
                        SensitivityResult, TrialEffect, TrialResponders,  # the helpers above)
                        TrialResult, TrialSample, continuation, fit, fit_targets, scan,
                        sensitivity, trial)

__all__ += ["ScanResult", "scan", "ContinuationResult", "continuation", "SensitivityResult",
            "sensitivity", "FitResult", "fit", "fit_targets", "TrialResult", "TrialEffect",
            "TrialSample", "TrialResponders", "trial"]
