/*
 * test_bodymap.c -- body-map figures (src/report/bodymap.c): the partition of the outline into
 * region patches (measured inside the body, mirrored sides, every drawn region owns a patch),
 * and the figure itself (a complete PNG; bad arguments and an unwritable path are errors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "body/anatomy.h"
#include "report/bodymap.h"

typedef struct fixture {
    mk_anatomy *a;
    mk_bodymap_partition *p;
    char dir[256];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    mk_error err = {0};
    if (!fx || mk_anatomy_load(&fx->a, &err) || mk_bodymap_partition_new(fx->a, &fx->p, &err)) return -1;
    snprintf(fx->dir, sizeof fx->dir, "%s/mk_bodymap_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fx->dir)) return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    mk_bodymap_partition_free(fx->p);
    mk_anatomy_free(fx->a);
    free(fx);
    return rc == 0 ? 0 : -1;
}

static const char *id_at(const fixture *fx, int view, double x, double y)
{
    int r = mk_bodymap_region_at(fx->p, view, x, y);
    return r < 0 ? "(outside)" : mk_anatomy_region_place(fx->a, r, NULL, NULL);
}

/* A point on the outer right thigh, level with the hanging hand: in a straight line the
 * little-finger centre (0.142, 0.566) is nearer than the lateral thigh's (0.25, 0.60), but a
 * patch must not jump the gap between hand and thigh: distances are measured inside the body. */
static void patches_do_not_jump_gaps(void **state)
{
    fixture *fx = *state;
    assert_string_equal(id_at(fx, 0, 0.240, 0.560), "lateral_thigh_r");
    assert_string_equal(id_at(fx, 0, 0.100, 0.585), "fingers_ulnar_r");
    /* the inner thighs: the crotch gap is not crossed either */
    const char *a = id_at(fx, 0, 0.450, 0.600), *b = id_at(fx, 0, 0.550, 0.600);
    assert_string_equal(a, "medial_thigh_r");
    assert_string_equal(b, "medial_thigh_l");
}

/* Front view: the subject's right on the viewer's left; back view: on the right. */
static void sides_and_views(void **state)
{
    fixture *fx = *state;
    assert_string_equal(id_at(fx, 0, 0.390, 0.055), "temple_r");
    assert_string_equal(id_at(fx, 0, 0.610, 0.055), "temple_l");
    assert_string_equal(id_at(fx, 1, 0.610, 0.055), "temple_r");
    assert_string_equal(id_at(fx, 0, 0.500, 0.240), "sternum");
    assert_string_equal(id_at(fx, 1, 0.560, 0.100), "suboccipital_r"); /* a back-only region */
    assert_string_equal(id_at(fx, 0, 0.020, 0.200), "(outside)");       /* beside the shoulder */
    assert_string_equal(id_at(fx, 0, 0.500, 0.700), "(outside)");       /* between the knees */
    assert_int_equal(mk_bodymap_region_at(fx->p, 2, 0.5, 0.5), -1);     /* no third view */
}

/* Every region that has a centre in a view owns a patch there. */
static void every_region_has_a_patch(void **state)
{
    fixture *fx = *state;
    int n = mk_anatomy_region_count(fx->a);
    int *seen = calloc(2 * (size_t)n, sizeof *seen);
    assert_non_null(seen);
    for (int v = 0; v < 2; v++)
        for (int j = 0; j < 1000; j++)
            for (int i = 0; i < 400; i++) {
                int r = mk_bodymap_region_at(fx->p, v, (i + 0.5) / 400, (j + 0.5) / 1000);
                if (r >= 0) seen[v * n + r] = 1;
            }
    for (int r = 0; r < n; r++) {
        double xy[4];
        const char *id = mk_anatomy_region_place(fx->a, r, NULL, xy);
        for (int v = 0; v < 2; v++)
            if (xy[2 * v] >= 0 && xy[2 * v + 1] >= 0 && !seen[v * n + r]) fail_msg("%s has no patch in view %d", id, v);
    }
    free(seen);
}

static void draws_a_png(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    int n = mk_anatomy_region_count(fx->a);
    double *pain = calloc((size_t)n, sizeof *pain);
    assert_non_null(pain);
    pain[mk_anatomy_region_index(fx->a, "temple_r")] = 6;
    pain[mk_anatomy_region_index(fx->a, "upper_shoulder_r")] = 9;
    mk_bodymap bm = {.anat = fx->a, .n_maps = 1};
    bm.map[0].pain = pain;
    snprintf(bm.map[0].heading, sizeof bm.map[0].heading, "A  test");
    snprintf(bm.trp_regions, sizeof bm.trp_regions, "upper_shoulder_r;posterior_neck_r");
    bm.title = "A test map";
    char path[400];
    snprintf(path, sizeof path, "%s/map.png", fx->dir);
    assert_int_equal(mk_bodymap_draw(&bm, path, &err), MK_OK);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char sig[8];
    assert_int_equal(fread(sig, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);

    bm.n_maps = 0;
    assert_int_equal(mk_bodymap_draw(&bm, path, &err), MK_ERR_INVALID);
    bm.n_maps = 1;
    snprintf(path, sizeof path, "%s/no/such/dir/map.png", fx->dir);
    assert_int_not_equal(mk_bodymap_draw(&bm, path, &err), MK_OK);
    assert_non_null(strstr(err.message, "map.png"));
    assert_int_not_equal(access(path, F_OK), 0);
    free(pain);
}

/* Every trigger point gets its own marker ('|' between them), at the mean of its regions'
 * centres; one not visible in a view (the front of the neck's back) is skipped there. */
static void one_marker_per_trigger_point(void **state)
{
    fixture *fx = *state;
    double xy[2 * MK_BODYMAP_MAX_TRPS];
    const char *three = "upper_shoulder_r;posterior_neck_r|lateral_neck_r|upper_shoulder_l";
    assert_int_equal(mk_bodymap_markers(fx->a, 1, three, xy, MK_BODYMAP_MAX_TRPS), 3);
    /* the back view: the subject's right on the viewer's right, left on the left */
    assert_true(xy[0] > 0.5 && xy[2] > 0.5 && xy[4] < 0.5);
    assert_true(fabs(xy[0] - xy[4]) > 0.1); /* not all drawn at one place */
    assert_int_equal(mk_bodymap_markers(fx->a, 1, "upper_shoulder_r", xy, MK_BODYMAP_MAX_TRPS), 1);
    assert_int_equal(mk_bodymap_markers(fx->a, 1, three, xy, 2), 2); /* at most max */
    assert_int_equal(mk_bodymap_markers(fx->a, 1, "", xy, MK_BODYMAP_MAX_TRPS), 0);
    assert_int_equal(mk_bodymap_markers(fx->a, 1, "no_such_region|upper_shoulder_l", xy, MK_BODYMAP_MAX_TRPS), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patches_do_not_jump_gaps),
        cmocka_unit_test(sides_and_views),
        cmocka_unit_test(every_region_has_a_patch),
        cmocka_unit_test(draws_a_png),
        cmocka_unit_test(one_marker_per_trigger_point),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
