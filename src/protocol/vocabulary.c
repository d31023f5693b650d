/*
 * vocabulary.c -- the scenario's event types (desk work, stress, cuff occlusion, ischaemic
 * compression, measurements, ...) translated into the site interface's inputs
 * (docs/site-interface.md): each event becomes a plan of input segments relative to its
 * start, which is then repeated (every/times) onto the timeline.  Every value of an event is
 * read in a canonical unit of its own (kPa, %, s, ...) and then converted to the unit the
 * model declares for the input, so a model variant may declare mmHg where the contract says
 * kPa.  The reference is docs/scenarios.md.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body/anatomy.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "protocol/scenario_impl.h"

enum {
    MAX_PLAN_SEGS = MK_MAX_EVENT_CHANGES,
    MAX_TOTAL_SEGS = MK_MAX_TIMELINE_CHANGES,
    MAX_TIMES = MK_MAX_EVENT_TIMES
};

typedef struct ev_cx {
    sc_ctx *cx;
    const mk_ynode *ev;
    const char *type;
    char where[96]; /* "in event 'stretch'" */
} ev_cx;

/* ---------------------------------------------------------------- small helpers */

/* snprintf that may truncate on purpose (labels are for figures) */
static void set_text(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_text(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

static mk_status nomem(sc_ctx *cx) { return mk_fail(cx->err, MK_ERR_NOMEM, "out of memory"); }

static mk_status need(ev_cx *e, const char *key, const char *hint, const mk_ypair **out)
{
    *out = mk_yfind(e->ev, key);
    if (*out) return MK_OK;
    return sc_missing(e->cx, e->ev, key, e->where, hint);
}

/* A label the model lacks: noted, so that the whole timeline's missing labels are reported
 * in one error (sc_timeline) rather than one per run of the command. */
static void missing(ev_cx *e, const mk_ynode *at, mk_site_label l, const char *what)
{
    sc_ctx *cx = e->cx;
    if (!cx->missing) {
        cx->miss_line = at->line;
        cx->miss_col = at->col;
        set_text(cx->miss_what, sizeof cx->miss_what, "%s", what);
    }
    cx->missing |= MK_SITE_BIT(l);
}

/* Index of an interface input the event writes, -1 (noted as missing) if the model has no
 * such label. */
static mk_status input_of(ev_cx *e, mk_site_label l, int *idx)
{
    *idx = mk_site_input(&e->cx->site, l);
    if (*idx < 0) {
        char what[64];
        set_text(what, sizeof what, "event '%s'", e->type);
        missing(e, e->ev, l, what);
    }
    return MK_OK;
}

/* value in canon -> the input's declared unit */
static mk_status to_input(ev_cx *e, int idx, double v, const char *canon, double *out)
{
    const mk_symbol *in = &e->cx->abi->inputs[idx];
    mk_error e2 = {0};
    if (mk_units_convert(e->cx->u, v, canon, in->unit, out, &e2) && e2.code == MK_ERR_NOMEM)
        return sc_fail(e->cx, e->ev->line, e->ev->col, MK_ERR_NOMEM, "out of memory");
    if (e2.code)
        return sc_fail(e->cx, e->ev->line, e->ev->col, MK_ERR_UNIT,
                       "model '%s' declares input '%s' in %s, which cannot hold %s (event '%s')",
                       e->cx->abi->name, in->name, in->unit, canon, e->type);
    return MK_OK;
}

static mk_status emit(ev_cx *e, sc_plan *pl, int input, double t0, double t1, double value)
{
    if (pl->n == pl->cap) {
        if (pl->n >= MAX_PLAN_SEGS)
            return sc_fail(e->cx, e->ev->line, e->ev->col, MK_ERR_INVALID,
                           "event '%s' expands to more than %d input changes: use longer "
                           "intervals",
                           e->type, MAX_PLAN_SEGS);
        int cap = pl->cap ? 2 * pl->cap : 16;
        sc_seg *s = mk_realloc(pl->segs, (size_t)cap * sizeof *s);
        if (!s) return nomem(e->cx);
        pl->segs = s;
        pl->cap = cap;
    }
    pl->segs[pl->n++] = (sc_seg){input, t0, t1, value, e->ev, e->type, 0};
    if (t1 > pl->length) pl->length = t1;
    return MK_OK;
}

/* An input held at a value (given in canon) over [t0, t1). */
static mk_status hold(ev_cx *e, sc_plan *pl, mk_site_label input, double t0, double t1, double v,
                      const char *canon)
{
    int idx;
    double w;
    mk_status rc = input_of(e, input, &idx);
    if (idx < 0) return rc;
    if (!rc) rc = to_input(e, idx, v, canon, &w);
    if (!rc) rc = emit(e, pl, idx, t0, t1, w);
    return rc;
}

/* A treatment session runs over the whole occurrence planned so far, [0, pl->length): the
 * therapy_session flag the model's treatment expectation (placebo analgesia) follows.  Every
 * treatment ritual carries it, real or sham, whatever its dose; measurements, experimental
 * stimuli and everyday life do not (a PPT probe is not a treatment).  Optional: a model
 * without the label has no expectation to engage and runs the event as before. */
static mk_status session(ev_cx *e, sc_plan *pl)
{
    int idx = mk_site_input(&e->cx->site, MK_L_THERAPY_SESSION);
    double w;
    if (idx < 0 || pl->length <= 0) return MK_OK;
    mk_status rc = to_input(e, idx, 1, "1", &w);
    if (!rc) rc = emit(e, pl, idx, 0, pl->length, w);
    if (!rc) pl->segs[pl->n - 1].flag = 1;
    return rc;
}

static mk_status quantity(ev_cx *e, const char *key, const char *canon, const char *what,
                          int flags, double lo, double hi, const char *hint, double *out)
{
    const mk_ypair *p;
    mk_status rc = need(e, key, hint, &p);
    if (!rc) rc = sc_quantity(e->cx, p, canon, what, flags, lo, hi, out);
    return rc;
}

static mk_status opt_quantity(ev_cx *e, const char *key, const char *canon, const char *what,
                              int flags, double lo, double hi, double dflt, double *out)
{
    const mk_ypair *p = mk_yfind(e->ev, key);
    if (!p) {
        *out = dflt;
        return MK_OK;
    }
    return sc_quantity(e->cx, p, canon, what, flags, lo, hi, out);
}

static mk_status duration(ev_cx *e, const char *key, double *out)
{
    char hint[64];
    snprintf(hint, sizeof hint, "a time, e.g. '%s: %s'", key,
             strcmp(key, "hold") == 0 ? "90 s" : strcmp(key, "duration") == 0 ? "8 h" : "30 s");
    return quantity(e, key, "s", "a time", SQ_POSITIVE, NAN, NAN, hint, out);
}

static mk_status opt_duration(ev_cx *e, const char *key, double dflt, double *out)
{
    return opt_quantity(e, key, "s", "a time", SQ_POSITIVE, NAN, NAN, dflt, out);
}

static mk_status count(ev_cx *e, const char *key, int required, long dflt, long *out)
{
    const mk_ypair *p = mk_yfind(e->ev, key);
    if (!p) {
        if (!required) {
            *out = dflt;
            return MK_OK;
        }
        char hint[64];
        snprintf(hint, sizeof hint, "a positive integer, e.g. '%s: %ld'", key, dflt);
        return sc_missing(e->cx, e->ev, key, e->where, hint);
    }
    return sc_int(e->cx, p, 1, MAX_PLAN_SEGS, out);
}

static const char *const k_percent_what = "a percentage";

/* ---------------------------------------------------------------- load */

static mk_status ev_desk_work(ev_cx *e, sc_plan *pl)
{
    double load, dur, pause = 0, every = 0;
    mk_status rc = quantity(e, "load", "%", "a muscle activation (% MVC)", SQ_POSITIVE, NAN, 100,
                            "the activation in % MVC, e.g. 'load: 5 %'", &load);
    if (!rc) rc = duration(e, "duration", &dur);
    if (rc) return rc;
    const mk_ypair *pp = mk_yfind(e->ev, "pause"), *pe = mk_yfind(e->ev, "pause_every");
    if (pp || pe) {
        if (!pp)
            return sc_missing(e->cx, e->ev, "pause", e->where,
                              "how long each micro-pause lasts, e.g. 'pause: 30 s'");
        if (!pe)
            return sc_missing(e->cx, e->ev, "pause_every", e->where,
                              "how often a micro-pause starts, e.g. 'pause_every: 20 min'");
        if ((rc = sc_quantity(e->cx, pp, "s", "a time", SQ_POSITIVE, NAN, NAN, &pause)) ||
            (rc = sc_quantity(e->cx, pe, "s", "a time", SQ_POSITIVE, NAN, NAN, &every)))
            return rc;
        if (pause >= every)
            return sc_fail(e->cx, pp->val->line, pp->val->col, MK_ERR_INVALID,
                           "'pause' (%g s) must be shorter than 'pause_every' (%g s)", pause,
                           every);
    }
    int idx;
    double w;
    if ((rc = input_of(e, MK_L_LOAD_ACTIVATION, &idx)) || idx < 0 ||
        (rc = to_input(e, idx, load, "%", &w)))
        return rc;
    if (!pp) return emit(e, pl, idx, 0, dur, w);
    for (double t = 0; t < dur; t += every) {
        double t1 = t + (every - pause);
        if (t1 > dur) t1 = dur;
        if ((rc = emit(e, pl, idx, t, t1, w))) return rc;
    }
    pl->length = dur;
    return MK_OK;
}

static mk_status level(ev_cx *e, double *out)
{
    return quantity(e, "level", "%", "a contraction level (% MVC)", SQ_POSITIVE, NAN, 100,
                    "the contraction level in % MVC, e.g. 'level: 30 %'", out);
}

static mk_status ev_sustained_contraction(ev_cx *e, sc_plan *pl)
{
    double lv, dur;
    mk_status rc = level(e, &lv);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_LOAD_ACTIVATION, 0, dur, lv, "%");
    return rc;
}

static mk_status ev_intermittent_contraction(ev_cx *e, sc_plan *pl)
{
    double lv, on, off;
    long cycles;
    mk_status rc = level(e, &lv);
    if (!rc) rc = duration(e, "on", &on);
    if (!rc) rc = duration(e, "off", &off);
    if (!rc) rc = count(e, "cycles", 1, 10, &cycles);
    for (long c = 0; !rc && c < cycles; c++)
        rc = hold(e, pl, MK_L_LOAD_ACTIVATION, (double)c * (on + off), (double)c * (on + off) + on,
                  lv, "%");
    return rc;
}

static mk_status ev_exercise(ev_cx *e, sc_plan *pl)
{
    double lv, on, off, rest;
    long sets, reps;
    mk_status rc = level(e, &lv);
    if (!rc) rc = count(e, "sets", 1, 3, &sets);
    if (!rc) rc = count(e, "reps", 1, 10, &reps);
    if (!rc) rc = opt_duration(e, "on", 3, &on);
    if (!rc) rc = opt_duration(e, "off", 3, &off);
    if (!rc) rc = opt_duration(e, "rest", 60, &rest);
    double t = 0;
    for (long s = 0; !rc && s < sets; s++) {
        for (long r = 0; !rc && r < reps; r++) {
            rc = hold(e, pl, MK_L_LOAD_ACTIVATION, t, t + on, lv, "%");
            t += on + (r + 1 < reps ? off : 0);
        }
        t += rest;
    }
    return rc;
}

/* ---------------------------------------------------------------- life */

static mk_status ev_stress(ev_cx *e, sc_plan *pl)
{
    double lv, dur;
    mk_status rc = quantity(e, "level", "1", "a stress level between 0 and 1", SQ_BARE | SQ_POSITIVE,
                            NAN, 1, "0 calm .. 1 high, e.g. 'level: 0.6'", &lv);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_LIFE_STRESS, 0, dur, lv, "1");
    return rc;
}

