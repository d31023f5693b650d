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

Since 2026-12-01 (branch pcr5) every row is run under both metabolic-dilator laws of the
surround (`--set phys.hyp_law=0`, the washout-limited law; `=1`, the exercise hyperaemia law,
docs/tp-site-model.md "Exercise hyperaemia law"; a model without that switch runs its one law),
and each row also runs the two protocols of
Slade et al. 2006 (NMR Biomed 19:573), the target's own source, on the same model:
  - repetitive: maximal isometric contractions, 30 s at 0.5 Hz, 50 % duty cycle (1 s on, 1 s off),
    then rest; `tau_fit` of the recovery over 8 min and the lowest pH in it (published: tau
    36.2 +- 3.5 s, pH 7.01 -> 6.78 +- 0.04 during recovery);
  - gated: 2-s maximal contractions every 30 s, 15 of them; over contractions 6-15, Q = PCr drop
    in a contraction and D = the further steady drop before a contraction (both % of rest), and
    tau = -30 s / ln(D / (D + Q)), Slade's formula (published: Q 8.86 +- 0.82 %, tau 41.8 +- 4.2 s,
    no pH fall).
Since branch glyco (2026-12-01) two rows run the model with the contraction activation of
glycolysis switched on (`--set phys.glyc_act_on=1`, the surround; with `phys.glyc_act_core=1`
also the core; docs/tp-site-model.md "Glycolytic activation"), when the model has the switch.
Since branch pyrox (2026-12-01) one row runs the model with oxidation of glycolytic pyruvate
switched on (`--set phys.pdh_on=1`; docs/tp-site-model.md "Fate of glycolytic pyruvate"), when
the model has the switch.
Since branch oxlaw (2026-12-01) the model's own law is Meyer's linear one (`phys.ox_law` 1) with
`ox_max` fitted to the target (calibration), so the "model" rows show it; two rows run the former
ADP Hill law with the former capacity (`--set phys.ox_law=0 --set phys.ox_max=0.5 mM/s`), and the
"Meyer's law in core and surround" rows use the switch instead of a rewritten copy.
Two rows add diagnostics built in the copy only: each-step activation of oxidative
phosphorylation in the surround (Korzeniewski; A_OX = A_UT^0.5, on 3 s, off 600 s, as the
reverted commit ed3537b built it) and `ox_max` 1.16 mM/s (Conley, Jubrias & Esselman 2000 J
Physiol 526:203, adult vastus lateralis).

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
description: the protocol of data/validation/12-pcr-recovery-tau.yaml, or one of Slade 2006's
duration: {dur}
output_every: 0.5 s
timeline:
  - {event}
"""
TARGET = "{{event: sustained_contraction, at: 1 min, level: {level} %, duration: 3 min}}"
# Slade et al. 2006 NMR Biomed 19:573, ankle dorsiflexion at maximal effort
REPETITIVE = "{event: intermittent_contraction, at: 1 min, level: 100 %, on: 1 s, off: 1 s, cycles: 15}"
GATED = "{event: intermittent_contraction, at: 1 min, level: 100 %, on: 2 s, off: 28 s, cycles: 15}"

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


# Each-step activation (Korzeniewski) in the surround, as ed3537b built it in the template (reverted
# in 77e4a5e): a state a_ox (1 at rest) follows A_UT^0.5 (ATP usage relative to rest) with 3 s up
# and 600 s down and raises the ADP law's sensitivity a_ox-fold, not its capacity.
ESA_LINES = ("var a_ut [1] = max(pos(j_demand) / (phys.j_rest * phys.q10), 1 [1]) {{ doc \"diagnostic\" }}\n"
             "{ind}state a_ox = 1 [1] {{ doc \"diagnostic\"; bound >= 0 }}\n"
             "{ind}d(a_ox)/dt = pos(a_ut ^ 0.5 - a_ox) / 3 [s] - pos(a_ox - a_ut ^ 0.5) / 600 [s]")
HILL_ESA = "phys.ox_max * adapt.oxc * hill({adp}, phys.k_adp / a_ox ^ (1 / phys.n_adp), phys.n_adp) * hill(pi, phys.k_pi_ox, 1)"


def variant(text, v_ox=None, j_ox=None, esa=None, each_step=False):
    text = inline_metabolism(text)
    s, e = surround_span(text)
    body = text[s:e]
    if each_step:
        law = v_ox or HILL_ESA.format(adp="adp")
        body, n = V_OX.subn(lambda m: (f'{m.group(1)}var v_ox [mM/s] = {law} {{ doc "diagnostic" }}\n'
                                       f'{m.group(1)}' + ESA_LINES.format(ind=m.group(1))), body)
        assert n == 1
    elif v_ox:
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


def simulate(exe, tmp, stem, model_text, event, dur, sets):
    mpath = os.path.join(tmp, stem + ".myo")
    with open(mpath, "w") as f:
        f.write(model_text)
    spath = os.path.join(tmp, stem + ".yaml")
    with open(spath, "w") as f:
        f.write(SCENARIO.format(event=event, dur=dur))
    out = os.path.join(tmp, stem)
    cmd = [exe, "run", spath, "--model", mpath, "--out", out, "--wide"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return series(os.path.join(out, "series.csv"))


def at(t, x):
    return min(range(len(t)), key=lambda i: abs(t[i] - x))


def repetitive(exe, tmp, stem, model_text, sets):
    """Slade 2006's repetitive protocol: tau_fit over 8 min of recovery and the lowest pH in it."""
    t, v, ph = simulate(exe, tmp, stem + "_rep", model_text, REPETITIVE, "12 min", sets)
    i0, i1 = at(t, 89.0), at(t, 89.0 + 480.0)   # the last contraction ends at 89 s
    return fit_tau(t, v, i0, i1), min(ph[i0:i1 + 1])


