"""Tutorial (docs/python.md): fit one parameter to one patient's number with SciPy, plot with
matplotlib.

A patient's pressure-pain threshold (PPT) over the upper trapezius trigger point is 220 kPa
before a session of ischaemic compression.  Which nociceptor sensitivity (noci.p_mech50, the
tissue pressure for half-maximal mechanical firing) gives that, and what does the model then
predict after the session?

    PYTHONPATH=python python3 examples/python/fit_ppt.py [SCENARIO] [OUT.png]
"""
import sys

import matplotlib
matplotlib.use("Agg")  # files, no display
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import brentq

import myoknot

SCENARIO = sys.argv[1] if len(sys.argv) > 1 else "scenarios/ischemic_compression_session.yaml"
OUT = sys.argv[2] if len(sys.argv) > 2 else "fit_ppt.png"
MEASURED_KPA = 220.0

param = myoknot.Model("tp_site").by_name("noci.p_mech50")
print("%s = %g %s (range %g .. %g); source: %s..." % (param.name, param.value, param.unit, param.lo,
                                                      param.hi, param.source[:40]))


def run(value):
    return myoknot.run(SCENARIO, set={param.name: "%.10g %s" % (value, param.unit),
                                      "output_every": "10 s"})


def ppt(result, label):
    return next(m.value for m in result.measurements if m.label == label)


# The model's PPT rises with p_mech50: the root of PPT(p) - measured inside the plausible range.
p_fit = brentq(lambda p: ppt(run(p), "PPT before") - MEASURED_KPA, param.lo, param.hi, xtol=0.01)
fit = run(p_fit)
before, after = ppt(fit, "PPT before"), ppt(fit, "PPT after")
print("fitted %s = %.1f %s: PPT before %.1f kPa (measured %.1f), after %.1f kPa (+%.1f)"
      % (param.name, p_fit, param.unit, before, MEASURED_KPA, after, after - before))

grid = np.linspace(param.lo, param.hi, 7)
curve = [ppt(run(p), "PPT before") for p in grid]
# Okabe-Ito colours (colour-blind safe)
BLUE, ORANGE, BLACK = "#0072B2", "#D55E00", "#000000"
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.3))
a.plot(grid, curve, "o-", color=BLUE, label="model")
a.axhline(MEASURED_KPA, color=BLACK, ls="--", label="measured (%.0f kPa)" % MEASURED_KPA)
a.axvline(p_fit, color=ORANGE, ls=":", lw=2, label="fitted (%.0f %s)" % (p_fit, param.unit))
a.set_xlabel("%s [%s]" % (param.name, param.unit))
a.set_ylabel("PPT before the session [kPa]")
a.set_title("PPT rises with the nociceptors' threshold:\none value fits the measured 220 kPa", fontsize=10)
a.legend()
t_min = fit.time_s / 60
b.plot(t_min, fit.series["pain.local"], color=BLUE, label="fitted patient")
b.set_xlabel("time [min]")
b.set_ylabel("local pain [0-10 NRS]")
b.set_title("The compression holds hurt; the pain ends with them", fontsize=10)
b.legend()
fig.tight_layout()
fig.savefig(OUT, dpi=80)
print("wrote %s" % OUT)