static mk_status ev_sleep(ev_cx *e, sc_plan *pl)
{
    double dur;
    mk_status rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_LIFE_SLEEP, 0, dur, 1, "1");
    return rc;
}

static mk_status ev_dehydration(ev_cx *e, sc_plan *pl)
{
    double d, dur;
    mk_status rc = quantity(e, "deficit", "%", "a body water deficit (% of body mass)",
                            SQ_POSITIVE, NAN, 100, "% of body mass, e.g. 'deficit: 2 %'", &d);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_LIFE_DEHYDRATION, 0, dur, d, "%");
    return rc;
}

static mk_status ev_heat(ev_cx *e, sc_plan *pl)
{
    double r, dur;
    mk_status rc = quantity(e, "rise", "K", "a temperature rise", SQ_POSITIVE | SQ_DELTA, NAN, NAN,
                            "the tissue warming, e.g. 'rise: 3 K'", &r);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_LIFE_HEAT, 0, dur, r, "K");
    return rc;
}

/* ---------------------------------------------------------------- experiments */

static mk_status ev_cuff_occlusion(ev_cx *e, sc_plan *pl)
{
    double p, dur;
    mk_status rc = quantity(e, "pressure", "mmHg", "a pressure", SQ_POSITIVE, NAN, NAN,
                            "the cuff pressure, e.g. 'pressure: 240 mmHg'", &p);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_EXP_CUFF, 0, dur, p, "mmHg");
    return rc;
}

