/*
 * png.c -- the figures' PNG encoder (see png.h): PNG's Up filter, then deflate with fixed
 * Huffman codes whose only matches are runs (distance 1: a repeated byte; distance 3: a
 * repeated pixel), found greedily eight bytes at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h> /* crc32 only */

#include "core/alloc.h"
#include "core/error.h"
#include "report/png.h"

#define CHUNK_CAP 65536 /* IDAT data per chunk */
#define ADLER_MOD 65521u

/* deflate's length codes 257..285: the smallest length of each and its extra bits (RFC 1951 3.2.5) */
static const uint16_t k_len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                        31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t k_len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                        2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

typedef struct png_enc {
    mk_file_out *f;
    unsigned char *chunk;  /* 8 bytes of chunk header, then up to CHUNK_CAP + 8 data bytes */
    size_t len;            /* data bytes in chunk */
    uint64_t acc;          /* bits not yet stored, the first in the lowest place */
    int nacc;
    uint32_t a, b;         /* Adler-32 of the uncompressed stream so far */
    uint16_t code[288];    /* the fixed literal/length codes, bit-reversed (deflate sends a */
    uint8_t clen[288];     /* Huffman code from its top bit, the bit writer from the bottom) */
} png_enc;

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One PNG chunk: length, type, data, CRC of type and data.  buf holds 8 spare bytes in front of
 * data (the chunk's length and type are written there, so the CRC runs over one block). */
static void chunk_write(mk_file_out *f, const char *type, unsigned char *buf, size_t len)
{
    put_be32(buf, (uint32_t)len);
    memcpy(buf + 4, type, 4);
    unsigned char crc[4];
    put_be32(crc, (uint32_t)crc32(0L, buf + 4, (uInt)(len + 4)));
    mk_file_put(f, buf, len + 8);
    mk_file_put(f, crc, 4);
}

static void idat_flush(png_enc *e)
{
    if (e->len) chunk_write(e->f, "IDAT", e->chunk, e->len);
    e->len = 0;
}

/* n <= 16 bits; nacc < 32 before and after */
static inline void put_bits(png_enc *e, uint32_t bits, int n)
{
    e->acc |= (uint64_t)bits << e->nacc;
    e->nacc += n;
    if (e->nacc >= 32) {
        unsigned char *p = e->chunk + 8 + e->len;
        p[0] = (unsigned char)e->acc, p[1] = (unsigned char)(e->acc >> 8);
        p[2] = (unsigned char)(e->acc >> 16), p[3] = (unsigned char)(e->acc >> 24);
        e->acc >>= 32, e->nacc -= 32, e->len += 4;
        if (e->len >= CHUNK_CAP) idat_flush(e);
    }
}

/* the last bits, padded with zeros to a byte */
static void put_align(png_enc *e)
{
    while (e->nacc > 0) {
        e->chunk[8 + e->len++] = (unsigned char)e->acc;
        e->acc >>= 8, e->nacc -= 8;
    }
    e->acc = 0, e->nacc = 0;
}

static uint32_t reverse_bits(uint32_t v, int n)
{
    uint32_t r = 0;
    for (int i = 0; i < n; i++) r = (r << 1) | ((v >> i) & 1u);
    return r;
}

/* RFC 1951 3.2.6: 0..143 in 8 bits from 0x30, 144..255 in 9 from 0x190, 256..279 in 7 from 0,
 * 280..287 in 8 from 0xc0 */
static void fixed_codes(png_enc *e)
{
    for (int s = 0; s < 288; s++) {
        uint32_t c;
        int n;
        if (s < 144) c = 0x30u + (uint32_t)s, n = 8;
        else if (s < 256) c = 0x190u + (uint32_t)(s - 144), n = 9;
        else if (s < 280) c = (uint32_t)(s - 256), n = 7;
        else c = 0xc0u + (uint32_t)(s - 280), n = 8;
        e->code[s] = (uint16_t)reverse_bits(c, n);
        e->clen[s] = (uint8_t)n;
    }
}

static inline void put_sym(png_enc *e, int s) { put_bits(e, e->code[s], e->clen[s]); }

/* a match of length 3..258 at distance 1 or 3 (fixed distance codes 0 and 2, 5 bits) */
static void put_match(png_enc *e, size_t len, int dist)
{
    int i = 28;
    while (k_len_base[i] > len) i--;
    put_sym(e, 257 + i);
    if (k_len_extra[i]) put_bits(e, (uint32_t)(len - k_len_base[i]), k_len_extra[i]);
    put_bits(e, reverse_bits(dist == 1 ? 0u : 2u, 5), 5);
}

/* how many of x[0..n) equal y[0..n), from the start (x and y may overlap: both are read only) */
static size_t same_run(const unsigned char *x, const unsigned char *y, size_t n)
{
    size_t i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t u, v;
        memcpy(&u, x + i, 8);
        memcpy(&v, y + i, 8);
        if (u != v) return i + (size_t)(__builtin_ctzll(u ^ v) >> 3);
    }
#endif
    while (i < n && x[i] == y[i]) i++;
    return i;
}

