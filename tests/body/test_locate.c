/*
 * test_locate.c -- myoknot locate's inference (src/body/locate.h): a drawing equal to a
 * candidate's predicted map ranks that candidate first, on either side; the posterior is a
 * probability distribution over every muscle and side; the miss and extra rates are the counts
 * they claim; every predicted region has a reason (segments, link or attachment); each kind of
 * bad drawing is refused with its message and, from a file, its line:column.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "body/locate.h"

typedef struct fixture {
    mk_anatomy *a;
    mk_referral_response resp;
    mk_referral_maps maps;
    mk_locate_obs obs;
    mk_locate_model *m;
} fixture;

/* a bolus-like response without simulating: the peak the convention's bolus gives (2.73/10,
 * docs/referral.md) with no central sensitisation, and a smaller later one with some */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    mk_error err;
    assert_non_null(f);
    assert_int_equal(mk_anatomy_load(&f->a, &err), MK_OK);
    mk_referral_response_add(&f->resp, 2.73, 0.0);
    mk_referral_response_add(&f->resp, 2.0, 0.03);
    assert_int_equal(mk_referral_maps_training(f->a, &f->maps, &err), MK_OK);
    mk_locate_obs_default(&f->obs);
    assert_int_equal(mk_locate_obs_measure(f->a, &f->a->referral, &f->resp, &f->maps, NULL, &f->obs, &err), MK_OK);
    f->m = malloc(sizeof *f->m);
    assert_non_null(f->m);
    assert_int_equal(mk_locate_model_build(f->a, &f->a->referral, &f->resp, NULL, f->m, &err), MK_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mk_anatomy_free(f->a);
    free(f->m);
    free(f);
    return 0;
}

/* the drawing of the pain candidate c predicts: its referred map, intensities 3x its peaks
 * (another scale than the bolus's), and, with local, its own local regions at 8/10 */
static void draw_map(const mk_locate_cand *c, int n_regions, int local, mk_drawing *d)
{
    memset(d, 0, sizeof *d);
    for (int i = 0; i < n_regions; i++)
        if (mk_region_set_has(&c->pred, i)) d->region[d->n] = i, d->intensity[d->n++] = fmin(10, 3 * c->peak[i]);
        else if (local && mk_region_set_has(&c->local, i)) d->region[d->n] = i, d->intensity[d->n++] = 8;
}

static int same_sets(const mk_locate_cand *x, const mk_locate_cand *y)
{
    return !memcmp(&x->pred, &y->pred, sizeof x->pred);
}

/* every candidate whose predicted map no other candidate shares is ranked first when the pain
 * it predicts (local and referred) is drawn; each such drawing also gives a distribution: all in [0, 1], summing to 1 */
static void test_own_map_ranks_first(void **state)
{
    fixture *f = *state;
    mk_locate_model *m = f->m;
    int order[MK_LOCATE_MAX_CAND], tested = 0, left = 0;
    assert_int_equal(m->n, 2 * f->a->n_muscles);
    for (int k = 0; k < m->n; k++) {
        const mk_locate_cand *c = &m->cand[k];
        if (mk_region_set_count(&c->pred) == 0) continue;
        int unique = 1;
        for (int j = 0; j < m->n; j++) unique &= j == k || !same_sets(c, &m->cand[j]);
        if (!unique) continue;
        mk_drawing d;
        draw_map(c, f->a->n_regions, 1, &d);
        mk_locate_posterior(f->a, &f->obs, &d, m);
        mk_locate_rank(m, order);
        if (order[0] != k)
            fail_msg("%s_%c drawn as its own map ranks %s_%c first (p %.3f vs its %.3f)", f->a->muscles[c->muscle].id,
                     c->side, f->a->muscles[m->cand[order[0]].muscle].id, m->cand[order[0]].side,
                     m->cand[order[0]].post, c->post);
        double sum = 0;
        for (int j = 0; j < m->n; j++) {
            assert_true(m->cand[j].post >= 0 && m->cand[j].post <= 1);
            sum += m->cand[j].post;
        }
        assert_true(fabs(sum - 1) < 1e-9);
        tested++;
        left += c->side == 'l';
    }
    /* most muscles have a map of their own, on both sides */
    assert_true(tested >= f->a->n_muscles);
    assert_true(left >= f->a->n_muscles / 2);
}