static const char *const k_substances[] = {"hypertonic_saline", "acid", "bradykinin_serotonin",
                                           "glutamate", NULL};
static const mk_site_label k_substance_input[] = {MK_L_EXP_SALINE_RATE, MK_L_EXP_ACID_RATE,
                                                  MK_L_EXP_BK5HT_RATE, MK_L_EXP_GLUTAMATE_RATE};
/* canonical amount and rate units of each substance (the contract's) */
static const char *const k_substance_amount[] = {"uL", "uL", "nmol", "umol"};
static const char *const k_substance_rate[] = {"uL/min", "uL/min", "nmol/min", "umol/min"};
static const char *const k_substance_amount_what[] = {"a volume", "a volume", "an amount of substance",
                                                      "an amount of substance"};
static const char *const k_substance_rate_what[] = {"a volume per time", "a volume per time",
                                                    "an amount per time", "an amount per time"};

static mk_status substance(ev_cx *e, int *k)
{
    const mk_ypair *p;
    mk_status rc = need(e, "substance", "hypertonic_saline, acid, bradykinin_serotonin or glutamate",
                        &p);
    if (!rc) rc = sc_enum(e->cx, p, k_substances, "substance", k);
    return rc;
}

static mk_status ev_infusion(ev_cx *e, sc_plan *pl)
{
    int k;
    double r, dur;
    mk_status rc = substance(e, &k);
    if (rc) return rc;
    char hint[64];
    snprintf(hint, sizeof hint, "e.g. 'rate: 10 %s'", k_substance_rate[k]);
    if ((rc = quantity(e, "rate", k_substance_rate[k], k_substance_rate_what[k], SQ_POSITIVE, NAN,
                       NAN, hint, &r)))
        return rc;
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, k_substance_input[k], 0, dur, r, k_substance_rate[k]);
    return rc;
}

static mk_status ev_injection(ev_cx *e, sc_plan *pl)
{
    int k;
    double amount, over;
    mk_status rc = substance(e, &k);
    if (rc) return rc;
    const mk_ypair *vol = mk_yfind(e->ev, "volume"), *amt = mk_yfind(e->ev, "amount");
    if (vol && amt)
        return sc_fail(e->cx, amt->line, amt->col, MK_ERR_INVALID,
                       "give either 'volume' or 'amount' %s, not both", e->where);
    if (!vol && !amt)
        return sc_missing(e->cx, e->ev, k < 2 ? "volume" : "amount", e->where,
                          k < 2 ? "the injected volume, e.g. 'volume: 0.5 mL'"
                                : "the injected amount, e.g. 'amount: 10 nmol'");
    if ((rc = sc_quantity(e->cx, vol ? vol : amt, k_substance_amount[k],
                          k_substance_amount_what[k], SQ_POSITIVE, NAN, NAN, &amount)) ||
        (rc = opt_duration(e, "over", 20, &over)))
        return rc;
    /* amount over `over` seconds, as a rate per minute */
    return hold(e, pl, k_substance_input[k], 0, over, amount / over * 60.0, k_substance_rate[k]);
}

static mk_status ev_electrical_stimulation(ev_cx *e, sc_plan *pl)
{
    double rate, in, dur;
    mk_status rc = quantity(e, "rate", "Hz", "a pulse rate", SQ_POSITIVE, NAN, NAN,
                            "the pulse rate, e.g. 'rate: 10 Hz'", &rate);
    if (!rc)
        rc = quantity(e, "intensity", "1", "a multiple of the motor threshold", SQ_BARE | SQ_POSITIVE,
                      NAN, NAN, "a multiple of the motor threshold, e.g. 'intensity: 1.5'", &in);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_EXP_ESTIM_RATE, 0, dur, rate, "Hz");
    if (!rc) rc = hold(e, pl, MK_L_EXP_ESTIM_INTENSITY, 0, dur, in, "1");
    return rc;
}

/* ---------------------------------------------------------------- therapy */

static const char *const k_tools[] = {"thumb", "ball", "tool", "algometer", "roller", NULL};
/* contact areas, cm2: a thumb pad about 2 cm2, an algometer tip 1 cm2 (Fischer 1987);
 * ball 4 cm2, tool 1 cm2 and a foam roller's strip 30 cm2 (15 cm of a roller's length, 2 cm
 * wide) are assumptions (docs/scenarios.md) */
static const double k_tool_area_cm2[] = {2, 4, 1, 1, 30};

/* repeats x hold with rest in between; returns the segments through add(t0, t1) */
static mk_status repeats(ev_cx *e, long *n, double *hold_s, double *rest_s)
{
    mk_status rc = duration(e, "hold", hold_s);
    if (!rc) rc = count(e, "repeats", 0, 1, n);
    if (!rc) rc = opt_duration(e, "rest", 30, rest_s);
    return rc;
}

static mk_status ev_ischemic_compression(ev_cx *e, sc_plan *pl)
{
    const mk_ypair *pp = mk_yfind(e->ev, "pressure"), *pf = mk_yfind(e->ev, "force");
    if (pp && pf)
        return sc_fail(e->cx, pf->line, pf->col, MK_ERR_INVALID,
                       "give either 'pressure' or 'force' %s, not both", e->where);
    if (!pp && !pf)
        return sc_missing(e->cx, e->ev, "pressure", e->where,
                          "e.g. 'pressure: 2.5 kg/cm2', or 'force: 40 N' with a tool or area");
    int tool = 0;
    const mk_ypair *pt = mk_yfind(e->ev, "tool");
    mk_status rc = MK_OK;
    if (pt && (rc = sc_enum(e->cx, pt, k_tools, "tool", &tool))) return rc;
    double area, kpa, hold_s, rest_s;
    long n;
    if ((rc = opt_quantity(e, "area", "cm2", "an area", SQ_POSITIVE, NAN, NAN,
                           k_tool_area_cm2[tool], &area)))
        return rc;
    if (pp) {
        if ((rc = sc_quantity(e->cx, pp, "kPa", "a pressure", SQ_POSITIVE, NAN, NAN, &kpa)))
            return rc;
    } else {
        double newton;
        if ((rc = sc_quantity(e->cx, pf, "N", "a force", SQ_POSITIVE, NAN, NAN, &newton)))
            return rc;
        kpa = newton / area * 10.0; /* 1 N/cm2 = 10 kPa */
    }
    if ((rc = repeats(e, &n, &hold_s, &rest_s))) return rc;
    for (long r = 0; !rc && r < n; r++) {
        double t0 = (double)r * (hold_s + rest_s);
        rc = hold(e, pl, MK_L_THERAPY_PRESSURE, t0, t0 + hold_s, kpa, "kPa");
        if (!rc) rc = hold(e, pl, MK_L_THERAPY_AREA, t0, t0 + hold_s, area, "cm2");
    }
    return rc;
}