def gated(exe, tmp, stem, model_text, sets):
    """Slade 2006's gated protocol: mean Q and D over contractions 6-15 (% of resting PCr) and
    tau = -interval / ln(D / (D + Q))."""
    t, v, ph = simulate(exe, tmp, stem + "_gated", model_text, GATED, "10 min", sets)
    rest = v[at(t, 59.0)]
    qs, ds = [], []
    for k in range(5, 15):
        start = 60.0 + 30.0 * k
        before = v[at(t, start - 0.5)]
        after = min(v[at(t, start):at(t, start + 4.0) + 1])
        qs.append(100 * (before - after) / rest)
        ds.append(100 * (rest - before) / rest)
    q, d = sum(qs) / len(qs), sum(ds) / len(ds)
    tau = -30.0 / math.log(d / (d + q)) if d > 0 else float("nan")
    return q, d, tau


def run(exe, tmp, name, model_text, level=30, dur="12 min", sets=(), slade=True):
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name + "_" + "_".join(sets))
    t, v, ph = simulate(exe, tmp, stem, model_text, TARGET.format(level=level), dur, sets)
    i0 = t.index(240.0)
    i12 = max(i for i in range(len(t)) if t[i] <= 720.0)
    tau_stat = crossing(t, v, i0, v[i0] + (1 - math.exp(-1)) * (v[i12] - v[i0]))
    tau_fit = fit_tau(t, v, i0, i12)
    line = (f"{name:36s} {tau_fit:7.1f} {tau_stat:7.1f} {v[i0]:6.1f} {v[i0] / v[0]:5.2f} {v[i12]:6.1f} "
            f"{ph[i0]:6.2f} {min(ph[i0:]):6.2f}")
    if slade:
        r_tau, r_ph = repetitive(exe, tmp, stem, model_text, sets)
        q, d, g_tau = gated(exe, tmp, stem, model_text, sets)
        line += f" | {r_tau:6.1f} {r_ph:6.2f} | {q:5.2f} {d:5.2f} {g_tau:6.1f}"
    print(line, flush=True)


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "myoknot")
    with open(MODEL) as f:
        base = f.read()
    head = (f"{'':36s} {'target protocol: 30 % MVC 3 min unless named':52s} | {'Slade repet.':13s} | Slade gated\n"
            f"{'surround':36s} {'tau_fit':>7s} {'63%(s)':>7s} {'PCr end':>6s} {'/rest':>5s} {'PCr 12m':>6s} "
            f"{'pH end':>6s} {'pH min':>6s} | {'tau':>6s} {'pH min':>6s} | {'Q %':>5s} {'D %':>5s} {'tau':>6s}")
    has_ox_law = re.search(r"^\s*param ox_law = ", base, re.M) is not None
    with tempfile.TemporaryDirectory() as tmp:
        print("published (Isbell 2006; Slade 2006)   35-42 (tau_fit)                                  |   36.2   6.78 |  8.86     -   41.8")
        laws = (("0", "washout-limited dilator (hyp_law 0)"), ("1", "exercise hyperaemia law (hyp_law 1)"))
        if not re.search(r"^\s*param hyp_law = ", base, re.M):   # a model before the switch: its one law
            laws = ((None, "the model's dilator law (no phys.hyp_law switch in this model)"),)
        for law, title in laws:
            sw = [f"phys.hyp_law={law}"] if law is not None else []
            print(f"\n== {title}\n{head}")
            run(exe, tmp, "model", base, sets=sw)
            if re.search(r"^\s*param glyc_act_on = ", base, re.M):   # docs/tp-site-model.md "Glycolytic activation"
                run(exe, tmp, "glycolytic activation (glyc_act_on 1)", base, sets=sw + ["phys.glyc_act_on=1"])
                run(exe, tmp, "glyc. activation, core + surround", base, sets=sw + ["phys.glyc_act_on=1", "phys.glyc_act_core=1"])
            if re.search(r"^\s*param pdh_on = ", base, re.M):   # docs/tp-site-model.md "Fate of glycolytic pyruvate"
                run(exe, tmp, "pyruvate oxidation (pdh_on 1)", base, sets=sw + ["phys.pdh_on=1"])
            run(exe, tmp, "O2 unlimited after contraction", variant(base, j_ox=NO_O2), sets=sw)
            run(exe, tmp, "ADP signal at resting pH", variant(base, v_ox=HILL.format(adp=ADP_PH7)), sets=sw)
            run(exe, tmp, "pH clamped (beta 1e4 mM/pH)", base, sets=sw + ["phys.beta=10000 mM"])
            run(exe, tmp, "ADP at rest pH + O2 unlimited", variant(base, v_ox=HILL.format(adp=ADP_PH7), j_ox=NO_O2), sets=sw)
            run(exe, tmp, "linear law (Meyer), Q_max=ox_max", variant(base, v_ox=LINEAR), sets=sw)
            run(exe, tmp, "linear law + O2 unlimited", variant(base, v_ox=LINEAR, j_ox=NO_O2), sets=sw)
            run(exe, tmp, "each-step activation (surround)", variant(base, each_step=True), sets=sw)
            run(exe, tmp, "each-step + ADP rest pH + O2 unl.", variant(base, v_ox=HILL_ESA.format(adp=ADP_PH7), j_ox=NO_O2, each_step=True), sets=sw)
            run(exe, tmp, "ox_max 1.16 (Conley 2000, VL)", base, sets=sw + ["phys.ox_max=1.16 mM/s"])
            run(exe, tmp, "linear law, ox_max 1.16", variant(base, v_ox=LINEAR), sets=sw + ["phys.ox_max=1.16 mM/s"])
            if has_ox_law:   # since branch oxlaw: the law is a switch, Meyer's (1) the default
                hill = sw + ["phys.ox_law=0", "phys.ox_max=0.5 mM/s"]
                run(exe, tmp, "ADP Hill law, ox_max 0.5 (ox_law 0)", base, sets=hill)
                run(exe, tmp, "ADP Hill law, ox_max 0.5, 10 % MVC", base, level=10, sets=hill, slade=False)
            if law != "1":   # the former dilator law (or a model without the switch)
                meyer = (base, sw + ["phys.ox_law=1"]) if has_ox_law else (both(base, MEYER_BOTH), sw)
                run(exe, tmp, "Meyer's law in core and surround", meyer[0], sets=meyer[1])
                run(exe, tmp, "Meyer's law, both, 10 % MVC", meyer[0], level=10, sets=meyer[1], slade=False)
                for k, tau in ((3, 30), (10, 30), (10, 120)):
                    run(exe, tmp, f"parallel activation k {k}, tau {tau} s", variant(base, esa=(k, tau)), sets=sw)
            run(exe, tmp, "model, 10 % MVC", base, level=10, sets=sw, slade=False)
            run(exe, tmp, "model, 2 % MVC (near rest)", base, level=2, sets=sw, slade=False)


if __name__ == "__main__":
    main()
