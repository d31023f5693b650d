/*
 * anatomy.h -- body regions, muscles and spinal segments (data/anatomy/ CSV files, embedded in
 * the library at build time so a run needs no data files).
 *
 * Region ids are side-free in the data ("temple"); lateral regions exist as "temple_r" and
 * "temple_l", midline ones ("vertex", "throat", "sternum", "sacrum_coccyx") once.
 */
#ifndef MK_BODY_ANATOMY_H
#define MK_BODY_ANATOMY_H

#include "myoknot.h"

typedef struct mk_anatomy mk_anatomy;

mk_status mk_anatomy_load(mk_anatomy **out, mk_error *err);   /* from the embedded CSVs */
void mk_anatomy_free(mk_anatomy *a);

/* 1 if the id names a region as used in scenarios: "local", "temple_r", "vertex", ... */
int mk_anatomy_has_region(const mk_anatomy *a, const char *id);
/* 1 if the id names a muscle of muscles.csv ("upper_trapezius") */
int mk_anatomy_has_muscle(const mk_anatomy *a, const char *id);
/* A suggestion for a misspelt region or muscle id, or NULL. */
const char *mk_anatomy_suggest(const mk_anatomy *a, const char *id, int muscles);

#endif
