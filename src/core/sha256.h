/* sha256.h -- SHA-256 (FIPS 180-4), for naming and checking cached model objects
 * (compile.c): a digest an accident cannot forge, where FNV-1a (the model hash) only
 * tells models apart. */
#ifndef MK_CORE_SHA256_H
#define MK_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct mk_sha256 {
    uint32_t h[8];
    uint64_t len;        /* bytes hashed so far */
    unsigned char block[64];
    size_t fill;         /* bytes waiting in block */
} mk_sha256;

void mk_sha256_init(mk_sha256 *s);
void mk_sha256_update(mk_sha256 *s, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void mk_sha256_hex(mk_sha256 *s, char out[65]);

#endif