/* the intensities count: the same regions drawn in the pattern of the prediction score
 * higher than drawn in the reverse pattern */
static void test_intensity_pattern(void **state)
{
    fixture *f = *state;
    mk_locate_model *m = f->m;
    for (int k = 0; k < m->n; k++) {
        const mk_locate_cand *c = &m->cand[k];
        mk_drawing d;
        draw_map(c, f->a->n_regions, 0, &d);
        double lo = 1e9, hi = 0;
        for (int j = 0; j < d.n; j++) lo = fmin(lo, d.intensity[j]), hi = fmax(hi, d.intensity[j]);
        if (d.n < 2 || hi < 1.5 * lo) continue;
        mk_locate_posterior(f->a, &f->obs, &d, m);
        double same = c->log_lik;
        for (int j = 0; j < d.n; j++) d.intensity[j] = lo + hi - d.intensity[j]; /* reversed */
        mk_locate_posterior(f->a, &f->obs, &d, m);
        assert_true(same > c->log_lik + 0.1);
        return;
    }
    fail_msg("no candidate with an uneven predicted map");
}

/* miss and extra are the Laplace-smoothed counts over the training maps */
static void test_rates(void **state)
{
    fixture *f = *state;
    const mk_locate_obs *o = &f->obs;
    assert_int_equal(o->n_maps, f->maps.n);
    long ess = 0;
    for (int m = 0; m < f->maps.n; m++) ess += mk_region_set_count(&f->maps.essential[m]);
    assert_int_equal(o->tp + o->fn, ess);
    assert_true(fabs(o->miss - (double)(o->fn + 1) / (double)(o->tp + o->fn + 2)) < 1e-12);
    assert_true(fabs(o->extra - (double)(o->fp + 1) / (double)(o->fp + o->tn + 2)) < 1e-12);
    assert_true(o->extra > 0 && o->extra < 0.1 && o->miss > 0 && o->miss < 1);
}

/* every region of every predicted map has a reason the mechanism can give: shared segments, a
 * trigeminal link, an adjacent segment or an attachment; shared segments are the muscle's */
static void test_explained(void **state)
{
    fixture *f = *state;
    char why[160];
    int n = 0;
    for (int k = 0; k < f->m->n; k++) {
        const mk_locate_cand *c = &f->m->cand[k];
        for (int i = 0; i < f->a->n_regions; i++) {
            if (!mk_region_set_has(&c->pred, i)) continue;
            mk_locate_explain(f->a, c, i, why, sizeof why);
            if (!strcmp(why, "-"))
                fail_msg("%s_%c: no reason for %s", f->a->muscles[c->muscle].id, c->side, f->a->regions[i].id);
            n++;
        }
    }
    assert_true(n > f->a->n_muscles);
    /* extensor digitorum (C7 C8) to the back of the hand: its own segments, and the wrist it crosses */
    int ed = -1, hand = mk_anatomy_region_index(f->a, "dorsal_wrist_hand_r");
    for (int k = 0; k < f->m->n; k++)
        if (!strcmp(f->a->muscles[f->m->cand[k].muscle].id, "extensor_digitorum") && f->m->cand[k].side == 'r') ed = k;
    assert_true(ed >= 0 && hand >= 0);
    mk_locate_explain(f->a, &f->m->cand[ed], hand, why, sizeof why);
    assert_string_equal(why, "C7 C8, attachment");
}