/* Massage and foam rolling: moving pressure over the site -- the pressure (tissue pressure, skin
 * A-beta input, and pain with its conditioned modulation when it hurts) plus the rubbing's touch. */
static mk_status ev_massage(ev_cx *e, sc_plan *pl)
{
    int tool = 0;
    const mk_ypair *pt = mk_yfind(e->ev, "tool");
    mk_status rc = MK_OK;
    if (pt && (rc = sc_enum(e->cx, pt, k_tools, "tool", &tool))) return rc;
    double area, kpa, in, dur;
    rc = opt_quantity(e, "area", "cm2", "an area", SQ_POSITIVE, NAN, NAN, k_tool_area_cm2[tool], &area);
    if (!rc)
        rc = quantity(e, "pressure", "kPa", "a pressure", SQ_POSITIVE, NAN, NAN,
                      "the pressure on the skin, e.g. 'pressure: 1 kg/cm2'", &kpa);
    if (!rc) rc = opt_quantity(e, "intensity", "1", "an intensity between 0 and 1", SQ_BARE | SQ_POSITIVE,
                               NAN, 1, 1, &in);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_THERAPY_PRESSURE, 0, dur, kpa, "kPa");
    if (!rc) rc = hold(e, pl, MK_L_THERAPY_AREA, 0, dur, area, "cm2");
    if (!rc) rc = hold(e, pl, MK_L_THERAPY_TOUCH, 0, dur, in, "1");
    return rc;
}

static mk_status ev_touch(ev_cx *e, sc_plan *pl)
{
    double in, dur;
    mk_status rc = quantity(e, "intensity", "1", "an intensity between 0 and 1",
                            SQ_BARE | SQ_POSITIVE, NAN, 1, "0 .. 1, e.g. 'intensity: 0.5'", &in);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc) rc = hold(e, pl, MK_L_THERAPY_TOUCH, 0, dur, in, "1");
    return rc;
}

/* Rubbing, unless a therapist gives it as a sham treatment ('sham: true', the light touch of a
 * compression trial's sham arm): then it carries a session's expectation, as a sham needle does. */
static mk_status ev_rubbing(ev_cx *e, sc_plan *pl)
{
    int sham = 0;
    const mk_ypair *ps = mk_yfind(e->ev, "sham");
    mk_status rc = ps ? sc_bool(e->cx, ps, &sham) : MK_OK;
    if (!rc) rc = ev_touch(e, pl);
    if (!rc && sham) rc = session(e, pl);
    return rc;
}

static mk_status ev_stretch(ev_cx *e, sc_plan *pl)
{
    double strain, hold_s, rest_s;
    long n;
    mk_status rc = quantity(e, "strain", "%", k_percent_what, SQ_POSITIVE, NAN, 100,
                            "% above resting length, e.g. 'strain: 10 %'", &strain);
    if (!rc) rc = repeats(e, &n, &hold_s, &rest_s);
    for (long r = 0; !rc && r < n; r++) {
        double t0 = (double)r * (hold_s + rest_s);
        rc = hold(e, pl, MK_L_LOAD_STRETCH, t0, t0 + hold_s, strain, "%");
    }
    return rc;
}

static mk_status ev_dry_needling(ev_cx *e, sc_plan *pl)
{
    double rate, dur;
    int sham = 0;
    const mk_ypair *ps = mk_yfind(e->ev, "sham");
    mk_status rc = quantity(e, "rate", "1/s", "a rate of needle movements", SQ_POSITIVE, NAN, NAN,
                            "needle movements per second, e.g. 'rate: 1 1/s'", &rate);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc && ps) rc = sc_bool(e->cx, ps, &sham);
    if (!rc)
        rc = hold(e, pl, sham ? MK_L_THERAPY_SHAM_RATE : MK_L_THERAPY_NEEDLE_RATE, 0, dur, rate, "1/s");
    return rc;
}

static mk_status ev_analgesic(ev_cx *e, sc_plan *pl)
{
    static const char *const kinds[] = {"nsaid", "central", NULL};
    const mk_ypair *pk;
    int k;
    double eff, dur;
    mk_status rc = need(e, "kind", "nsaid or central", &pk);
    if (!rc) rc = sc_enum(e->cx, pk, kinds, "analgesic kind", &k);
    if (!rc)
        rc = quantity(e, "effect", "1", "an effect between 0 and 1", SQ_BARE | SQ_POSITIVE, NAN, 1,
                      "the fraction blocked, 0 .. 1, e.g. 'effect: 0.6'", &eff);
    if (!rc) rc = duration(e, "duration", &dur);
    if (!rc)
        rc = hold(e, pl, k == 0 ? MK_L_THERAPY_NSAID : MK_L_THERAPY_CENTRAL_ANALGESIC, 0, dur, eff, "1");
    return rc;
}

/* A trigger-point injection of local anaesthetic: the dose delivered over `over`.  The volume
 * only checks the solution: lidocaine for infiltration is 0.25-2 % (2.5-20 mg/mL), and plain
 * lidocaine's maximum single dose is 4.5 mg/kg, at most 300 mg (product labelling). */
static mk_status ev_lidocaine_injection(ev_cx *e, sc_plan *pl)
{
    double dose, vol, over;
    mk_status rc = quantity(e, "dose", "mg", "a mass", SQ_POSITIVE, NAN, 300,
                            "the lidocaine injected, e.g. 'dose: 5 mg' (1 mL of 0.5 %)", &dose);
    if (!rc)
        rc = quantity(e, "volume", "mL", "a volume", SQ_POSITIVE, NAN, NAN,
                      "the volume injected, e.g. 'volume: 1 mL'", &vol);
    if (!rc) rc = opt_duration(e, "over", 20, &over);
    if (rc) return rc;
    if (dose / vol > 20.0 * (1 + 1e-12)) {
        const mk_ypair *pd = mk_yfind(e->ev, "dose");
        return sc_fail(e->cx, pd->val->line, pd->val->col, MK_ERR_INVALID,
                       "%g mg of lidocaine in %g mL is %.3g %% (%.3g mg/mL) %s: local "
                       "infiltration uses 0.25-2 %% (at most 20 mg/mL); lower 'dose' or raise "
                       "'volume'",
                       dose, vol, dose / vol / 10.0, dose / vol, e->where);
    }
    rc = hold(e, pl, MK_L_THERAPY_ANAESTHETIC_RATE, 0, over, dose / over * 60.0, "mg/min");
    return rc;
}

