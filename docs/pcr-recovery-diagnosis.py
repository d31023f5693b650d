#!/usr/bin/env python3
"""What limits PCr recovery in tp_site (validation target pcr-recovery-tau, 35-42 s).

Measurement, not a fit: runs the target's protocol (30 % MVC for 3 min, then rest) on the
default model and on diagnostic copies of it in which one piece of the surround's energetics is
switched off, and prints for each the target's statistic (`tau_fit`: the time constant of a
mono-exponential with a free end value fitted by least squares to 4-12 min, as `validate` computes
it), the former statistic (time from the end of the contraction to 63.2 % of the way to the value
at 12 min, used until stop 13), the time to 63.2 % of the way back to the pre-exercise PCr, and
the PCr left 8 min after.  One row replaces the ADP law in the core and the surround by Meyer's
linear law (Meyer 1988), a sourced law with no new parameter (docs/tp-site-model.md, "PCr
recovery").  The diagnostic copies are
written to a temporary directory; nothing in models/ changes.  None of them is a model: they
switch a mechanism off to weigh it (docs/tp-site-model.md, "PCr recovery").

    python3 docs/pcr-recovery-diagnosis.py [path/to/myoknot]   (default build/myoknot)
"""
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "tp_site.myo")

SCENARIO = """name: pcr_recovery_diagnosis
description: the protocol of data/validation/12-pcr-recovery-tau.yaml
duration: {dur}
output_every: 0.5 s
timeline:
  - {{event: sustained_contraction, at: 1 min, level: {level} %, duration: 3 min}}
"""

# The surround's oxidative flux laws (the core's are left alone: the target reads the surround).
V_OX = re.compile(r"^(\s*)var v_ox \[mM/s\] = .*$", re.M)
J_OX = re.compile(r"^(\s*)var j_ox \[mM/s\] = .*$", re.M)
HILL = "phys.ox_max * adapt.oxc * hill({adp}, phys.k_adp, phys.n_adp) * hill(pi, phys.k_pi_ox, 1)"
ADP_PH7 = "adp * h / (10 ^ (3 - phys.ph_rest) * 1 [mM])"   # ADP the same PCr would give at resting pH
LINEAR = "phys.j_rest * phys.q10 + phys.ox_max * adapt.oxc * pos(phys.pcr_rest - pcr) / phys.pcr_rest"
# O2 supply made unlimited once the contraction is over (u < 1 %): synthesis = what ADP asks for
NO_O2 = "phys.p_o2ratio * vo2 + (v_ox - phys.p_o2ratio * vo2) * (1 - sigmoid(u, 0.01, 0.002))"


# Meyer 1988 (Am J Physiol 254:C548): oxidative ATP synthesis linear in the PCr deficit, through
# the resting turnover at resting PCr, with the conductance Q_max / PCr_rest (Q_max = ox_max)
HILL_BOTH = "phys.ox_max * adapt.oxc * hill(adp, phys.k_adp, phys.n_adp) * hill(pi, phys.k_pi_ox, 1)"
MEYER_BOTH = "pos(phys.j_rest * phys.q10 + phys.ox_max * adapt.oxc * (phys.pcr_rest - pcr) / phys.pcr_rest)"


def both(text, law):
    """The core's and the surround's oxidative law replaced by `law` (the same in both: the
    metabolism template holds it once)."""
    assert text.count(HILL_BOTH) == 1
    return text.replace(HILL_BOTH, law)


def surround_span(text):
    start = text.index("component surround {")
    end = text.index("\ncomponent ", start + 1)
    return start, end


def inline_metabolism(text):
    """The surround's `use metabolism` replaced by the template's body, so that a diagnostic copy
    can change the surround's laws while the core keeps the shared template (models/tp_site.myo
    writes the energetics once, in templates, since 2026-11; before this the copies' patterns
    found no law in the surround and the script stopped)."""
    t0 = text.index("template metabolism {")
    t1 = text.index("\n}\n", t0)
    lines = text[t0:t1].split("\n")[1:]
    body = "\n".join(l for l in lines if not l.strip().startswith("doc "))
    s, e = surround_span(text)
    comp = text[s:e]
    assert comp.count("  use metabolism\n") == 1
    comp = comp.replace("  use metabolism\n", body + "\n")
    return text[:s] + comp + text[e:]


def variant(text, v_ox=None, j_ox=None, esa=None):
    text = inline_metabolism(text)
    s, e = surround_span(text)
    body = text[s:e]
    if v_ox:
        body, n = V_OX.subn(lambda m: f'{m.group(1)}var v_ox [mM/s] = {v_ox} {{ doc "diagnostic" }}', body)
        assert n == 1
    if j_ox:
        body, n = J_OX.subn(lambda m: f'{m.group(1)}var j_ox [mM/s] = {j_ox} {{ doc "diagnostic" }}', body)
        assert n == 1
    if esa:  # parallel activation: a state following activation, multiplying the Hill law
        k, tau = esa
        law = HILL.format(adp="adp") + f" * (1 + {k} * a_par)"
        body, n = V_OX.subn(lambda m: (f'{m.group(1)}var v_ox [mM/s] = {law} {{ doc "diagnostic" }}\n'
                                       f'{m.group(1)}state a_par = 0 [1] {{ doc "diagnostic" }}\n'
                                       f'{m.group(1)}d(a_par)/dt = (u - a_par) / {tau} [s]'), body)
        assert n == 1
    return text[:s] + body + text[e:]


