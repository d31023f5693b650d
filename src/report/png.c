/*
 * png.c -- the figures' PNG encoder (see png.h): PNG's Up filter, then deflate whose only
 * matches are runs (distance 1: a repeated byte; distance 3: a repeated pixel), found greedily
 * eight bytes at a time, in blocks of TOKENS_CAP symbols, each with Huffman codes made for its
 * own symbol counts (a figure's literals are few distinct values: dynamic codes make the files
 * about a third smaller than deflate's fixed codes, for a few per cent of the encoder's time).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h> /* crc32 and adler32 */

#include "core/alloc.h"
#include "core/error.h"
#include "report/png.h"

#define CHUNK_CAP 65536   /* IDAT data per chunk */
#define TOKENS_CAP 32768  /* symbols per deflate block */

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
    uLong adler;           /* Adler-32 of the uncompressed stream so far (zlib) */
    uint32_t *tok;         /* the block's symbols: bits 0-8 the literal/length symbol, 9-13 */
    size_t ntok;           /* a length's extra bits, bit 14 set for distance 3 */
    uint32_t freq[288];    /* how often each literal/length symbol occurs in the block */
    uint32_t dfreq[2];     /* and distances 1 and 3 */
} png_enc;

/* A Huffman code: bit-reversed codes (deflate sends a code from its top bit, the bit writer
 * from the bottom) and their lengths. */
typedef struct huff {
    uint16_t code[288];
    uint8_t len[288];
} huff;

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

static int cmp_u64(const void *p, const void *q)
{
    uint64_t a = *(const uint64_t *)p, b = *(const uint64_t *)q;
    return (a > b) - (a < b);
}

/* Lengths of a Huffman code for n <= 288 symbols with these counts (0: unused, length 0), none
 * longer than max_bits: a tree by the two-queue method over the counts sorted, and while it is
 * too deep, the counts halved (keeping every used symbol) and the tree built again. */
static void huff_lengths(const uint32_t *count, int n, int max_bits, uint8_t *len)
{
    uint32_t w[2 * 288];
    int sym[288], parent[2 * 288], depth[2 * 288], m = 0;
    uint32_t c[288];
    for (int s = 0; s < n; s++) {
        len[s] = 0;
        c[s] = count[s];
        if (c[s]) sym[m++] = s;
    }
    if (m == 1) len[sym[0]] = 1;
    if (m < 2) return;
    for (;;) {
        uint64_t key[288]; /* by count, then symbol: deterministic */
        for (int i = 0; i < m; i++) key[i] = (uint64_t)c[sym[i]] << 9 | (uint64_t)sym[i];
        qsort(key, (size_t)m, sizeof *key, cmp_u64);
        for (int i = 0; i < m; i++) sym[i] = (int)(key[i] & 511u), w[i] = c[sym[i]];
        int leaf = 0, node = m, made = m; /* leaves 0..m-1, inner nodes m.. in order of weight */
        for (; made < 2 * m - 1; made++) {
            int pick[2];
            for (int k = 0; k < 2; k++)
                pick[k] = leaf < m && (node >= made || w[leaf] <= w[node]) ? leaf++ : node++;
            w[made] = w[pick[0]] + w[pick[1]];
            parent[pick[0]] = parent[pick[1]] = made;
        }
        depth[2 * m - 2] = 0;
        int deepest = 0;
        for (int i = 2 * m - 3; i >= 0; i--) {
            depth[i] = depth[parent[i]] + 1;
            if (i < m && depth[i] > deepest) deepest = depth[i];
        }
        if (deepest <= max_bits) {
            for (int i = 0; i < m; i++) len[sym[i]] = (uint8_t)depth[i];
            return;
        }
        for (int i = 0; i < m; i++) c[sym[i]] = c[sym[i]] / 2 + 1;
    }
}

/* RFC 1951 3.2.2: canonical codes from the lengths */
static void huff_codes(huff *h, int n)
{
    int bl[16] = {0}, next[16] = {0};
    for (int s = 0; s < n; s++) bl[h->len[s]]++;
    bl[0] = 0;
    for (int b = 1, code = 0; b < 16; b++) code = (code + bl[b - 1]) << 1, next[b] = code;
    for (int s = 0; s < n; s++)
        if (h->len[s]) h->code[s] = (uint16_t)reverse_bits((uint32_t)next[h->len[s]]++, h->len[s]);
}

