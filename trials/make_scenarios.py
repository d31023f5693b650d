#!/usr/bin/env python3
"""make_scenarios.py -- writes trials/scenarios/*.yaml, the arms of the shipped trial designs.

The arms share one everyday life (the active_trp phenotype's working life goes on: desk days
08:00-18:00 at 5 % MVC under work stress 0.7, Monday to Friday, work nights 01:00-06:00,
weekend nights 23:00-08:00) and differ only in their treatment events, so writing them from
one template keeps them identical where they must be.  t = 0 is Friday 18:00, the end of the
phenotype's history.  Run it after changing the template: python3 trials/make_scenarios.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
MON = 62  # hours from t = 0 (Friday 18:00) to Monday 08:00 of week 1


def life(weeks):
    out = ["  # everyday life: the working weeks go on (as in the active_trp history)"]
    for d in range(5):  # Monday..Friday
        at = MON + 24 * d
        out.append(f"  - {{event: desk_work, at: {at} h, load: 5 %, duration: 10 h, every: 1 week, times: {weeks}}}")
        out.append(f"  - {{event: stress, at: {at} h, level: 0.7, duration: 10 h, every: 1 week, times: {weeks}}}")
        out.append(f"  - {{event: sleep, at: {at - 7} h, duration: 5 h, every: 1 week, times: {weeks}}}")
    for d in range(2):  # Friday and Saturday nights
        out.append(f"  - {{event: sleep, at: {5 + 24 * d} h, duration: 9 h, every: 1 week, times: {weeks}}}")
    return out


def when(week, day, hh, mm):
    """minutes from t = 0 to week `week` (1-based), weekday `day` (0 = Monday), hh:mm"""
    return (MON - 8 + 168 * (week - 1) + 24 * day + hh) * 60 + mm


def measures(points):
    """points: [(label, minute)]: pain at work at the minute, PPT 70 min later, after work."""
    out = ["  # outcomes: pain while at work (17:50), PPT at a visit after work (19:00)"]
    for label, m in points:
        out.append(f"  - {{event: measure, at: {m} min, what: [pain], label: {label}}}")
        out.append(f"  - {{event: measure, at: {m + 70} min, what: [ppt], label: {label}}}")
    return out


def session(m, needling=False, sham=False, compression=False, exercise=False, label="session"):
    out = []
    if needling:
        s = ", sham: true" if sham else ""
        out.append(f"  - {{event: dry_needling, at: {m} min, rate: 1 1/s, duration: 1 min{s}, label: {label}}}")
        m += 5
    if compression:
        out.append(f"  - {{event: ischemic_compression, at: {m} min, pressure: 2.5 kg/cm2, tool: thumb, hold: 90 s, "
                   f"repeats: 3, rest: 30 s, label: {label}}}")
        m += 10
    if exercise:
        out.append(f"  - {{event: exercise, at: {m} min, level: 30 %, sets: 3, reps: 10, on: 3 s, off: 3 s, "
                   f"rest: 2 min, label: {label}}}")
    return out


def write(name, header, description, weeks, sessions, points):
    lines = [f"# {name}.yaml -- {header}", "#",
             "# Written by trials/make_scenarios.py (edit the template there, not this file).",
             f"name: {name}", "description: >-", f"  {description}",
             "patient: active_trp", "site: {muscle: upper_trapezius, side: right}",
             f"duration: {weeks * 168 + 24} h", f"output_every: {weeks * 168 + 24} h", "timeline:"]
    lines += life(weeks)
    if sessions:
        lines.append("  # treatment sessions at a clinic visit after work (19:10), after that day's measurements")
        lines += sessions
    lines += measures(points)
    with open(os.path.join(HERE, "scenarios", name + ".yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


# 12-week trials: baseline Monday of week 1 (before session 1), 4 weeks (Friday of week 4),
# 12 weeks (Friday of week 12)
P12 = [("baseline", when(1, 0, 17, 50)), ("week 4", when(4, 4, 17, 50)), ("week 12", when(12, 4, 17, 50))]
# sessions at 19:10 on days (week, weekday)
GATTIE = [(1, 0), (1, 3), (2, 0), (2, 3), (3, 0), (3, 3), (4, 0)]      # 7 sessions over 4 weeks
STIEVEN = [(1, 0), (1, 3), (2, 0), (3, 0), (4, 0)]                     # 5 sessions (4-6) over 4 weeks


def course(days, **kw):
    out = []
    for k, (w, d) in enumerate(days):
        out += session(when(w, d, 19, 10), label=f"session {k + 1}", **kw)
    return out


write("gattie_needling", "Gattie 2021 arm: dry needling + manual therapy + exercise",
      "Active upper-trapezius TrP, working life goes on; 7 sessions over 4 weeks of dry needling, ischaemic "
      "compression (manual therapy) and exercise.", 12, course(GATTIE, needling=True, compression=True, exercise=True), P12)
write("gattie_sham", "Gattie 2021 arm: sham needling + manual therapy + exercise",
      "As gattie_needling with a non-penetrating sham needle.", 12,
      course(GATTIE, needling=True, sham=True, compression=True, exercise=True), P12)
write("stieven_physio_needling", "Stieven 2020 arm: guideline physiotherapy + dry needling",
      "Active upper-trapezius TrP, working life goes on; 5 sessions over 4 weeks of manual therapy and exercise "
      "with dry needling.", 12, course(STIEVEN, needling=True, compression=True, exercise=True), P12)
write("stieven_physio", "Stieven 2020 arm: guideline physiotherapy (manual therapy + exercise)",
      "As stieven_physio_needling without the needling.", 12, course(STIEVEN, compression=True, exercise=True), P12)

# short trials: baseline before the session on Monday of week 1 (pain at work 17:50, PPT after
# work 19:00), the session at 19:10, right after it (19:30), 1 week later
S0 = when(1, 0, 19, 10)
PS = [("baseline", when(1, 0, 17, 50)), ("after", S0 + 20), ("week 1", when(2, 0, 17, 50))]


def measures_short(points):
    """the 'after' point is a clinic measurement right after the session: pain and PPT together"""
    out = ["  # outcomes: pain at work (17:50) and PPT after work (19:00); right after the session both at once"]
    for label, m in points:
        if label == "after":
            out.append(f"  - {{event: measure, at: {m} min, what: [pain, ppt], label: {label}}}")
        else:
            out.append(f"  - {{event: measure, at: {m} min, what: [pain], label: {label}}}")
            out.append(f"  - {{event: measure, at: {m + 70} min, what: [ppt], label: {label}}}")
    return out


measures = measures_short
write("compression_single", "one session of ischaemic compression",
      "Active upper-trapezius TrP: one session of ischaemic compression (2.5 kg/cm2, 3 x 90 s) after work on "
      "Monday of week 1.", 2, session(S0, False, compression=True, label="IC"), PS)
write("compression_sham", "sham compression: light touch for the same time",
      "As compression_single with light touch given as a sham treatment (rubbing at intensity 0.1 for 5 min, sham: true) instead of compression.", 2,
      [f"  - {{event: rubbing, at: {S0} min, intensity: 0.1, duration: 5 min, sham: true, label: sham}}"], PS)
# the needling design reads 'after' 5 min after the 1-min session ends, as dn-ppt-vs-weak-comparator does
# ("immediately", Navarro-Santana 2020): the needle's segmental inhibition is seen at 3 and 5 min
# and gone by 10 (Srbely 2010), so at 19:30, 19 min after, a trial would measure none of it
PS_DN = [("baseline", when(1, 0, 17, 50)), ("after", S0 + 6), ("week 1", when(2, 0, 17, 50))]
write("needling_three", "dry needling, three sessions in week 1",
      "Active upper-trapezius TrP: dry needling after work on Monday, Wednesday and Friday of week 1.", 2,
      session(S0, True, label="DN 1") + session(when(1, 2, 19, 10), True, label="DN 2") +
      session(when(1, 4, 19, 10), True, label="DN 3"), PS_DN)
write("waiting_list", "no treatment (waiting list): the natural course",
      "Active upper-trapezius TrP, working life goes on, no treatment.", 2, [], PS_DN)