/* ---------------------------------------------------------------- measurements */

static const char *const k_meas_names[] = {"ppt", "pain", "stiffness", "noise", "output", NULL};

static int has_output(const mk_model_abi *abi, const char *name)
{
    return mk_abi_find(abi, MK_SYM_STATE, name) >= 0 || mk_abi_find(abi, MK_SYM_VAR, name) >= 0;
}

/* An interface output a measurement reads: a state or a variable; noted if missing. */
static mk_status need_output(ev_cx *e, const mk_ynode *at, mk_site_label l, const char *why)
{
    const mk_site *site = &e->cx->site;
    if (site->index[l] >= 0 && (site->kind[l] == MK_SYM_STATE || site->kind[l] == MK_SYM_VAR))
        return MK_OK;
    missing(e, at, l, why);
    return MK_OK;
}

static mk_status meas_push(sc_ctx *cx, sc_plan *pl, const mk_measurement *m)
{
    if (pl->n_meas == pl->cap_meas) {
        int cap = pl->cap_meas ? 2 * pl->cap_meas : 4;
        mk_measurement *a = mk_realloc(pl->meas, (size_t)cap * sizeof *a);
        if (!a) return nomem(cx);
        pl->meas = a;
        pl->cap_meas = cap;
    }
    pl->meas[pl->n_meas++] = *m;
    return MK_OK;
}

/* The kinds of measurement 'what' asks for (one or a list), each once: into kinds[], their
 * number into *n, and which were asked for into used[]. */
static mk_status meas_kinds(ev_cx *e, const mk_ypair *pw, int kinds[8], int *n, int used[5])
{
    sc_ctx *cx = e->cx;
    const mk_ypair *whats[8];
    mk_ypair tmp[8];
    int k = 0;
    if (pw->val->kind == MK_Y_SEQ) {
        if (pw->val->n == 0 || pw->val->n > 8)
            return sc_fail(cx, pw->val->line, pw->val->col, MK_ERR_INVALID,
                           "expected 1 to 8 kinds of measurement in 'what', found %d",
                           pw->val->n);
        for (int i = 0; i < pw->val->n; i++) {
            tmp[i] = (mk_ypair){.key = pw->key, .line = pw->line, .col = pw->col,
                               .val = pw->val->items[i]};
            whats[k++] = &tmp[i];
        }
    } else {
        whats[k++] = pw;
    }
    for (int i = 0; i < k; i++) {
        mk_status rc = sc_enum(cx, whats[i], k_meas_names, "measurement", &kinds[i]);
        if (rc) return rc;
        if (used[kinds[i]])
            return sc_fail(cx, whats[i]->val->line, whats[i]->val->col, MK_ERR_INVALID,
                           "'%s' is listed twice in 'what'", whats[i]->val->text);
        used[kinds[i]] = 1;
    }
    *n = k;
    return MK_OK;
}

/* A key that applies to none of the kinds asked for is an error. */
static mk_status meas_check_keys(ev_cx *e, const mk_ypair *pw, const int used[5])
{
    static const struct {
        const char *key;
        int kind_a, kind_b;
    } k_keys[] = {{"rate", 0, 0}, {"area", 0, 1}, {"region", 1, 1}, {"pressure", 1, 1},
                  {"name", 4, 4}};
    for (size_t k = 0; k < sizeof k_keys / sizeof k_keys[0]; k++) {
        const mk_ypair *p = mk_yfind(e->ev, k_keys[k].key);
        if (p && !used[k_keys[k].kind_a] && !used[k_keys[k].kind_b])
            return sc_fail(e->cx, p->line, p->col, MK_ERR_NAME,
                           "key '%s' does not apply to measuring %s (it belongs to %s%s%s)",
                           p->key, pw->val->kind == MK_Y_SEQ ? "these" : pw->val->text,
                           k_meas_names[k_keys[k].kind_a],
                           k_keys[k].kind_a != k_keys[k].kind_b ? " and " : "",
                           k_keys[k].kind_a != k_keys[k].kind_b ? k_meas_names[k_keys[k].kind_b]
                                                                : "");
    }
    return MK_OK;
}

/* The optional 'region' of a pain rating ('local' or a region id with its side). */
static mk_status meas_region(ev_cx *e, char *region, size_t size)
{
    sc_ctx *cx = e->cx;
    snprintf(region, size, "local");
    const mk_ypair *pr = mk_yfind(e->ev, "region");
    if (!pr) return MK_OK;
    char raw[64];
    mk_status rc = sc_string(cx, pr, raw, sizeof raw);
    if (rc) return rc;
    mk_anatomy_region_id(raw, region, size);
    if (strcmp(region, "local") == 0 || !cx->anat || mk_anatomy_has_region(cx->anat, region))
        return MK_OK;
    const char *hint = mk_anatomy_suggest(cx->anat, region, 0);
    if (hint)
        return sc_fail(cx, pr->val->line, pr->val->col, MK_ERR_NAME,
                       "unknown region '%s' (did you mean '%s'?)", raw, hint);
    return sc_fail(cx, pr->val->line, pr->val->col, MK_ERR_NAME,
                   "unknown region '%s' (expected 'local' or a region of "
                   "data/anatomy/body_regions.csv with its side, e.g. 'temple_r')",
                   raw);
}

/* The model output an 'output' measurement records ('name'). */
static mk_status meas_output(ev_cx *e, char *output, size_t size)
{
    sc_ctx *cx = e->cx;
    const mk_ypair *pn;
    mk_status rc;
    if ((rc = need(e, "name", "the model output to record, e.g. 'name: core.po2'", &pn)) ||
        (rc = sc_string(cx, pn, output, size)))
        return rc;
    if (has_output(cx->abi, output)) return MK_OK;
    const char *hint = sc_suggest_symbols(cx->abi, -1, output);
    if (hint)
        return sc_fail(cx, pn->val->line, pn->val->col, MK_ERR_NAME,
                       "unknown output '%s' of model '%s' (did you mean '%s'?)", output,
                       cx->abi->name, hint);
    return sc_fail(cx, pn->val->line, pn->val->col, MK_ERR_NAME,
                   "unknown output '%s' of model '%s' (expected a state or variable, "
                   "e.g. 'core.po2')",
                   output, cx->abi->name);
}

/* What one kind of measurement reads and records, and its default label, into m and dflt. */
typedef struct meas_opts {
    double rate_kpa_s, area, pressure;
    const char *region, *output;
} meas_opts;