/* a match of length 3..258 at distance 1 or 3, as a symbol of the block */
static void tok_match(png_enc *e, size_t len, int dist)
{
    int i = 28;
    while (k_len_base[i] > len) i--;
    e->tok[e->ntok++] = (uint32_t)(257 + i) | (uint32_t)(len - k_len_base[i]) << 9 | (dist == 3 ? 1u << 14 : 0u);
    e->freq[257 + i]++;
    e->dfreq[dist == 3]++;
}

static void block_flush(png_enc *e, int final);

static inline void tok_lit(png_enc *e, int s)
{
    e->tok[e->ntok++] = (uint32_t)s;
    e->freq[s]++;
}


/* The block's header (RFC 1951 3.2.7): the code lengths of both codes, run-length coded
 * (16: the previous length 3-6 times, 17: 3-10 zeros, 18: 11-138 zeros) in a third code. */
static void put_header(png_enc *e, const huff *lit, int nlit, const huff *dist, int ndist)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint8_t all[288 + 32], rle[288 + 32], extra[288 + 32];
    int n = 0, nr = 0;
    for (int s = 0; s < nlit; s++) all[n++] = lit->len[s];
    for (int s = 0; s < ndist; s++) all[n++] = dist->len[s];
    uint32_t cnt[19] = {0};
    for (int i = 0; i < n;) {
        int v = all[i], k = 1;
        while (i + k < n && all[i + k] == v) k++;
        if (v == 0 && k >= 11) k = k > 138 ? 138 : k, rle[nr] = 18, extra[nr++] = (uint8_t)(k - 11);
        else if (v == 0 && k >= 3) k = k > 10 ? 10 : k, rle[nr] = 17, extra[nr++] = (uint8_t)(k - 3);
        else if (v != 0 && k >= 4) k = k > 7 ? 7 : k, rle[nr] = (uint8_t)v, extra[nr++] = 0,
                                   rle[nr] = 16, extra[nr++] = (uint8_t)(k - 4);
        else k = 1, rle[nr] = (uint8_t)v, extra[nr++] = 0;
        i += k;
    }
    for (int i = 0; i < nr; i++) cnt[rle[i]]++;
    huff cl;
    huff_lengths(cnt, 19, 7, cl.len);
    huff_codes(&cl, 19);
    int ncl = 19;
    while (ncl > 4 && cl.len[order[ncl - 1]] == 0) ncl--;
    put_bits(e, (uint32_t)(nlit - 257), 5), put_bits(e, (uint32_t)(ndist - 1), 5), put_bits(e, (uint32_t)(ncl - 4), 4);
    for (int i = 0; i < ncl; i++) put_bits(e, cl.len[order[i]], 3);
    for (int i = 0; i < nr; i++) {
        put_bits(e, cl.code[rle[i]], cl.len[rle[i]]);
        if (rle[i] == 16) put_bits(e, extra[i], 2);
        else if (rle[i] == 17) put_bits(e, extra[i], 3);
        else if (rle[i] == 18) put_bits(e, extra[i], 7);
    }
}

/* the block's symbols with codes made for them, and the end-of-block symbol */
static void block_flush(png_enc *e, int final)
{
    e->freq[256] = 1;
    if (e->ntok == 0) e->freq[0]++; /* two symbols at least: a code of one symbol is no tree */
    huff lit, dist;
    huff_lengths(e->freq, 288, 15, lit.len);
    huff_codes(&lit, 286);
    uint32_t dc[3] = {e->dfreq[0] + 1, 0, e->dfreq[1] + 1}; /* distance codes 0 (1) and 2 (3) */
    huff_lengths(dc, 3, 15, dist.len);
    huff_codes(&dist, 3);
    int nlit = 286;
    while (nlit > 257 && lit.len[nlit - 1] == 0) nlit--;
    put_bits(e, final ? 1u : 0u, 1), put_bits(e, 2, 2); /* dynamic codes */
    put_header(e, &lit, nlit, &dist, 3);
    for (size_t i = 0; i < e->ntok; i++) {
        uint32_t t = e->tok[i], s = t & 511u;
        put_bits(e, lit.code[s], lit.len[s]);
        if (s > 256) {
            if (k_len_extra[s - 257]) put_bits(e, (t >> 9) & 31u, k_len_extra[s - 257]);
            int d = (t >> 14) & 1 ? 2 : 0;
            put_bits(e, dist.code[d], dist.len[d]);
        }
    }
    put_bits(e, lit.code[256], lit.len[256]);
    e->ntok = 0;
    memset(e->freq, 0, sizeof e->freq);
    e->dfreq[0] = e->dfreq[1] = 0;
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
    e->adler = adler32(e->adler, r, (uInt)n);
    size_t i = 0;
    while (i < n) {
        size_t k = i > 0 ? byte_run(r + i, r[i - 1], n - i) : 0;
        if (k >= 3) {
            i += k;
            for (; k >= 3; k -= k > 258 ? 258 : k) tok_match(e, k > 258 ? 258 : k, 1);
            for (; k > 0; k--) tok_lit(e, r[i - k]); /* 1 or 2 left over */
            continue;
        }
        k = i >= 3 ? same_run(r + i, r + i - 3, n - i) : 0;
        if (k >= 3) {
            if (k > 258) k = 258;
            tok_match(e, k, 3);
            i += k;
            continue;
        }
        tok_lit(e, r[i]);
        i++;
    }
}

