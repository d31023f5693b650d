/*
 * test_referral.c -- anatomy tables and referral weights.  The weights come from segments
 * only (no clinical referral map), so these tests check the method's consequences: an upper
 * trapezius site refers into its upper cervical field and, through the trigeminocervical
 * complex, the face; never to the other side or the legs; spread grows with sensitisation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "body/anatomy_internal.h"
#include "body/referral.h"

static mk_anatomy *g_anat;

static int setup(void **state)
{
    (void)state;
    mk_error err;
    return mk_anatomy_load(&g_anat, &err) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    mk_anatomy_free(g_anat);
    return 0;
}

static void tables(void **state)
{
    (void)state;
    /* 65 lateral regions twice plus 4 midline; 51 muscles (data/anatomy/README.md) */
    assert_int_equal(g_anat->n_regions, 65 * 2 + 4);
    assert_int_equal(g_anat->n_muscles, 51);
    assert_true(mk_anatomy_has_region(g_anat, "temple_r"));
    assert_true(mk_anatomy_has_region(g_anat, "temple_l"));
    assert_true(mk_anatomy_has_region(g_anat, "vertex"));
    assert_true(mk_anatomy_has_region(g_anat, "local"));
    assert_false(mk_anatomy_has_region(g_anat, "temple"));
    assert_false(mk_anatomy_has_region(g_anat, "vertex_r"));
    assert_true(mk_anatomy_has_muscle(g_anat, "upper_trapezius"));
    assert_string_equal(mk_anatomy_suggest(g_anat, "upper_trapezus", 1), "upper_trapezius");
    assert_string_equal(mk_anatomy_suggest(g_anat, "tempel_r", 0), "temple_r");
    const mk_muscle *m = mk_anatomy_muscle(g_anat, "upper_trapezius");
    /* afferents enter at C2-C4 although the motor nerve is CN XI */
    uint64_t want = 0;
    want |= (uint64_t)1 << mk_segment_index("C2");
    want |= (uint64_t)1 << mk_segment_index("C3");
    want |= (uint64_t)1 << mk_segment_index("C4");
    assert_true(m->afferent == want);
    const mk_region *t = mk_anatomy_region(g_anat, "temple_l");
    assert_true(fabs(t->x_front - (1 - 0.385)) < 1e-12); /* mirrored */
}

static double weight_of(const mk_referral *r, const char *id, double cs)
{
    for (int k = 0; k < mk_referral_count(r); k++)
        if (!strcmp(mk_referral_region(r, k), id)) return mk_referral_weight(r, k, cs);
    return 0;
}

static void trapezius_refers_upward(void **state)
{
    (void)state;
    mk_referral *r;
    mk_error err;
    assert_int_equal(mk_referral_new(g_anat, "upper_trapezius", 'r', &r, &err), MK_OK);
    assert_string_equal(mk_referral_local_regions(r), "upper_shoulder_r;posterior_neck_r");
    double jaw = weight_of(r, "jaw_angle_r", 0), mastoid = weight_of(r, "mastoid_r", 0);
    double temple = weight_of(r, "temple_r", 0), foot = weight_of(r, "dorsum_foot_r", 1);
    print_message("weights: jaw angle %.3f, mastoid %.3f, temple %.3f\n", jaw, mastoid, temple);
    assert_true(jaw > 0.3 && mastoid > 0.3);
    assert_true(temple > 0);                     /* only through the trigeminocervical complex */
    assert_true(temple < jaw);
    assert_true(foot == 0);                      /* no shared segment */
    assert_true(weight_of(r, "jaw_angle_l", 1) == 0); /* ipsilateral only */
    assert_true(weight_of(r, "posterior_neck_r", 1) == 0); /* local, not referred */
    /* spread with central sensitisation: more regions reachable, none weaker */
    int reach0 = 0, reach1 = 0;
    for (int k = 0; k < mk_referral_count(r); k++) {
        double w0 = mk_referral_weight(r, k, 0), w1 = mk_referral_weight(r, k, 1);
        assert_true(w1 >= w0);
        reach0 += w0 > 0.02;
        reach1 += w1 > 0.02;
    }
    print_message("regions above 0.02: %d at cs 0, %d at cs 1\n", reach0, reach1);
    assert_true(reach1 > reach0);
    mk_referral_free(r);
}

static void bad_site(void **state)
{
    (void)state;
    mk_referral *r = NULL;
    mk_error err;
    assert_int_equal(mk_referral_new(g_anat, "nosuch", 'r', &r, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "unknown muscle"));
    assert_int_equal(mk_referral_new(g_anat, "soleus", 'x', &r, &err), MK_ERR_INVALID);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables),
        cmocka_unit_test(trapezius_refers_upward),
        cmocka_unit_test(bad_site),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
