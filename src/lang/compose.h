/*
 * compose.h -- several trigger points in one body: one model composed from a site model's
 * parts (docs/site-composition.md).
 *
 * The site model (models/tp_site.myo or a variant) is read as three kinds of part, by
 * component (`part segment`, `part person` in the model): the tissue of one trigger point,
 * the spinal segment it projects to and the person.  The composer prints ONE model in the model language: every tissue component once
 * per site, prefixed by the site ("upper_trapezius_r_core"); the segment components once per
 * segment group ("seg_r_c2_c5_spinal"); the person components once, unprefixed ("life").
 * Where a segment reads a tissue quantity it reads the sum over the sites projecting to it,
 * written as an ordinary expression ((a_noci.rate + b_noci.rate)); a segment variable that
 * depends on nothing of the segment but on the tissue (the A-beta input from a site's skin)
 * is computed per site and summed the same way, so a nonlinearity per site stays per site.
 * A segment variable a label reads that depends on the tissue through the segment's state (the
 * transmission, the local and referred pain) is a site readout: in a segment of several sites
 * each site gets its own copy, the same equations with its own tissue input and the segment's
 * shared state, and its labels bind that copy (a site's local pain follows its own input).
 * The result is model text: it goes through the same check and code generation (and so the
 * analytic sparse Jacobian) as any model file.
 *
 * A satellite site (key >= 0) gets one more component, PREFIX_satellite, the satellite model's
 * component (models/satellite.myo) with its port read from the key segment's referred pain and
 * its zone weight from the anatomy; its activation adds to the satellite's voluntary activation
 * wherever its tissue reads it: referred pain raising the motor drive in the referral zone.
 *
 * Labels: the composed model's unprefixed labels bind the first site (the program's protocol,
 * measurements and reports act on it as on a single-site model); each site's labels are
 * repeated with its prefix ("upper_trapezius_r_core_po2"), a segment's and the person's
 * quantities under every site that reads them (mk_site_resolve_prefix).
 */
#ifndef MK_LANG_COMPOSE_H
#define MK_LANG_COMPOSE_H

#include "myoknot.h"

#define MK_COMPOSE_MAX_SITES 12

typedef struct mk_compose_site {
    const char *prefix;  /* the instance's name, an identifier: "upper_trapezius_r" */
    int segment;         /* index into mk_compose_spec.segments */
    /* The satellite hypothesis (docs/site-composition.md): the index of this site's key
     * trigger point, -1 for none, and the key's referral weight onto this site's muscle
     * (0..1, from the anatomy). */
    int key;
    double zone_weight;
} mk_compose_site;

typedef struct mk_compose_spec {
    const char *name;                /* the composed model's name, an identifier */
    const mk_compose_site *sites;
    int n_sites;                     /* 1 .. MK_COMPOSE_MAX_SITES */
    const char *const *segments;     /* segment group names, identifiers: "seg_r_c2_c5" */
    int n_segments;
    /* The satellite hypothesis's model (models/satellite.myo, checked), needed when a site has
     * a key: its labels satellite_referred (an input: the key's referred pain),
     * satellite_activation (added to the satellite's motor input) and satellite_zone_weight
     * (a parameter, set to the site's zone_weight) name the ports; the component holding
     * satellite_activation is instantiated per satellite. */
    const mk_model *satellite;
} mk_compose_spec;

/* The composed model's text into out (appended).  Fails (MK_ERR_MODEL) when the base model
 * has something the composer cannot place: a model-level conservation law, or a person
 * component reading a tissue quantity. */
mk_status mk_model_compose(const mk_model *base, const mk_compose_spec *spec, mk_buf *out,
                           mk_error *err);

#endif
