/*
 * stream.h -- per-patient random numbers from a counter-based generator.
 *
 * Every random number of a trial is a pure function of (seed, patient, purpose, draw):
 * Philox4x32-10 (Salmon et al. 2011, Random123, Debian librandom123-dev) keyed by the 64-bit
 * seed, with the counter (patient, purpose, draw).  Nothing depends on which worker runs a
 * patient or in which order patients finish, so a trial gives the same bytes with 1, 2 or K
 * workers.  `purpose` separates independent uses (allocation, examiner noise at each
 * assessment, ...): two purposes never share a number.
 */
#ifndef MK_COHORT_STREAM_H
#define MK_COHORT_STREAM_H

#include <stdint.h>

typedef struct mk_stream {
    uint64_t seed;
    uint64_t patient;
    uint32_t purpose;
    uint32_t draw;   /* 128-bit blocks used so far: the counter's last word */
    uint32_t buf[4]; /* the current block */
    int left;        /* unused words in buf */
} mk_stream;

void mk_stream_init(mk_stream *st, uint64_t seed, uint64_t patient, uint32_t purpose);
/* The next 64 random bits. */
uint64_t mk_stream_u64(mk_stream *st);
/* Uniform in (0, 1): never 0 or 1 (53 bits). */
double mk_stream_uniform(mk_stream *st);
/* Standard normal (Box-Muller on two uniforms; both are consumed on every call, so the
 * sequence does not depend on a cached second value). */
double mk_stream_normal(mk_stream *st);

/* A purpose number built from small parts: e.g. (MK_PURPOSE_ASSESS, arm, time, outcome). */
uint32_t mk_stream_purpose(unsigned kind, unsigned a, unsigned b, unsigned c);

enum {
    MK_PURPOSE_ALLOC = 1,   /* randomisation */
    MK_PURPOSE_SCREEN = 2,  /* the examiner at enrolment */
    MK_PURPOSE_ASSESS = 3,  /* the examiner at an outcome assessment */
    MK_PURPOSE_COVARIATE = 4 /* a patient's covariates (sex) */
};

#endif
