/*
 * test_referral.c -- anatomy tables and referral weights.  The weights come from segments and
 * the muscles' attachments (no clinical referral map), so these tests check the method's
 * consequences with the fitted parameters: the upper trapezius refers to its attachments, a
 * muscle without remote attachments (lower trapezius) through its segments, never to the other
 * side or the legs; spread grows with sensitisation; the attachment factor is what puts the
 * extensor carpi radialis longus's referral on the back of the wrist; the distal bias orders
 * the arm from shoulder to fingertips.
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

/* With the parameters fitted on the 26 training maps (data/anatomy/referral_params.csv): the
 * upper trapezius refers to the regions over its attachments (occiput, acromion), on its own
 * side only, never to its local regions or the legs. */
static void trapezius_refers_to_attachments(void **state)
{
    (void)state;
    mk_referral *r;
    mk_error err;
    assert_int_equal(mk_referral_new(g_anat, "upper_trapezius", 'r', &r, &err), MK_OK);
    assert_string_equal(mk_referral_local_regions(r), "upper_shoulder_r;posterior_neck_r");
    double occiput = weight_of(r, "occiput_r", 0), acromion = weight_of(r, "acromion_r", 0);
    print_message("weights: occiput %.3f, acromion %.3f, temple %.3f\n", occiput, acromion,
                  weight_of(r, "temple_r", 0));
    /* 0.1 is the weight at which the saline bolus's 4.8/10 reaches the 0.5/10 of a referral */
    assert_true(occiput > 0.5 && acromion > 0.5);
    assert_true(weight_of(r, "occiput_l", 1) < 0.02);     /* ipsilateral: the other side is not felt */
    assert_true(weight_of(r, "dorsum_foot_r", 1) == 0);   /* no shared segment, no attachment */
    assert_true(weight_of(r, "posterior_neck_r", 1) == 0); /* local, not referred */
    mk_referral_free(r);
}

/* A muscle whose attachments are all local refers through its segments: the lower trapezius's
 * afferents enter at C3-C4, so its referral goes up to the neck and over the shoulder (its
 * classical map: mastoid, suboccipital, posterior neck, suprascapular -- far from where the
 * muscle lies); spread grows with central sensitisation.  A weight of 0.1 is what the saline
 * bolus's 4.8/10 needs to reach the 0.5/10 of a referral. */
static void lower_trapezius_refers_upward(void **state)
{
    (void)state;
    mk_referral *r;
    mk_error err;
    assert_int_equal(mk_referral_new(g_anat, "lower_trapezius", 'r', &r, &err), MK_OK);
    assert_true(weight_of(r, "suboccipital_r", 0) > 0.1);
    assert_true(weight_of(r, "mastoid_r", 0) > 0.1);
    assert_true(weight_of(r, "posterior_neck_r", 0) > 0.2);
    assert_true(weight_of(r, "suprascapular_r", 0) > 0.5);
    assert_true(weight_of(r, "low_back_r", 1) < 0.02);
    int reach0 = 0, reach1 = 0, grew = 0;
    for (int k = 0; k < mk_referral_count(r); k++) {
        double w0 = mk_referral_weight(r, k, 0), w1 = mk_referral_weight(r, k, 1);
        assert_true(w1 >= w0);
        reach0 += w0 > 0.02;
        reach1 += w1 > 0.02;
        grew += w1 > w0 + 0.05;
    }
    print_message("regions above 0.02: %d at cs 0, %d at cs 1; %d grew\n", reach0, reach1, grew);
    assert_true(reach1 >= reach0 && grew > 0);
    mk_referral_free(r);
}

/* The attachment factor: the extensor carpi radialis longus (attachment_regions
 * lateral_elbow;dorsal_wrist_hand, the elbow local) refers to the back of the wrist through
 * k_att; with k_att = 0 the wrist gets only what its segments give. */
static void attachments_drive_referral(void **state)
{
    (void)state;
    const mk_muscle *m = mk_anatomy_muscle(g_anat, "extensor_carpi_radialis_longus");
    assert_string_equal(m->attachments, "lateral_elbow;dorsal_wrist_hand");
    mk_referral *r, *r0;
    mk_error err;
    mk_referral_params p = g_anat->referral;
    assert_true(p.value[MK_RP_K_ATT] > 0);
    assert_int_equal(mk_referral_new_with(g_anat, &p, m->id, 'r', &r, &err), MK_OK);
    p.value[MK_RP_K_ATT] = 0;
    assert_int_equal(mk_referral_new_with(g_anat, &p, m->id, 'r', &r0, &err), MK_OK);
    double wrist = weight_of(r, "dorsal_wrist_hand_r", 0), wrist0 = weight_of(r0, "dorsal_wrist_hand_r", 0);
    print_message("extensor carpi radialis longus -> wrist: %.3f with attachments, %.3f without\n", wrist, wrist0);
    assert_true(wrist > 0.5);
    assert_true(wrist0 < 0.5 * wrist);
    assert_true(weight_of(r, "dorsal_wrist_hand_l", 1) < 0.02); /* an attachment is on the muscle's side */
    mk_referral_free(r);
    mk_referral_free(r0);
}

/* The distal bias orders the arm from the shoulder to the fingertips: with b_distal > 0 the
 * hand and fingers gain more than the elbow and forearm above them (the hand hangs below the
 * trochanter's level, and the leg's formula once made it less distal than the elbow). */
static void distal_bias_runs_down_the_arm(void **state)
{
    (void)state;
    mk_referral *r, *r0;
    mk_error err;
    mk_referral_params p = g_anat->referral;
    p.value[MK_RP_K_ATT] = 0;  /* the segmental part alone, */
    p.value[MK_RP_K_NORM] = 0; /* no competition, */
    p.value[MK_RP_GAIN] = 0.05; /* and far from saturation: a weight is (gain * c * selection)^gamma */
    p.value[MK_RP_B_DISTAL] = 0;
    assert_int_equal(mk_referral_new_with(g_anat, &p, "scalenes", 'r', &r0, &err), MK_OK);
    p.value[MK_RP_B_DISTAL] = 2;
    assert_int_equal(mk_referral_new_with(g_anat, &p, "scalenes", 'r', &r, &err), MK_OK);
    static const char *const arm[] = {"anterior_shoulder_r", "lateral_arm_r", "lateral_elbow_r",
                                      "radial_forearm_r", "dorsal_wrist_hand_r", "fingers_radial_r"};
    double prev = 0;
    for (int i = 0; i < 6; i++) {
        double w = weight_of(r, arm[i], 0), w0 = weight_of(r0, arm[i], 0);
        assert_true(w0 > 0 && w0 < 0.5);
        double gain = w / w0; /* exp(gamma * b_distal * distality) over the muscle's */
        print_message("scalenes -> %-20s gain from the distal bias %.3f\n", arm[i], gain);
        assert_true(gain > prev);
        prev = gain;
    }
    mk_referral_free(r);
    mk_referral_free(r0);
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
        cmocka_unit_test(trapezius_refers_to_attachments),
        cmocka_unit_test(lower_trapezius_refers_upward),
        cmocka_unit_test(attachments_drive_referral),
        cmocka_unit_test(distal_bias_runs_down_the_arm),
        cmocka_unit_test(bad_site),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