def series(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    t = [float(r["t_s"]) for r in rows]
    return t, [float(r["surround.pcr [mM]"]) for r in rows], [float(r["surround.ph [1]"]) for r in rows]


def exp_sse(t, v, i0, i1, tau):
    xs = [math.exp(-(t[i] - t[i0]) / tau) for i in range(i0, i1 + 1)]
    ys = v[i0:i1 + 1]
    n, sx, sy = len(xs), sum(xs), sum(ys)
    sxx, sxy = sum(x * x for x in xs), sum(x * y for x, y in zip(xs, ys))
    det = n * sxx - sx * sx
    if not det > 0:
        return float("inf")
    b = (n * sxy - sx * sy) / det
    a = (sy - b * sx) / n
    return sum((y - a - b * x) ** 2 for x, y in zip(xs, ys))


def fit_tau(t, v, i0, i1):
    """validate's tau_fit (src/validate/validate.c fit_tau): log grid, then golden section."""
    span = t[i1] - t[i0]
    lo, hi, grid = math.log(span * 1e-3), math.log(span * 10), 240
    step = (hi - lo) / (grid - 1)
    sse = [exp_sse(t, v, i0, i1, math.exp(lo + k * step)) for k in range(grid)]
    best = min(range(grid), key=lambda k: sse[k])
    if best in (0, grid - 1):
        return float("nan")
    a, b = lo + (best - 1) * step, lo + (best + 1) * step
    g = 0.5 * (math.sqrt(5) - 1)
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = exp_sse(t, v, i0, i1, math.exp(c)), exp_sse(t, v, i0, i1, math.exp(d))
    for _ in range(60):
        if b - a <= 1e-9:
            break
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = exp_sse(t, v, i0, i1, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = exp_sse(t, v, i0, i1, math.exp(d))
    return math.exp(0.5 * (a + b))


def crossing(t, v, i0, y):
    for i in range(i0 + 1, len(t)):
        if v[i] >= y:
            return t[i - 1] + (y - v[i - 1]) / (v[i] - v[i - 1]) * (t[i] - t[i - 1]) - t[i0]
    return float("nan")


def run(exe, tmp, name, model_text, level=30, dur="12 min", sets=()):
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name)
    mpath = os.path.join(tmp, stem + ".myo")
    with open(mpath, "w") as f:
        f.write(model_text)
    spath = os.path.join(tmp, stem + ".yaml")
    with open(spath, "w") as f:
        f.write(SCENARIO.format(level=level, dur=dur))
    out = os.path.join(tmp, stem)
    cmd = [exe, "run", spath, "--model", mpath, "--out", out, "--wide"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t, v, ph = series(os.path.join(out, "series.csv"))
    i0 = t.index(240.0)
    i12 = max(i for i in range(len(t)) if t[i] <= 720.0)
    tau_stat = crossing(t, v, i0, v[i0] + (1 - math.exp(-1)) * (v[i12] - v[i0]))
    tau_rest = crossing(t, v, i0, v[i0] + (1 - math.exp(-1)) * (v[0] - v[i0]))
    tau_fit = fit_tau(t, v, i0, i12)
    print(f"{name:34s} {tau_fit:7.1f} {tau_stat:7.1f} {tau_rest:8.1f} {v[i0]:7.2f} {v[i12]:7.2f} {min(ph[i0:]):6.3f}")


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "myoknot")
    with open(MODEL) as f:
        base = f.read()
    print(f"{'surround, 30 % MVC 3 min unless named':34s} {'tau_fit':>7s} {'63%(s)':>7s} {'to rest':>8s} {'PCr end':>7s} "
          f"{'PCr 12m':>7s} {'pH min':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        run(exe, tmp, "model", base)
        run(exe, tmp, "O2 unlimited after contraction", variant(base, j_ox=NO_O2))
        run(exe, tmp, "ADP signal at resting pH", variant(base, v_ox=HILL.format(adp=ADP_PH7)))
        run(exe, tmp, "pH clamped (beta 1e4 mM/pH)", base, sets=["phys.beta=10000 mM"])
        run(exe, tmp, "ADP at rest pH + O2 unlimited", variant(base, v_ox=HILL.format(adp=ADP_PH7), j_ox=NO_O2))
        run(exe, tmp, "linear law (Meyer), Q_max=ox_max", variant(base, v_ox=LINEAR))
        run(exe, tmp, "linear law + O2 unlimited", variant(base, v_ox=LINEAR, j_ox=NO_O2))
        run(exe, tmp, "Meyer's law in core and surround", both(base, MEYER_BOTH))
        run(exe, tmp, "Meyer's law, both, 10 % MVC", both(base, MEYER_BOTH), level=10)
        for k, tau in ((3, 30), (10, 30), (10, 120)):
            run(exe, tmp, f"parallel activation k {k}, tau {tau} s", variant(base, esa=(k, tau)))
        run(exe, tmp, "model, 10 % MVC", base, level=10)
        run(exe, tmp, "model, 2 % MVC (near rest)", base, level=2)


if __name__ == "__main__":
    main()