static mk_status meas_fill(ev_cx *e, const mk_ynode *at, int kind, const meas_opts *o,
                           mk_measurement *m, char *dflt, size_t size)
{
    mk_status rc;
    switch (kind) {
    case 0:
        if ((rc = need_output(e, at, MK_L_PAIN_EVOKED_MARGIN, "a PPT measurement"))) return rc;
        m->kind = MK_MEAS_PPT;
        m->arg = o->rate_kpa_s;
        m->area_cm2 = o->area;
        snprintf(dflt, size, "PPT");
        break;
    case 1:
        if ((rc = need_output(e, at, strcmp(o->region, "local") ? MK_L_PAIN_REFERRED : MK_L_PAIN_LOCAL,
                              "a pain rating")))
            return rc;
        m->kind = MK_MEAS_PAIN;
        m->arg = o->pressure;
        m->area_cm2 = o->area;
        snprintf(m->region, sizeof m->region, "%s", o->region);
        snprintf(dflt, size, "pain %s", o->region);
        break;
    case 2:
        if ((rc = need_output(e, at, MK_L_BAND_STIFFNESS, "a stiffness measurement"))) return rc;
        m->kind = MK_MEAS_STIFFNESS;
        snprintf(dflt, size, "stiffness");
        break;
    case 3:
        if ((rc = need_output(e, at, MK_L_ENDPLATE_NOISE, "an endplate noise measurement"))) return rc;
        m->kind = MK_MEAS_NOISE;
        snprintf(dflt, size, "endplate noise");
        break;
    default:
        m->kind = MK_MEAS_OUTPUT;
        snprintf(m->output, sizeof m->output, "%s", o->output);
        set_text(dflt, size, "%s", o->output);
        break;
    }
    return MK_OK;
}

static mk_status ev_measure(ev_cx *e, sc_plan *pl)
{
    sc_ctx *cx = e->cx;
    const mk_ypair *pw;
    mk_status rc = need(e, "what", "ppt, pain, stiffness, noise or output (or a list of them)", &pw);
    if (rc) return rc;
    int kinds[8], n = 0, used[5] = {0};
    if ((rc = meas_kinds(e, pw, kinds, &n, used)) || (rc = meas_check_keys(e, pw, used))) return rc;
    char label[64] = "";
    const mk_ypair *pl_label = mk_yfind(e->ev, "label");
    if (pl_label && (rc = sc_string(cx, pl_label, label, sizeof label))) return rc;

    meas_opts o;
    char region[64], output[128] = "";
    if ((rc = opt_quantity(e, "rate", "kPa/s", "a pressure ramp rate", SQ_POSITIVE, NAN, NAN,
                           98.0665, &o.rate_kpa_s)) ||
        (rc = opt_quantity(e, "area", "cm2", "an area", SQ_POSITIVE, NAN, NAN, 1, &o.area)) ||
        (rc = opt_quantity(e, "pressure", "kPa", "a pressure", SQ_NONNEG, NAN, NAN, 0, &o.pressure)) ||
        (rc = meas_region(e, region, sizeof region)) ||
        (used[4] && (rc = meas_output(e, output, sizeof output))))
        return rc;
    o.region = region;
    o.output = output;
    for (int i = 0; i < n; i++) {
        mk_measurement m;
        memset(&m, 0, sizeof m);
        m.line = e->ev->line;
        m.col = e->ev->col;
        snprintf(m.site, sizeof m.site, "%s", cx->site_prefix);
        m.site_index = cx->site_index;
        char dflt[96];
        const mk_ynode *at = pw->val->kind == MK_Y_SEQ ? pw->val->items[i] : pw->val;
        if ((rc = meas_fill(e, at, kinds[i], &o, &m, dflt, sizeof dflt))) return rc;
        if (m.site[0]) set_text(dflt + strlen(dflt), sizeof dflt - strlen(dflt), " at %s", m.site);
        if (!label[0]) set_text(m.label, sizeof m.label, "%s", dflt);
        else if (n == 1) snprintf(m.label, sizeof m.label, "%s", label);
        else set_text(m.label, sizeof m.label, "%s %s", label, dflt);
        if ((rc = meas_push(cx, pl, &m))) return rc;
    }
    return MK_OK;
}

/* ---------------------------------------------------------------- the table */

typedef mk_status (*build_fn)(ev_cx *e, sc_plan *pl);

typedef struct ev_def {
    const char *name;
    const char *kind; /* annotation kind; NULL: a measurement */
    const char *keys[10];
    build_fn build;
    int session; /* a treatment session: holds therapy_session over the occurrence (session()) */
} ev_def;

static const ev_def k_events[] = {
    {"desk_work", "load", {"load", "duration", "pause", "pause_every"}, ev_desk_work, 0},
    {"sustained_contraction", "load", {"level", "duration"}, ev_sustained_contraction, 0},
    {"intermittent_contraction", "load", {"level", "on", "off", "cycles"},
     ev_intermittent_contraction, 0},
    {"exercise", "load", {"level", "sets", "reps", "on", "off", "rest"}, ev_exercise, 0},
    {"stress", "life", {"level", "duration"}, ev_stress, 0},
    {"sleep", "life", {"duration"}, ev_sleep, 0},
    {"dehydration", "life", {"deficit", "duration"}, ev_dehydration, 0},
    {"heat", "life", {"rise", "duration"}, ev_heat, 0},
    {"cuff_occlusion", "experiment", {"pressure", "duration"}, ev_cuff_occlusion, 0},
    {"infusion", "experiment", {"substance", "rate", "duration"}, ev_infusion, 0},
    {"injection", "experiment", {"substance", "volume", "amount", "over"}, ev_injection, 0},
    {"electrical_stimulation", "experiment", {"rate", "intensity", "duration"},
     ev_electrical_stimulation, 0},
    /* Treatment sessions (the last field): every treatment ritual carries the expectation of
     * relief, real or sham.  The algometer's PPT probe is a measurement, not a compression; TENS
     * is the experiment's electrical stimulation given as a treatment (the same pulses as an
     * experimental stimulus carry none); vibration is a device applied to the painful muscle
     * for tens of minutes (Lundeberg 1983); the stretch is the therapeutic one, not posture; the
     * needle real or sham alike (the credible sham's whole point); a pill taken for the pain
     * (a placebo pill is a treatment ritual like any other; `effect` is the drug against
     * placebo, so the two do not overlap); lidocaine injected by a clinician.  Rubbing is not,
     * unless given as a sham treatment (ev_rubbing): it is what anyone does to a sore spot. */
    {"ischemic_compression", "therapy",
     {"pressure", "force", "tool", "area", "hold", "repeats", "rest"}, ev_ischemic_compression, 1},
    {"rubbing", "therapy", {"intensity", "duration", "sham"}, ev_rubbing, 0},
    {"massage", "therapy", {"pressure", "tool", "area", "intensity", "duration"}, ev_massage, 1},
    {"tens", "therapy", {"rate", "intensity", "duration"}, ev_electrical_stimulation, 1},
    {"vibration", "therapy", {"intensity", "duration"}, ev_touch, 1},
    {"stretch", "therapy", {"strain", "hold", "repeats", "rest"}, ev_stretch, 1},
    {"dry_needling", "therapy", {"rate", "duration", "sham"}, ev_dry_needling, 1},
    {"analgesic", "therapy", {"kind", "effect", "duration"}, ev_analgesic, 1},
    {"lidocaine_injection", "therapy", {"dose", "volume", "over"}, ev_lidocaine_injection, 1},
    {"measure", NULL, {"what", "label", "rate", "area", "region", "pressure", "name"}, ev_measure, 0},
};
enum { N_EVENTS = sizeof k_events / sizeof k_events[0] };