/* row y of the image as RGB bytes into out (3 w) */
static void rgb_row(const unsigned char *pix, size_t w, size_t stride, mk_png_format fmt, int y, unsigned char *out)
{
    const unsigned char *s = pix + (size_t)y * stride;
    if (fmt == MK_PNG_RGB) {
        memcpy(out, s, 3 * w);
        return;
    }
    for (size_t i = 0; i < w; i++, out += 3) {
        uint32_t v;
        memcpy(&v, s + 4 * i, 4);
        out[0] = (unsigned char)(v >> 16), out[1] = (unsigned char)(v >> 8), out[2] = (unsigned char)v;
    }
}

mk_status mk_png_write(mk_file_out *f, const unsigned char *pix, int w, int h, size_t stride, mk_png_format fmt,
                       const char *path, mk_error *err)
{
    size_t bpp = fmt == MK_PNG_RGB ? 3 : 4;
    if (w <= 0 || h <= 0 || w > (1 << 24) || h > (1 << 24) || stride < bpp * (size_t)w)
        return mk_fail(err, MK_ERR_INVALID, "cannot encode figure %s: %d x %d pixels", path, w, h);
    size_t rgb = (size_t)w * 3, n = rgb + 1;
    png_enc *e = mk_malloc(sizeof *e);
    unsigned char *row = mk_malloc(n), *chunk = mk_malloc(CHUNK_CAP + 16);
    unsigned char *cur = mk_malloc(2 * rgb), *prev = cur ? cur + rgb : NULL; /* RGB rows */
    uint32_t *tok = mk_malloc((TOKENS_CAP + n) * sizeof *tok); /* a block ends after the row that fills it */
    if (!e || !row || !chunk || !tok || !cur) {
        free(e), free(row), free(chunk), free(tok), free(cur);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory encoding figure %s", path);
    }
    memset(e, 0, sizeof *e);
    e->f = f, e->chunk = chunk, e->tok = tok, e->adler = adler32(0L, Z_NULL, 0);

    mk_file_put(f, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[8 + 13];
    put_be32(ihdr + 8, (uint32_t)w);
    put_be32(ihdr + 12, (uint32_t)h);
    memcpy(ihdr + 16, "\x08\x02\x00\x00\x00", 5); /* 8 bits, RGB, deflate, adaptive filters, no interlace */
    chunk_write(f, "IHDR", ihdr, 13);

    put_bits(e, 0x78, 8), put_bits(e, 0x01, 8); /* zlib: deflate, 32 KB window; (0x7801 % 31) == 0 */
    row[0] = 2;                                 /* Up, against zeros above the first row */
    unsigned char *rows = cur;
    memset(prev, 0, rgb);
    for (int y = 0; y < h; y++) {
        rgb_row(pix, (size_t)w, stride, fmt, y, cur);
        for (size_t i = 0; i < rgb; i++) row[1 + i] = (unsigned char)(cur[i] - prev[i]);
        unsigned char *t = cur;
        cur = prev, prev = t;
        encode_row(e, row, n);
        if (e->ntok >= TOKENS_CAP) block_flush(e, 0);
    }
    block_flush(e, 1);
    put_align(e);
    put_be32(e->chunk + 8 + e->len, (uint32_t)e->adler);
    e->len += 4;
    idat_flush(e);
    chunk_write(f, "IEND", e->chunk, 0);
    free(row);
    free(chunk);
    free(tok);
    free(rows);
    free(e);
    return MK_OK;
}
