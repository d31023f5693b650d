/* stream.c -- per-patient counter-based random streams (stream.h). */
#include <math.h>
#include <string.h>

#include <Random123/philox.h>

#include "cohort/stream.h"

void mk_stream_init(mk_stream *st, uint64_t seed, uint64_t patient, uint32_t purpose)
{
    memset(st, 0, sizeof *st);
    st->seed = seed;
    st->patient = patient;
    st->purpose = purpose;
}

static void refill(mk_stream *st)
{
    philox4x32_ctr_t c = {{(uint32_t)st->patient, (uint32_t)(st->patient >> 32), st->purpose, st->draw++}};
    philox4x32_key_t k = {{(uint32_t)st->seed, (uint32_t)(st->seed >> 32)}};
    philox4x32_ctr_t r = philox4x32(c, k);
    memcpy(st->buf, r.v, sizeof st->buf);
    st->left = 4;
}

uint64_t mk_stream_u64(mk_stream *st)
{
    if (st->left < 2) refill(st);
    uint64_t hi = st->buf[4 - st->left], lo = st->buf[5 - st->left];
    st->left -= 2;
    return hi << 32 | lo;
}

double mk_stream_uniform(mk_stream *st)
{
    /* (k + 0.5) / 2^53 for k in [0, 2^53): strictly inside (0, 1) */
    return ((double)(mk_stream_u64(st) >> 11) + 0.5) * 0x1.0p-53;
}

double mk_stream_normal(mk_stream *st)
{
    double u1 = mk_stream_uniform(st), u2 = mk_stream_uniform(st);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint32_t mk_stream_purpose(unsigned kind, unsigned a, unsigned b, unsigned c)
{
    return (uint32_t)((kind & 0xffu) << 24 | (a & 0xffu) << 16 | (b & 0xffu) << 8 | (c & 0xffu));
}