static const char *const k_common[] = {"event", "at", "every", "times", "label", "site"};

static const ev_def *find_event(const char *name)
{
    if (strcmp(name, "ischaemic_compression") == 0) name = "ischemic_compression";
    for (int i = 0; i < N_EVENTS; i++)
        if (strcmp(k_events[i].name, name) == 0) return &k_events[i];
    return NULL;
}

static mk_status grow(sc_ctx *cx, void **arr, int *cap, int need_n, size_t elem)
{
    if (need_n <= *cap) return MK_OK;
    int c = *cap ? *cap : 64;
    while (c < need_n) c *= 2;
    void *a = mk_realloc(*arr, (size_t)c * elem);
    if (!a) return nomem(cx);
    *arr = a;
    *cap = c;
    return MK_OK;
}

/* site: INSTANCE on an event of a scenario with sites: (docs/site-composition.md): the event
 * sets that site's inputs or, a measurement, reads that site ("levator_scapulae_r"); without
 * it, the first site's. */
static mk_status event_site(sc_ctx *cx, const ev_def *def, const mk_ypair *ps, mk_site *out)
{
    mk_scn_site sites[MK_MAX_SITES];
    int n = 0;
    mk_status rc = mk_scenario_sites(cx->s, cx->anat, sites, &n, cx->err);
    if (rc) return rc;
    if (!n)
        return sc_fail(cx, ps->line, ps->col, MK_ERR_INVALID,
                       "'site' on an event needs the scenario's 'sites:' list (several trigger points)");
    (void)def;
    char want[64];
    if ((rc = sc_string(cx, ps, want, sizeof want))) return rc;
    char names[MK_MAX_SITES][64];
    const char *list[MK_MAX_SITES];
    for (int i = 0; i < n && i < MK_MAX_SITES; i++) {
        snprintf(names[i], sizeof names[i], "%.48s_%.1s", sites[i].muscle, sites[i].side);
        list[i] = names[i];
        if (!strcmp(names[i], want)) {
            mk_site_resolve_prefix(cx->abi, names[i], out);
            snprintf(cx->site_prefix, sizeof cx->site_prefix, "%s", names[i]);
            cx->site_index = i;
            for (int l = 0; l < MK_L_COUNT; l++)
                if (mk_site_has(out, (mk_site_label)l)) return MK_OK;
            /* a scenario with sites: compiled against a model not composed from them */
            return sc_fail(cx, ps->val->line, ps->val->col, MK_ERR_MODEL,
                           "model '%s' has no site '%s': a scenario with 'sites:' runs the model "
                           "composed from its sites (myoknot run composes it)", cx->abi->name, want);
        }
    }
    const char *hint = mk_suggest(want, list, n);
    return sc_fail(cx, ps->val->line, ps->val->col, MK_ERR_NAME,
                   "unknown site '%s'%s%s%s (a site of 'sites:' is named muscle_r or muscle_l, e.g. '%s')",
                   want, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "", names[0]);
}

/* The event type of a timeline item, into *out; an unknown type gets a did-you-mean. */
static mk_status event_def(sc_ctx *cx, const mk_ynode *item, const ev_def **out)
{
    if (item->kind != MK_Y_MAP)
        return sc_fail(cx, item->line, item->col, MK_ERR_SYNTAX,
                       "expected an event (a mapping with 'event:' and 'at:'), found %s",
                       sc_kind_name(item));
    const mk_ypair *pe = mk_yfind(item, "event");
    if (!pe)
        return sc_fail(cx, item->line, item->col, MK_ERR_SYNTAX,
                       "missing key 'event' in a timeline item (the event type, e.g. 'event: "
                       "stretch')");
    if (pe->val->kind != MK_Y_SCALAR || !pe->val->text[0])
        return sc_fail(cx, pe->val->kind == MK_Y_SCALAR ? pe->line : pe->val->line,
                       pe->val->kind == MK_Y_SCALAR ? pe->col : pe->val->col, MK_ERR_SYNTAX,
                       "expected an event type for 'event', found %s", sc_kind_name(pe->val));
    *out = find_event(pe->val->text);
    if (*out) return MK_OK;
    const char *names[N_EVENTS];
    for (int i = 0; i < N_EVENTS; i++) names[i] = k_events[i].name;
    const char *hint = mk_suggest(pe->val->text, names, N_EVENTS);
    if (hint)
        return sc_fail(cx, pe->val->line, pe->val->col, MK_ERR_NAME,
                       "unknown event type '%s' (did you mean '%s'?)", pe->val->text, hint);
    return sc_fail(cx, pe->val->line, pe->val->col, MK_ERR_NAME,
                   "unknown event type '%s' (the event types are listed in docs/scenarios.md)",
                   pe->val->text);
}

/* When an event happens: its start, and for a repeated one its interval and count. */
static mk_status event_when(ev_cx *e, double *at, double *every, long *times)
{
    sc_ctx *cx = e->cx;
    const mk_ynode *item = e->ev;
    const mk_ypair *pat, *pev = mk_yfind(item, "every"), *pt = mk_yfind(item, "times");
    mk_status rc;
    *every = 0;
    *times = 1;
    if ((rc = need(e, "at", "when it starts, e.g. 'at: 90 s' or 'at: day 8 09:00'", &pat)) ||
        (rc = sc_quantity(cx, pat, "s", "a time", SQ_NONNEG | SQ_CLOCK, NAN, NAN, at)))
        return rc;
    if (pev && !pt)
        return sc_missing(cx, item, "times", e->where,
                          "'every' needs the number of occurrences, e.g. 'times: 5'");
    if (pt && (rc = sc_int(cx, pt, 1, MAX_TIMES, times))) return rc;
    if (*times > 1 && !pev)
        return sc_missing(cx, item, "every", e->where,
                          "'times' needs the interval between occurrences, e.g. 'every: 1 d'");
    if (pev && (rc = sc_quantity(cx, pev, "s", "a time", SQ_POSITIVE, NAN, NAN, every))) return rc;
    return MK_OK;
}