/* how many of x[0..n) equal c, from the start */
static size_t byte_run(const unsigned char *x, unsigned char c, size_t n)
{
    size_t i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t cc = 0x0101010101010101ull * c;
    for (; i + 8 <= n; i += 8) {
        uint64_t u;
        memcpy(&u, x + i, 8);
        if (u != cc) return i + (size_t)(__builtin_ctzll(u ^ cc) >> 3);
    }
#endif
    while (i < n && x[i] == c) i++;
    return i;
}

/* One filtered row r[0..n) (r[0] the filter type): runs of the byte before as matches at
 * distance 1, runs of the pixel before at distance 3, the rest literals; Adler-32 as it goes
 * (a run of k bytes c adds k c to a and k a + c k (k + 1) / 2 to b). */
static void encode_row(png_enc *e, const unsigned char *r, size_t n)
{
    uint64_t a = e->a, b = e->b;
    size_t i = 0;
    while (i < n) {
        size_t k = i > 0 ? byte_run(r + i, r[i - 1], n - i) : 0;
        if (k >= 3) {
            uint64_t c = r[i - 1];
            b += k * a + c * k * (k + 1) / 2, a += k * c;
            i += k;
            for (; k >= 3; k -= k > 258 ? 258 : k) put_match(e, k > 258 ? 258 : k, 1);
            for (; k > 0; k--) put_sym(e, r[i - k]); /* 1 or 2 left over */
            continue;
        }
        k = i >= 3 ? same_run(r + i, r + i - 3, n - i) : 0;
        if (k >= 3) {
            if (k > 258) k = 258;
            put_match(e, k, 3);
            for (size_t j = 0; j < k; j++) a += r[i + j], b += a;
            i += k;
            continue;
        }
        put_sym(e, r[i]);
        a += r[i], b += a;
        i++;
    }
    e->a = (uint32_t)(a % ADLER_MOD), e->b = (uint32_t)(b % ADLER_MOD);
}

mk_status mk_png_write(mk_file_out *f, const unsigned char *pix, int w, int h, const char *path, mk_error *err)
{
    if (w <= 0 || h <= 0 || w > (1 << 24) || h > (1 << 24))
        return mk_fail(err, MK_ERR_INVALID, "cannot encode figure %s: %d x %d pixels", path, w, h);
    size_t stride = (size_t)w * 3, n = stride + 1;
    png_enc *e = mk_malloc(sizeof *e);
    unsigned char *row = mk_malloc(n), *chunk = mk_malloc(CHUNK_CAP + 16);
    if (!e || !row || !chunk) {
        free(e), free(row), free(chunk);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory encoding figure %s", path);
    }
    memset(e, 0, sizeof *e);
    e->f = f, e->chunk = chunk, e->a = 1, e->b = 0;
    fixed_codes(e);

    mk_file_put(f, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[8 + 13];
    put_be32(ihdr + 8, (uint32_t)w);
    put_be32(ihdr + 12, (uint32_t)h);
    memcpy(ihdr + 16, "\x08\x02\x00\x00\x00", 5); /* 8 bits, RGB, deflate, adaptive filters, no interlace */
    chunk_write(f, "IHDR", ihdr, 13);

    put_bits(e, 0x78, 8), put_bits(e, 0x01, 8); /* zlib: deflate, 32 KB window; (0x7801 % 31) == 0 */
    put_bits(e, 1, 1), put_bits(e, 1, 2);       /* the one and final block, fixed codes */
    row[0] = 2;                                 /* Up, against zeros above the first row */
    for (int y = 0; y < h; y++) {
        const unsigned char *s = pix + (size_t)y * stride, *p = y ? s - stride : NULL;
        if (p)
            for (size_t i = 0; i < stride; i++) row[1 + i] = (unsigned char)(s[i] - p[i]);
        else memcpy(row + 1, s, stride);
        encode_row(e, row, n);
    }
    put_sym(e, 256); /* end of block */
    put_align(e);
    put_be32(e->chunk + 8 + e->len, (e->b << 16) | e->a);
    e->len += 4;
    idat_flush(e);
    chunk_write(f, "IEND", e->chunk, 0);
    free(row);
    free(chunk);
    free(e);
    return MK_OK;
}
