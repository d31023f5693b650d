"""The Python package (python/myoknot) against the myoknot command (issue 13 item 3).

Run by CTest as `python3 -m unittest test_myoknot` with PYTHONPATH=python, MYOKNOT_LIBRARY
(the build's libmyoknot.so.2), MYOKNOT_CLI (the build's myoknot) and MYOKNOT_ABI_SIZES (a
small C program printing the record sizes the headers give)."""
import csv
import math
import os
import shutil
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import myoknot

CLI = os.environ["MYOKNOT_CLI"]
SRC = os.environ["MK_SOURCE_DIR"]


def g10(x):
    return "%.10g" % x  # series.csv's number format (C's printf %.10g; Python's is the same)


class TestMyoknot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mk-py.")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cli_run(self, *args):
        out = os.path.join(self.tmp, "run%d" % len(os.listdir(self.tmp)))
        p = subprocess.run([CLI, "run", *args, "--out", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out

    def assert_same_as_cli(self, res, run_dir):
        with open(os.path.join(run_dir, "series.csv"), newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["t_s", "variable", "unit", "value"])
        cols = list(res.series)
        self.assertGreater(len(res.time_s), 100)
        self.assertEqual(len(rows) - 1, len(res.time_s) * len(cols))
        k = 1
        for i, t in enumerate(res.time_s):
            for c in cols:
                want = rows[k]
                got = [g10(t), c, res.units[c], g10(res.series[c][i])]
                if got != want:
                    self.fail("series.csv line %d: CLI %s, Python %s" % (k + 1, want, got))
                k += 1
        with open(os.path.join(run_dir, "measurements.csv"), newline="") as f:
            meas = list(csv.DictReader(f))
        self.assertEqual(len(meas), len(res.measurements))
        self.assertGreater(len(meas), 0)
        for want, got in zip(meas, res.measurements):
            self.assertEqual((want["label"], want["t_s"], want["value"], want["unit"]),
                             (got.label, g10(got.t_s), g10(got.value), got.unit))

    def test_default_scenario_equals_cli(self):
        # the contract of issue 13: the default scenario from Python gives the command's numbers
        res = myoknot.run()
        self.assertIsInstance(res.time_s, np.ndarray)
        self.assertIsInstance(res.series["pain.local"], np.ndarray)
        self.assert_same_as_cli(res, self.cli_run())

    def test_file_and_overrides_equal_cli(self):
        path = os.path.join(SRC, "scenarios", "desk_day.yaml")
        res = myoknot.run(path, set={"phys.p_cc0": "30 mmHg", "output_every": "10 min"})
        self.assertEqual(res.time_s[1] - res.time_s[0], 600.0)
        self.assert_same_as_cli(res, self.cli_run(path, "--set", "phys.p_cc0=30 mmHg",
                                                  "--set", "output_every=10 min"))
        base = myoknot.run(path, set=["output_every=10 min"])
        self.assertFalse(np.array_equal(base.series["core.po2"], res.series["core.po2"]),
                         "the override changed nothing")

    def test_bad_scenario_raises_with_location(self):
        path = os.path.join(self.tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write("name: bad\nduration: 2 h\noutput_every: 1 min\ntimeline:\n"
                    "  - {event: desk_work, at: 10 min, load: 5 parsecs, duration: 1 h}\n")
        with self.assertRaises(myoknot.Error) as cm:
            myoknot.run(path)
        e = cm.exception
        self.assertEqual((e.file, e.line, e.column), (path, 5, 42))
        self.assertEqual((e.status, e.origin), ("MK_ERR_UNIT", "library"))
        self.assertIn("'load'", e.message)
        self.assertTrue(str(e).startswith(path + ":5:42: "), str(e))
        # the command reports the same place
        p = subprocess.run([CLI, "run", path, "--out", os.path.join(self.tmp, "nothing")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s:5:42: error: %s" % (path, e.message), p.stderr)

    def test_bad_override_has_override_origin(self):
        with self.assertRaises(myoknot.Error) as cm:
            myoknot.Study(set={"core.nonexistent": "1 s"})
        e = cm.exception
        self.assertEqual((e.origin, e.file, e.line), ("override", "", 0))
        self.assertIn("core.nonexistent", e.message)
        with self.assertRaises(myoknot.Error) as cm:
            myoknot.run(os.path.join(self.tmp, "absent.yaml"))
        self.assertEqual(cm.exception.status, "MK_ERR_IO")

    def test_model_table_and_rhs(self):
        m = myoknot.Model("tp_site")
        self.assertGreater(len(m.parameters), 50)
        for p in m.parameters:
            self.assertTrue(p.unit and p.source and p.doc, p)
            self.assertTrue(p.lo is not None and p.hi is not None and p.lo <= p.value <= p.hi, p)
        p = m.by_name("phys.p_cc0")
        self.assertEqual(p.unit, "mmHg")
        ydot, var = m.rhs()
        self.assertEqual(ydot.shape, (len(m.states),))
        self.assertTrue(np.all(np.isfinite(ydot)) and np.all(np.isfinite(var)))
        # a different parameter vector gives a different right-hand side
        params = np.array([q.value for q in m.parameters])
        i = [q.name for q in m.parameters].index("phys.p_cc0")
        params[i] *= 0.1
        self.assertFalse(np.array_equal(m.rhs(params=params)[1], var))
        with self.assertRaises(myoknot.Error) as cm:
            myoknot.Model("no_such_model")
        self.assertIn("tp_site", cm.exception.message)

    def test_validate_one_target_as_cli(self):
        target = os.path.join(SRC, "data", "validation", "04-compression-40mmhg.yaml")
        v = myoknot.validate(target)
        self.assertIn(v.verdict, ("pass", "FAIL", "expected-fail", "UNEXPECTED-PASS", "DRIFT"))
        self.assertTrue(v.model is not None and math.isfinite(v.model), v)
        out = os.path.join(self.tmp, "val")
        p = subprocess.run([CLI, "validate", "--dir", os.path.dirname(target), "--only",
                            v.name, "--out", out], capture_output=True, text=True, cwd=SRC)
        with open(os.path.join(out, "validation.csv"), newline="") as f:
            rows = [r for r in csv.DictReader(f)]
        self.assertEqual(len(rows), 1, p.stdout + p.stderr)
        row = rows[0]
        self.assertEqual(row.get("verdict"), v.verdict, row)

    def test_validate_suite_as_cli(self):
        # the library's suite gives the CLI's verdicts and numbers, row for row
        folder = os.path.join(SRC, "data", "validation")
        names = ["resting-pcr", "acidification-onset", "healthy-ppt"]
        rows = myoknot.validate_suite(folder, models=["tp_site", "tp_site_central"], only=names)
        self.assertEqual(len(rows), 6)
        self.assertEqual([r.role for r in rows][:2], ["validation", "validation"])  # validation first
        out = os.path.join(self.tmp, "suite")
        p = subprocess.run([CLI, "validate", "--dir", folder, "--all-variants", "--out", out]
                           + [a for n in names for a in ("--only", n)], capture_output=True, text=True, cwd=SRC)
        with open(os.path.join(out, "validation.csv"), newline="") as f:
            cli = {(r["target"], r["model"]): r for r in csv.DictReader(f)}
        for r in rows:
            c = cli[(r.name, r.model)]
            self.assertEqual(c["verdict"], r.verdict, p.stdout)
            self.assertEqual(c["model_value"], "" if r.value is None else "%.6g" % r.value)
            self.assertEqual(c["audit"], r.mark)
        with self.assertRaises(myoknot.Error) as cm:
            myoknot.validate_suite(folder, only="no-such-target")
        self.assertIn("no-such-target", cm.exception.message)

    def test_docs_example_runs(self):
        # docs/python.md's session runs as written, from the source folder
        import contextlib
        import io
        with open(os.path.join(SRC, "docs", "python.md")) as f:
            blocks = re.findall(r"^```python\n(.*?)^```", f.read(), re.S | re.M)
        self.assertEqual(len(blocks), 2)
        out = io.StringIO()
        cwd = os.getcwd()
        os.chdir(SRC)
        try:
            with contextlib.redirect_stdout(out):
                for b in blocks:
                    exec(compile(b, "docs/python.md", "exec"), {})
        finally:
            os.chdir(cwd)
        self.assertIn("MK_ERR_UNIT override", out.getvalue())
        self.assertIn("mmHg", out.getvalue())
        self.assertIn("['f.k', 'f.L', 'f.c'] [1.3  7.2 ", out.getvalue())
        self.assertIn("needling vs sham", out.getvalue())

    def test_tutorial_fits_and_plots(self):
        # examples/python/fit_ppt.py (docs/python.md's tutorial): SciPy's root finder recovers a
        # parameter for a measured PPT; matplotlib writes the figure
        try:
            import matplotlib, scipy  # noqa: F401
        except ImportError:
            self.skipTest("python3-scipy or python3-matplotlib not installed")
        png = os.path.join(self.tmp, "fit.png")
        p = subprocess.run([sys.executable, os.path.join(SRC, "examples", "python", "fit_ppt.py"),
                            os.path.join(SRC, "scenarios", "ischemic_compression_session.yaml"), png],
                           capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"fitted noci.p_mech50 = ([0-9.]+) mmHg: PPT before ([0-9.]+) kPa", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        p_fit, before = float(m.group(1)), float(m.group(2))
        self.assertAlmostEqual(before, 220.0, delta=0.1)
        # the fitted value reproduces the measured PPT when run again from here
        res = myoknot.run(os.path.join(SRC, "scenarios", "ischemic_compression_session.yaml"),
                          set={"noci.p_mech50": "%s mmHg" % m.group(1), "output_every": "10 s"})
        got = next(x.value for x in res.measurements if x.label == "PPT before")
        self.assertAlmostEqual(got, 220.0, delta=0.2)
        self.assertTrue(200 < p_fit < 2500)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_record_layouts_match_headers(self):
        # the cdef's records have the C compiler's sizes and offsets
        out = subprocess.run([os.environ["MYOKNOT_ABI_SIZES"]], capture_output=True, text=True,
                             check=True).stdout
        ffi = myoknot.ffi
        fields = {"mk_error": ["line", "message"], "mk_symbol": ["is_output"],
                  "mk_model_abi": ["rhs"], "mk_study_opts": ["strict"], "mk_meas_info": ["note"]}
        n = 0
        for line in out.splitlines():
            name, *nums = line.split()
            want = [ffi.sizeof(name)] + [ffi.offsetof(name, f) for f in fields[name]]
            self.assertEqual([int(x) for x in nums], want, name)
            n += 1
        self.assertEqual(n, len(fields))

    def test_scan_equals_cli(self):
        # myoknot.scan gives the numbers of `myoknot scan --method time` for the same input
        sets = {"phys.p_cc0": "30 mmHg"}
        r = myoknot.scan("load.activation", "0 %", "10 %", set=sets, steps=2, settle="1 h")
        out = os.path.join(self.tmp, "scan")
        p = subprocess.run([CLI, "scan", "load.activation", "--method", "time", "--from", "0 %",
                            "--to", "10 %", "--steps", "2", "--settle", "1 h",
                            "--set", "phys.p_cc0=30 mmHg", "--out", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIsInstance(r.values, np.ndarray)
        self.assertEqual((r.swept, r.unit, len(r.values)), ("load.activation", "%", 3))
        with open(os.path.join(out, "scan.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 6)
        n = 0
        for row in rows:
            back = row["branch"] == "backward"
            k = 2 - int(row["step"]) if back else int(row["step"])
            br = r.backward if back else r.forward
            self.assertEqual(row["load.activation [%]"], g10(r.values[k]))
            self.assertEqual(row["converged"], str(int(r.converged[row["branch"]][k])))
            for name, a in br.items():
                self.assertEqual(row["%s [%s]" % (name, r.units[name])], g10(a[k]), (row["branch"], k, name))
                n += 1
        self.assertGreater(n, 6 * 20)
        with open(os.path.join(out, "verdict.txt")) as f:
            self.assertEqual(f.read(), r.verdict + "\n")
        # the override reached the solver: without it the steady states differ
        base = myoknot.scan("load.activation", 0, 10, steps=2, settle=3600)
        self.assertFalse(np.array_equal(base.forward["core.po2"], r.forward["core.po2"]))
        with self.assertRaises(ValueError):
            myoknot.scan("load.nothing", 0, 1)

    def sens_cli(self, *args):
        out = os.path.join(self.tmp, "sens%d" % len(os.listdir(self.tmp)))
        p = subprocess.run([CLI, "sensitivity", *args, "--jobs", "1", "--out", out],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "sensitivity.csv"), newline="") as f:
            return list(csv.DictReader(f))

    def assert_sens_rows(self, r, rows, cols, digits):
        # every row of the command's sensitivity.csv holds the Python arrays' numbers (printed
        # to the csv's digits: Morris %.8g, Sobol %.6g)
        g8 = lambda x: "" if math.isnan(x) else "%.*g" % (digits, x)  # noqa: E731
        self.assertEqual(len(rows), len(r.outputs) * len(r.parameters))
        for row in rows:
            label, i = row["output"], r.parameters.index(row["parameter"])
            self.assertEqual((row["measured"], row["output_unit"]), (r.measured[label], r.units[label]))
            self.assertEqual((row["lo"], row["hi"]), (g8(r.lo[i]), g8(r.hi[i])))
            for col, attr in cols:
                a = getattr(r, attr)[label]
                want = str(int(a[i])) if a.dtype.kind == "i" else g8(a[i])
                self.assertEqual(row[col], want, (label, row["parameter"], col))

    def test_morris_equals_cli(self):
        # myoknot.sensitivity gives the numbers of `myoknot sensitivity` for the same input
        # a 30-minute session with PPT measurements, and an override of a parameter not screened
        sc = os.path.join(SRC, "scenarios", "ischemic_compression_session.yaml")
        params, sets = "band.f_k,phys.p_cc0", {"output_every": "10 s", "noci.p_mech50": "1200 mmHg"}
        r = myoknot.sensitivity(sc, set=sets, params=params, trajectories=2)
        self.assertEqual(r.runs, 1 + 2 * 3)
        self.assertEqual(sorted(r.parameters), sorted(params.split(",")))
        self.assertIsInstance(r.mu_star["pain"], np.ndarray)
        self.assertTrue(np.any(r.mu_star["ppt"] > 0), r.mu_star)
        rows = self.sens_cli(sc, "--params", params, "--trajectories", "2", "--set", "output_every=10 s",
                             "--set", "noci.p_mech50=1200 mmHg")
        self.assert_sens_rows(r, rows, [("mu_star", "mu_star"), ("mu", "mu"), ("sigma", "sigma"),
                                        ("n_ee", "n_ee")], 8)
        with self.assertRaises(myoknot.Error) as cm:
            myoknot.sensitivity(params="nothing.*")
        self.assertEqual(cm.exception.status, "MK_ERR_NAME")

    def test_sobol_equals_cli(self):
        sc = os.path.join(SRC, "scenarios", "ischemic_compression_session.yaml")
        params = "band.f_k,phys.p_cc0"
        r = myoknot.sensitivity(sc, method="sobol", params=params, samples=4, bootstrap=20)
        self.assertEqual(r.runs, 4 * 4 + 1)
        rows = self.sens_cli("--method", "sobol", "--params", params, "--samples", "4", "--bootstrap",
                             "20", sc)
        self.assert_sens_rows(r, rows, [("S1", "s1"), ("S1_lo", "s1_lo"), ("S1_hi", "s1_hi"),
                                        ("ST", "st"), ("ST_lo", "st_lo"), ("ST_hi", "st_hi"),
                                        ("rows", "n_rows")], 6)

    def test_fit_equals_cli(self):
        # myoknot.fit gives the numbers of `myoknot fit --data --scenario` for the same input
        sc, data = (os.path.join(SRC, "tests", "fit", f) for f in ("toy.yaml", "toy_visits.csv"))
        r = myoknot.fit(sc, data, seed=5, design=10, starts=2, evals=80)
        out = os.path.join(self.tmp, "fit")
        p = subprocess.run([CLI, "fit", "--data", data, "--scenario", sc, "--seed", "5", "--design", "10",
                            "--starts", "2", "--evals", "80", "--jobs", "1", "--out", out],
                           capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(r.parameters, ["f.k", "f.L", "f.c"])
        self.assertIsInstance(r.after, np.ndarray)
        self.assertLess(r.objective, r.objective_before)
        with open(os.path.join(out, "identifiability.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([row["parameter"] for row in rows], r.parameters)
        for j, row in enumerate(rows):
            self.assertEqual((row["lo"], row["hi"], row["before"], row["after"]),
                             tuple("%.6g" % x for x in (r.lo[j], r.hi[j], r.before[j], r.after[j])))
            self.assertEqual(row["se_u"], "%.4g" % r.se_u[j])
            self.assertEqual((row["identifiable"], row["why"]),
                             ("yes" if r.identifiable[j] else "no", r.why[j]))
        with open(os.path.join(out, "history.csv"), newline="") as f:
            hist = [row["objective"] for row in csv.DictReader(f)]
        self.assertEqual(hist, ["%.8g" % x for x in r.history])
        with open(os.path.join(out, "residuals.csv"), newline="") as f:
            res = list(csv.DictReader(f))
        self.assertEqual([(x["residual_before"], x["residual_after"]) for x in res],
                         [("%.4g" % a, "%.4g" % b) for a, b in zip(r.residuals_before, r.residuals)])

    def test_continuation_equals_cli(self):
        # myoknot.continuation gives the points of `myoknot scan` (--method newton, the default)
        # for the same input: scan.csv number for number, the report as verdict.txt has it
        model = os.path.join(SRC, "tests", "analysis", "adapt.myo")
        r = myoknot.continuation("fs.p", -2, 2, model=model, freeze=["fs.a=0.5"], settle="200 s")
        out = os.path.join(self.tmp, "cont")
        p = subprocess.run([CLI, "scan", "fs.p", "--model", model, "--from", "-2", "--to", "2",
                            "--freeze", "fs.a=0.5", "--settle", "200 s", "--out", out],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((r.swept, r.watch, r.frozen), ("fs.p", "fs.x", {"fs.a": 0.5}))
        self.assertEqual((r.folds, r.hopf, r.unconverged), (2, 0, 0))
        self.assertEqual(len(r.coexistence), 1)
        with open(os.path.join(out, "scan.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(r.p))
        self.assertGreater(len(rows), 10)
        n = 0
        for k, row in enumerate(rows):
            self.assertEqual((int(row["branch"]), int(row["segment"]), int(row["point"])),
                             (r.branch[k], r.segment[k], k))
            self.assertEqual(row["fs.p [1]"], g10(r.p[k]))
            self.assertEqual(row["converged"], str(int(r.converged[k])))
            self.assertEqual(row["stable"], ("yes" if r.stable[k] else "no") if r.converged[k] else "")
            self.assertEqual((row["n_unstable"], row["special"], row["iterations"]),
                             (str(r.n_unstable[k]), r.kind[k], str(r.iterations[k])))
            self.assertEqual(row["newton_step"], g10(r.newton_step[k]))
            for name, a in r.values.items():
                col = "%s [%s]%s" % (name, r.units[name], " (frozen)" if name in r.frozen else "")
                self.assertEqual(row[col], g10(a[k]), (k, name))
                n += 1
        self.assertEqual(n, len(r.values) * len(rows))
        self.assertGreaterEqual(len(r.values), 2)
        with open(os.path.join(out, "verdict.txt")) as f:
            verdict = f.read()
        self.assertTrue(verdict.startswith(r.report), verdict)
        self.assertTrue(verdict[len(r.report):].startswith("Cost: %d points, %d Newton iterations"
                                                           % (len(r.p), r.newton_iters)))
        self.assertEqual(r.csv.splitlines(), [",".join(x) for x in csv.reader(r.csv.splitlines())])
        # without the freeze the slow state follows: no fold at all
        free = myoknot.continuation("fs.p", -2, 2, model=model, settle="200 s")
        self.assertEqual((free.folds, free.frozen), (0, {}))
        with self.assertRaises(myoknot.Error) as e:
            myoknot.continuation("fs.p", -2, 2, model=model, freeze="fs.nothing")
        self.assertEqual(e.exception.origin, "argument")

    def test_fit_targets_equals_cli(self):
        # myoknot.fit_targets gives the numbers of `myoknot fit --targets` for the same input
        args = dict(params="noci.p_mech50", targets="healthy-ppt", seed=3, design=6, starts=1, evals=15)
        r = myoknot.fit_targets(dir=os.path.join(SRC, "data", "validation"), **args)
        out = os.path.join(self.tmp, "fitt")
        p = subprocess.run([CLI, "fit", "--params", args["params"], "--targets", args["targets"],
                            "--seed", "3", "--design", "6", "--starts", "1", "--evals", "15",
                            "--jobs", "1", "--out", out], capture_output=True, text=True, cwd=SRC)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((r.parameters, r.targets), (["noci.p_mech50"], ["healthy-ppt"]))
        self.assertLess(r.objective, r.objective_before)
        with open(os.path.join(out, "identifiability.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([(x["before"], x["after"], x["se_u"]) for x in rows],
                         [("%.6g" % r.before[0], "%.6g" % r.after[0], "%.4g" % r.se_u[0])])
        with open(os.path.join(out, "history.csv"), newline="") as f:
            hist = [row["objective"] for row in csv.DictReader(f)]
        self.assertEqual(hist, ["%.8g" % x for x in r.history])
        with open(os.path.join(out, "residuals.csv")) as f:
            self.assertEqual(f.read(), r.table)
        rows = list(csv.DictReader(r.table.splitlines()))
        self.assertEqual([(x["residual_before"], x["residual_after"]) for x in rows],
                         [("%.4g" % a, "%.4g" % b) for a, b in zip(r.residuals_before, r.residuals)])
        # every calibration target by default; a validation target is refused
        cwd = os.getcwd()
        os.chdir(SRC)
        try:
            with self.assertRaises(myoknot.Error) as e:
                myoknot.fit_targets(params="noci.p_mech50", targets="healthy-ppt,active-trp-ppt-deficit")
        finally:
            os.chdir(cwd)
        self.assertEqual(e.exception.origin, "argument")
        self.assertIn("refusing validation target active-trp-ppt-deficit", e.exception.message)

    def test_trial_equals_cli(self):
        # myoknot.trial gives the command's patients, summary and responders for the same
        # design, patients and seed (Python with two threads, the command with one)
        design = os.path.join(SRC, "tests", "cohort", "tiny.yaml")
        t = myoknot.trial(design, patients=6, threads=2, seed=3)
        out = os.path.join(self.tmp, "trial")
        p = subprocess.run([CLI, "trial", design, "--patients", "6", "--threads", "1", "--seed", "3",
                            "--out", out], capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((t.name, t.patients), ("tiny", 6))
        for attr, name in (("patients_csv", "patients.csv"), ("summary_csv", "trial_summary.csv"),
                           ("responders_csv", "responders.csv")):
            with open(os.path.join(out, name)) as f:
                self.assertEqual(getattr(t, attr), f.read(), name)
        with open(os.path.join(out, "trial_summary.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertIsInstance(t.summary["md"], np.ndarray)
        self.assertEqual(len(t.summary["md"]), len(rows))
        for i, row in enumerate(rows):
            want = float(row["md"]) if row["md"] else math.nan
            self.assertTrue(want == t.summary["md"][i] or (math.isnan(want) and math.isnan(t.summary["md"][i])))

    def test_trial_model_equals_cli(self):
        # model= is the command's --model: the same patients, summary and responders as
        # `myoknot trial DESIGN --model tp_site_neurogenic`, different from the design's own
        # model, and the result names the model and that the caller chose it
        design = os.path.join(SRC, "tests", "cohort", "tiny.yaml")
        t = myoknot.trial(design, patients=4, seed=3, model="tp_site_neurogenic")
        out = os.path.join(self.tmp, "trialm")
        p = subprocess.run([CLI, "trial", design, "--patients", "4", "--seed", "3", "--model", "tp_site_neurogenic",
                            "--out", out], capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        for attr, name in (("patients_csv", "patients.csv"), ("summary_csv", "trial_summary.csv"),
                           ("responders_csv", "responders.csv")):
            with open(os.path.join(out, name)) as f:
                self.assertEqual(getattr(t, attr), f.read(), name)
        self.assertEqual((t.model, t.model_chosen_by), ("tp_site_neurogenic", "the caller"))
        self.assertRegex(t.model_hash, "^[0-9a-f]{16}$")
        base = myoknot.trial(design, patients=4, seed=3)
        self.assertEqual((base.model, base.model_chosen_by), ("tp_site", "the arms' scenarios"))
        self.assertNotEqual(base.patients_csv, t.patients_csv)
        with self.assertRaises(myoknot.Error) as e:
            myoknot.trial(design, patients=4, model="tp_site_neurogenik")
        self.assertEqual(e.exception.origin, "argument")
        self.assertIn("tp_site_neurogenic", e.exception.message)

    def test_trial_rtol_equals_cli(self):
        # rtol= is the command's --rtol: the same patients as `myoknot trial DESIGN --rtol 1e-6`,
        # different from the trials' default tolerance; out of range refused before running
        design = os.path.join(SRC, "tests", "cohort", "tiny.yaml")
        t = myoknot.trial(design, patients=3, seed=3, rtol=1e-6)
        out = os.path.join(self.tmp, "trialr")
        p = subprocess.run([CLI, "trial", design, "--patients", "3", "--seed", "3", "--rtol", "1e-6",
                            "--out", out], capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "patients.csv")) as f:
            self.assertEqual(t.patients_csv, f.read())
        self.assertNotEqual(myoknot.trial(design, patients=3, seed=3).patients_csv, t.patients_csv)
        with self.assertRaises(myoknot.Error) as e:
            myoknot.trial(design, patients=3, rtol=0.5)
        self.assertIn("relative tolerance must be in 1e-12 .. 0.01, found 0.5", str(e.exception))

    def test_trial_numbers_equal_cli(self):
        # the trial's effect sizes, intervals, per-arm samples and responders as numbers give
        # the command's trial_summary.csv and responders.csv for the same design and seed
        design = os.path.join(SRC, "tests", "cohort", "tiny.yaml")
        t = myoknot.trial(design, patients=6, seed=3)
        out = os.path.join(self.tmp, "trialn")
        p = subprocess.run([CLI, "trial", design, "--patients", "6", "--seed", "3", "--out", out],
                           capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((t.arms, t.outcomes, t.times), (["needling", "sham"], ["pain", "ppt"],
                                                         ["baseline", "after", "day 2"]))
        self.assertEqual((t.comparisons, t.units["ppt"], t.mids["ppt"]), ([("needling", "sham")], "kPa", 30.0))
        self.assertEqual(t.flow["sampled"], 6)
        self.assertEqual(sum(t.flow.values()) - t.flow["sampled"], 6)

        def g6(x):
            return "" if math.isnan(x) else "%.6g" % x
        with open(os.path.join(out, "trial_summary.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(t.effects))
        for row, e in zip(rows, t.effects):
            self.assertEqual((row["comparison"], row["outcome"], row["time"], row["n_a"], row["n_b"]),
                             (e.comparison, e.outcome + (" change" if e.change else ""), e.time,
                              str(e.n_a), str(e.n_b)))
            for k in ("md", "md_lo", "md_hi", "smd", "smd_lo", "smd_hi", "p"):
                self.assertEqual(row[k], g6(getattr(e, k)), (row["outcome"], row["time"], k))
            self.assertEqual(e.md, e.mean_a - e.mean_b)
        e = t.effect("needling vs sham", "ppt", "after")
        self.assertTrue(e.n_a >= 2 and e.md_lo < e.md < e.md_hi and e.smd_lo < e.smd < e.smd_hi)
        self.assertIs(t.effect(0, "ppt", "after"), e)
        # the samples are the effects' arms
        s = {(x.arm, x.outcome, x.time, x.change): x for x in t.samples}
        self.assertEqual(tuple(s[("sham", "ppt", "after", False)])[4:], (e.n_b, e.mean_b, e.sd_b))
        with open(os.path.join(out, "responders.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([(r["arm"], r["outcome"], r["time"], r["mid"], r["unit"], r["responders"], r["n"])
                          for r in rows],
                         [(x.arm, x.outcome, x.time, "%.6g" % x.mid, x.unit, str(x.responders), str(x.n))
                          for x in t.responders])
        with self.assertRaises(KeyError):
            t.effect(0, "ppt", "baseline", change=True)

    def test_cdef_generated_declares_every_export(self):
        # the cdef comes from the build (the preprocessed public headers), not from a copy in
        # the package, and declares every function the library exports
        path = myoknot._lib.cdef_path
        self.assertTrue(os.path.samefile(os.path.dirname(path), os.path.dirname(os.path.realpath(
            os.environ["MYOKNOT_LIBRARY"]))), path)
        with open(path) as f:
            self.assertTrue(f.readline().startswith("/* Generated by python/tools/gen_cdef.py"))
        self.assertEqual([f for f in os.listdir(os.path.join(SRC, "python", "myoknot"))
                          if f.startswith("_cdef")], [], "a cdef in the source tree")
        nm = subprocess.run(["nm", "-D", "--defined-only", os.environ["MYOKNOT_LIBRARY"]],
                            capture_output=True, text=True, check=True).stdout
        exported = sorted({line.split()[-1] for line in nm.splitlines()
                           if line.split()[-2:-1] == ["T"] and line.split()[-1].startswith("mk_")})
        self.assertGreater(len(exported), 200)
        missing = []
        for name in exported:
            try:
                getattr(myoknot.lib, name)
            except AttributeError:
                missing.append(name)
        self.assertEqual(missing, [])
        # the package opens the soname of the headers it was generated from
        self.assertEqual(myoknot._lib.SONAME, "libmyoknot.so.%d" % myoknot.lib.MK_SOVERSION)


if __name__ == "__main__":
    unittest.main()