/* An occurrence that ends after the scenario is an error. */
static mk_status past_end(sc_ctx *cx, const mk_ynode *item, const ev_def *def, double t1, long k,
                          long times)
{
    char a[80], b[80], occ[64] = "";
    if (times > 1) snprintf(occ, sizeof occ, " (occurrence %ld of %ld)", k + 1, times);
    if (def->kind)
        return sc_fail(cx, item->line, item->col, MK_ERR_INVALID,
                       "event '%s'%s runs past the end of the scenario: it ends at %s, "
                       "after the end at %s",
                       def->name, occ, sc_fmt_time(t1, a, sizeof a),
                       sc_fmt_time(cx->duration, b, sizeof b));
    return sc_fail(cx, item->line, item->col, MK_ERR_INVALID,
                   "measurement%s past the end of the scenario: it is at %s, after "
                   "the end at %s",
                   occ, sc_fmt_time(t1, a, sizeof a), sc_fmt_time(cx->duration, b, sizeof b));
}

/* The built plan onto the timeline, once per occurrence: its input segments, measurements
 * and (for an event with a kind) one annotation per occurrence. */
static mk_status event_place(sc_ctx *cx, const mk_ynode *item, const ev_def *def,
                             const sc_plan *plan, const char *label, double at, double every,
                             long times)
{
    mk_status rc;
    if ((long)cx->n_segs + (long)plan->n * times > MAX_TOTAL_SEGS)
        return sc_fail(cx, item->line, item->col, MK_ERR_INVALID,
                       "the timeline expands to more than %d input changes", MAX_TOTAL_SEGS);
    if ((rc = grow(cx, (void **)&cx->segs, &cx->cap_segs, cx->n_segs + plan->n * (int)times,
                   sizeof *cx->segs)) ||
        (rc = grow(cx, (void **)&cx->meas, &cx->cap_meas, cx->n_meas + plan->n_meas * (int)times,
                   sizeof *cx->meas)) ||
        (def->kind && (rc = grow(cx, (void **)&cx->notes, &cx->cap_notes,
                                 cx->n_notes + (int)times, sizeof *cx->notes))))
        return rc;
    for (long k = 0; k < times; k++) {
        double t0 = at + (double)k * every, t1 = t0 + plan->length;
        double tol = 1e-9 * (cx->duration > 1 ? cx->duration : 1);
        if (t1 > cx->duration + tol) return past_end(cx, item, def, t1, k, times);
        for (int i = 0; i < plan->n; i++) {
            sc_seg s = plan->segs[i];
            s.t0 += t0;
            s.t1 += t0;
            cx->segs[cx->n_segs++] = s;
        }
        for (int i = 0; i < plan->n_meas; i++) {
            mk_measurement m = plan->meas[i];
            m.t_s = t0;
            if (times > 1) {
                char l[64];
                snprintf(l, sizeof l, "%s", m.label);
                set_text(m.label, sizeof m.label, "%s %ld/%ld", l, k + 1, times);
            }
            cx->meas[cx->n_meas++] = m;
        }
        if (def->kind) {
            mk_annotation *an = &cx->notes[cx->n_notes++];
            memset(an, 0, sizeof *an);
            an->t0_s = t0;
            an->t1_s = t1;
            if (times > 1) snprintf(an->label, sizeof an->label, "%s %ld/%ld", label, k + 1, times);
            else snprintf(an->label, sizeof an->label, "%s", label);
            snprintf(an->kind, sizeof an->kind, "%s", def->kind);
        }
    }
    return MK_OK;
}

static mk_status one_event(sc_ctx *cx, const mk_ynode *item)
{
    const ev_def *def;
    mk_status rc = event_def(cx, item, &def);
    if (rc) return rc;
    ev_cx e = {.cx = cx, .ev = item, .type = def->name};
    snprintf(e.where, sizeof e.where, "in event '%s'", def->name);
    const char *allowed[20];
    int na = 0;
    for (size_t i = 0; i < sizeof k_common / sizeof k_common[0]; i++) allowed[na++] = k_common[i];
    for (int i = 0; def->keys[i]; i++)
        if (strcmp(def->keys[i], "label") != 0) allowed[na++] = def->keys[i];
    allowed[na] = NULL;
    if ((rc = sc_check_keys(cx, item, allowed, e.where))) return rc;

    double at, every;
    long times;
    if ((rc = event_when(&e, &at, &every, &times))) return rc;
    char label[64] = "";
    const mk_ypair *pl = mk_yfind(item, "label");
    if (pl && def->kind && (rc = sc_string(cx, pl, label, sizeof label))) return rc;
    if (!label[0] && def->kind) {
        snprintf(label, sizeof label, "%s", def->name);
        for (char *c = label; *c; c++)
            if (*c == '_') *c = ' ';
    }

    /* where: the first site's inputs, or those of the site named */
    const mk_ypair *ps = mk_yfind(item, "site");
    mk_site first = cx->site;
    if (ps && (rc = event_site(cx, def, ps, &cx->site))) return rc;

    /* what */
    sc_plan plan = {0};
    plan.kind = def->kind;
    rc = def->build(&e, &plan);
    if (!rc && def->session) rc = session(&e, &plan); /* at the event's site, before it resets */
    cx->site = first;
    cx->site_prefix[0] = 0;
    cx->site_index = 0;
    if (!rc) rc = event_place(cx, item, def, &plan, label, at, every, times);
    free(plan.segs);
    free(plan.meas);
    return rc;
}

mk_status sc_timeline(sc_ctx *cx, const mk_ynode *tl)
{
    mk_site_resolve(cx->abi, &cx->site);
    cx->missing = 0;
    for (int i = 0; i < tl->n; i++) {
        mk_status rc = one_event(cx, tl->items[i]);
        if (rc) return rc;
    }
    /* every label the timeline needs and the model lacks, in one message */
    char what[128];
    set_text(what, sizeof what, "this scenario's timeline (the first: %s)", cx->miss_what);
    return mk_site_require(&cx->site, cx->missing, what, cx->s->file, cx->miss_line, cx->miss_col,
                           cx->err);
}
