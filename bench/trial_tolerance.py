#!/usr/bin/python3
"""trial_tolerance.py -- how loose may a trial's solver tolerance be? (docs/trials.md, "Solver
tolerance"; issue 11 item 6)

Runs the same virtual patients (same design, model, seed, patient count) at a reference
relative tolerance and at looser ones with `myoknot trial --rtol`, and compares each run with
the reference:

  - per patient, the noise-free (true) values: the baseline phenotype PPT and pain that
    acceptance reads (every patient), and every outcome's true value at every arm and time
    point of the patients analysed in both runs: max and RMS absolute error;
  - the patients whose fate (rejected / not enrolled / analysed / failed) differs;
  - every trial_summary.csv row: |md - md_ref| and |smd - smd_ref| against the reference
    row's 95 % CI half-width;
  - the CPU seconds of the run (the child's user + system time; a shared machine makes this
    noisy: the trial bench, mk_bench_trial, is the speed measurement).

usage: bench/trial_tolerance.py [--myoknot build/myoknot] [--patients N] [--seed S]
          [--model M] [--threads K] [--rtols 1e-8,1e-6,...] [--out DIR] [--reuse]
          DESIGN.yaml [DESIGN.yaml ...]
The first of --rtols is the reference.  With --reuse, runs whose folder already holds a
trial_summary.csv are read, not run again.
"""
import argparse
import csv
import math
import os
import resource
import subprocess
import sys


def run(args, design, rtol, out):
    if args.reuse and os.path.exists(os.path.join(out, "trial_summary.csv")):
        return float("nan")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [args.myoknot, "trial", design, "--model", args.model, "--patients", str(args.patients), "--seed",
           str(args.seed), "--threads", str(args.threads), "--rtol", rtol, "--out", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_patients(path):
    """fate per patient, baseline truths per patient, true outcomes per (patient, arm, time)."""
    fate, base, outc = {}, {}, {}
    with open(path) as f:
        for row in csv.DictReader(f):
            p = int(row["patient"])
            fate[p] = row["fate"]
            base[p] = (row["phenotype_ppt_kPa"], row["phenotype_pain"])
            if row["fate"] == "analysed":
                outc[(p, row["arm"], row["time"])] = {k[:-5]: row[k] for k in row if k.endswith("_true")}
    return fate, base, outc


def read_summary(path):
    with open(path) as f:
        return {(r["comparison"], r["outcome"], r["time"]): r for r in csv.DictReader(f)}


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return float("nan")


class Err:
    def __init__(self):
        self.max, self.ss, self.n = 0.0, 0.0, 0

    def add(self, a, b):
        a, b = num(a), num(b)
        if math.isnan(a) or math.isnan(b):
            return
        e = abs(a - b)
        self.max = max(self.max, e)
        self.ss += e * e
        self.n += 1

    def text(self, fmt="%.3g"):
        if not self.n:
            return "-"
        return (fmt % self.max) + " / " + (fmt % math.sqrt(self.ss / self.n))


def compare(ref_dir, dir_):
    rf, rb, ro = read_patients(os.path.join(ref_dir, "patients.csv"))
    f, b, o = read_patients(os.path.join(dir_, "patients.csv"))
    base_ppt, base_pain = Err(), Err()
    for p in rb:
        if p in b:
            base_ppt.add(rb[p][0], b[p][0])
            base_pain.add(rb[p][1], b[p][1])
    flips = sorted(p for p in rf if f.get(p) != rf[p])
    out = {}
    for key in ro:
        if key not in o:
            continue
        for name, v in ro[key].items():
            out.setdefault(name, Err()).add(v, o[key][name])
    rs, s = read_summary(os.path.join(ref_dir, "trial_summary.csv")), read_summary(os.path.join(dir_, "trial_summary.csv"))
    worst_md = worst_smd = 0.0
    worst_md_row = worst_smd_row = None
    same_n = True
    for key, r in rs.items():
        if key not in s:
            same_n = False
            continue
        t = s[key]
        if (r["n_a"], r["n_b"]) != (t["n_a"], t["n_b"]):
            same_n = False
        for what, lo, hi in (("md", "md_lo", "md_hi"), ("smd", "smd_lo", "smd_hi")):
            half = (num(r[hi]) - num(r[lo])) / 2
            if not half > 0:
                continue
            rel = abs(num(t[what]) - num(r[what])) / half
            if math.isnan(rel):
                continue
            if what == "md" and rel >= worst_md:
                worst_md, worst_md_row = rel, key
            if what == "smd" and rel >= worst_smd:
                worst_smd, worst_smd_row = rel, key
    return {"base_ppt": base_ppt, "base_pain": base_pain, "flips": flips, "out": out, "worst_md": worst_md,
            "worst_md_row": worst_md_row, "worst_smd": worst_smd, "worst_smd_row": worst_smd_row, "same_n": same_n,
            "n_analysed": sum(1 for p in f if f[p] == "analysed"), "n_outcome_rows": sum(1 for k in ro if k in o)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("designs", nargs="+")
    ap.add_argument("--myoknot", default="build/myoknot")
    ap.add_argument("--patients", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--model", default="tp_site_endplate_knot")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rtols", default="1e-8,1e-6,1e-5,1e-4,1e-3")
    ap.add_argument("--out", default="runs/trial-tolerance")
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    rtols = args.rtols.split(",")
    os.makedirs(args.out, exist_ok=True)
    for design in args.designs:
        name = os.path.splitext(os.path.basename(design))[0]
        dirs, cpu = {}, {}
        for r in rtols:
            dirs[r] = os.path.join(args.out, "%s-rtol%s" % (name, r))
            cpu[r] = run(args, design, r, dirs[r])
            print("  ran %s at rtol %s: %.1f s CPU" % (name, r, cpu[r]), file=sys.stderr, flush=True)
        ref = rtols[0]
        print("\n%s, %d patients, seed %d, model %s; reference rtol %s" % (name, args.patients, args.seed, args.model, ref))
        first = compare(dirs[ref], dirs[ref])
        names = sorted(first["out"])
        head = ["rtol", "CPU s", "baseline PPT kPa max / RMS", "baseline pain max / RMS"]
        head += ["%s max / RMS" % n for n in names]
        head += ["fate flips", "analysed", "summary |d md| / CI half (worst row)", "|d smd| / CI half (worst row)"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rtols:
            c = compare(dirs[ref], dirs[r])
            row = [r, "%.1f" % cpu[r] if not math.isnan(cpu[r]) else "-", c["base_ppt"].text(), c["base_pain"].text()]
            row += [c["out"][n].text() if n in c["out"] else "-" for n in names]
            row += ["%d%s" % (len(c["flips"]), (" (patients %s)" % ", ".join(map(str, c["flips"][:6]))) if c["flips"] else ""),
                    "%d" % c["n_analysed"],
                    "%.3g (%s)" % (c["worst_md"], ", ".join(c["worst_md_row"]) if c["worst_md_row"] else "-"),
                    "%.3g (%s)" % (c["worst_smd"], ", ".join(c["worst_smd_row"]) if c["worst_smd_row"] else "-")]
            print("| " + " | ".join(row) + " |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