static void expect_args_error(const fixture *f, int n, const char *const *items, const char *fragment)
{
    mk_drawing d;
    mk_error err;
    assert_int_not_equal(mk_drawing_parse_args(f->a, n, items, &d, &err), MK_OK);
    if (!strstr(err.message, fragment)) fail_msg("'%s' lacks '%s'", err.message, fragment);
}

static void test_bad_args(void **state)
{
    fixture *f = *state;
    const char *unknown[] = {"temple_r=6", "posterior_nek_r=3"};
    expect_args_error(f, 2, unknown, "argument 2: unknown region 'posterior_nek_r' (did you mean 'posterior_neck_r'?)");
    const char *twice[] = {"temple_r=6", "temple_r=3"};
    expect_args_error(f, 2, twice, "argument 2: region 'temple_r' given twice");
    const char *high[] = {"temple_r=10.5"};
    expect_args_error(f, 1, high, "intensity of 'temple_r' must be 0 .. 10");
    const char *neg[] = {"temple_r=-1"};
    expect_args_error(f, 1, neg, "intensity of 'temple_r' must be 0 .. 10");
    const char *text[] = {"temple_r=six"};
    expect_args_error(f, 1, text, "expected an intensity 0 .. 10 (NRS) for 'temple_r', found 'six'");
    const char *zero[] = {"temple_r=0"};
    expect_args_error(f, 1, zero, "the pain drawing is empty");
    expect_args_error(f, 0, NULL, "the pain drawing is empty");
    const char *noeq[] = {"temple_r"};
    expect_args_error(f, 1, noeq, "expected REGION=INTENSITY");
    mk_drawing d;
    mk_error err;
    const char *good[] = {"temple_r=6", "posterior_neck_r=3", "vertex=0"};
    assert_int_equal(mk_drawing_parse_args(f->a, 3, good, &d, &err), MK_OK);
    assert_int_equal(d.n, 2);
    assert_true(d.intensity[1] == 3);
}

static void expect_yaml_error(const fixture *f, const char *text, int line, int col, const char *fragment)
{
    mk_drawing d;
    mk_error err;
    assert_int_not_equal(mk_drawing_parse_yaml(f->a, "d.yaml", text, &d, &err), MK_OK);
    if (err.line != line || err.column != col || !strstr(err.message, fragment))
        fail_msg("%d:%d '%s', expected %d:%d '%s'", err.line, err.column, err.message, line, col, fragment);
}

static void test_bad_yaml(void **state)
{
    fixture *f = *state;
    expect_yaml_error(f, "regions:\n  temple_r: 6\n  posterior_nek_r: 3\n", 3, 3, "did you mean 'posterior_neck_r'?");
    expect_yaml_error(f, "regions:\n  temple_r: 6\n  temple_r: 3\n", 3, 3, "region 'temple_r' given twice");
    expect_yaml_error(f, "regions:\n  temple_r: 12\n", 2, 13, "must be 0 .. 10");
    expect_yaml_error(f, "regions:\n  temple_r: -0.5\n", 2, 13, "must be 0 .. 10");
    expect_yaml_error(f, "regions: {}\n", 1, 1, "the pain drawing is empty");
    expect_yaml_error(f, "regions:\n  temple_r: 0\n", 1, 1, "the pain drawing is empty");
    expect_yaml_error(f, "", 1, 1, "the pain drawing is empty");
    expect_yaml_error(f, "region:\n  temple_r: 2\n", 1, 1, "did you mean 'regions'?");
    mk_drawing d;
    mk_error err;
    assert_int_equal(mk_drawing_parse_yaml(f->a, "d.yaml", "note: x\nregions:\n  temple_r: 6\n  vertex: 2.5\n", &d, &err),
                     MK_OK);
    assert_int_equal(d.n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_map_ranks_first), cmocka_unit_test(test_intensity_pattern),
        cmocka_unit_test(test_rates),               cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_bad_yaml),            cmocka_unit_test(test_explained),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
