/*
 * referral_params.h -- the few parameters of the referral mechanism (src/body/referral.h):
 * data/anatomy/referral_params.csv, embedded at build time like the anatomy tables, or another
 * file of the same form.
 *
 * Columns: name,value,unit,min,max,fit,source,description.  Every parameter must appear once,
 * with the unit given below, min < max and min <= value <= max; `fit` (yes/no) says whether a
 * fit may vary it.  Errors name file:line:column and what was expected.
 */
#ifndef MK_BODY_REFERRAL_PARAMS_H
#define MK_BODY_REFERRAL_PARAMS_H

#include "myoknot.h"

/* The parameters and their files: public, include/myoknot/body.h */
#include "myoknot/body.h"

/* Body-internal: one CSV record (RFC 4180 quoting) from *pos into fields of MK_CSV_FIELD bytes
 * with their 1-based starting columns; returns the number of fields, -1 for an unterminated
 * or overlong field, -2 for more than max fields (*bad_col says where). */
#define MK_CSV_FIELD 1024
int mk_body_csv_record(const char **pos, char (*f)[MK_CSV_FIELD], int *col, int max, int *bad_col);

#endif
