/*
 * test_png.c -- the figures' PNG encoder (src/report/png.c): every file it writes is read back
 * by an independent decoder here (chunks and their CRCs checked, the image data inflated with
 * zlib, which checks the Adler-32, and un-filtered for any of PNG's five filters) and must give
 * back every pixel: flat pages, runs longer than deflate's longest match, runs that end one or
 * two bytes after a longest match, repeated pixels, noise, and images whose data spans several
 * IDAT chunks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "core/file.h"
#include "report/png.h"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Decode the PNG file at path (8-bit RGB, not interlaced) into a fresh buffer; *chunks counts
 * its IDAT chunks.  Fails the test on anything malformed. */
static unsigned char *decode(const char *path, int w, int h, int *chunks)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *file = malloc((size_t)size);
    assert_non_null(file);
    assert_int_equal(fread(file, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    assert_memory_equal(file, "\x89PNG\r\n\x1a\n", 8);
    unsigned char *z = malloc((size_t)size);
    size_t nz = 0, at = 8;
    int seen_ihdr = 0, seen_iend = 0;
    *chunks = 0;
    while (at < (size_t)size) {
        assert_true(at + 12 <= (size_t)size);
        uint32_t len = be32(file + at);
        assert_true(at + 12 + len <= (size_t)size);
        const unsigned char *type = file + at + 4, *data = file + at + 8;
        assert_int_equal(be32(data + len), (uint32_t)crc32(0L, type, len + 4));
        if (!memcmp(type, "IHDR", 4)) {
            assert_false(seen_ihdr);
            assert_int_equal(at, 8); /* first */
            assert_int_equal(len, 13);
            assert_int_equal(be32(data), (uint32_t)w);
            assert_int_equal(be32(data + 4), (uint32_t)h);
            assert_memory_equal(data + 8, "\x08\x02\x00\x00\x00", 5);
            seen_ihdr = 1;
        } else if (!memcmp(type, "IDAT", 4)) {
            assert_true(seen_ihdr);
            memcpy(z + nz, data, len);
            nz += len;
            ++*chunks;
        } else if (!memcmp(type, "IEND", 4)) {
            assert_int_equal(len, 0);
            seen_iend = 1;
        }
        at += 12 + len;
        if (seen_iend) break;
    }
    assert_true(seen_iend);
    assert_int_equal(at, (size_t)size); /* nothing after IEND */
    size_t stride = (size_t)w * 3;
    uLongf nraw = (uLongf)((stride + 1) * (size_t)h);
    unsigned char *raw = malloc(nraw + 1), *pix = malloc(stride * (size_t)h);
    uLongf got = nraw + 1; /* one more than needed: a longer stream is an error too */
    assert_int_equal(uncompress(raw, &got, z, (uLong)nz), Z_OK);
    assert_int_equal(got, nraw);
    for (int y = 0; y < h; y++) {
        const unsigned char *r = raw + (size_t)y * (stride + 1);
        unsigned char *o = pix + (size_t)y * stride;
        const unsigned char *up = y ? o - stride : NULL;
        assert_true(r[0] <= 4);
        for (size_t i = 0; i < stride; i++) {
            int a = i >= 3 ? o[i - 3] : 0, b = up ? up[i] : 0, c = i >= 3 && up ? up[i - 3] : 0, p = 0;
            switch (r[0]) {
            case 1: p = a; break;
            case 2: p = b; break;
            case 3: p = (a + b) / 2; break;
            case 4: p = paeth(a, b, c); break;
            default: break;
            }
            o[i] = (unsigned char)(r[1 + i] + p);
        }
    }
    free(raw);
    free(z);
    free(file);
    return pix;
}

/* encode pix (RGB) laid out as fmt with rows stride bytes apart, decode, compare; returns the
 * number of IDAT chunks */
static int round_trip_as(const unsigned char *pix, int w, int h, mk_png_format fmt, size_t stride)
{
    char path[256];
    snprintf(path, sizeof path, "%s/mk_png_test_%d.png", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    unsigned char *laid = malloc(stride * (size_t)h);
    assert_non_null(laid);
    memset(laid, 0xa5, stride * (size_t)h); /* the padding and the X bytes: never read as colour */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p = pix + ((size_t)y * w + x) * 3;
            unsigned char *q = laid + (size_t)y * stride + (size_t)x * (fmt == MK_PNG_RGB ? 3 : 4);
            if (fmt == MK_PNG_RGB) memcpy(q, p, 3);
            else {
                uint32_t v = 0x5a000000u | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
                memcpy(q, &v, 4);
            }
        }
    mk_file_out out;
    mk_error err = {0};
    assert_int_equal(mk_file_begin(&out, path, &err), MK_OK);
    assert_int_equal(mk_png_write(&out, laid, w, h, stride, fmt, path, &err), MK_OK);
    assert_int_equal(mk_file_commit(&out, &err), MK_OK);
    int chunks = 0;
    unsigned char *back = decode(path, w, h, &chunks);
    assert_memory_equal(back, pix, (size_t)w * (size_t)h * 3);
    free(back);
    free(laid);
    remove(path);
    return chunks;
}

/* the same image as RGB bytes, as Cairo's 32-bit words, and as either with padded rows */
static int round_trip(const unsigned char *pix, int w, int h)
{
    int chunks = round_trip_as(pix, w, h, MK_PNG_RGB, (size_t)w * 3);
    assert_int_equal(round_trip_as(pix, w, h, MK_PNG_RGB, (size_t)w * 3 + 5), chunks);
    assert_int_equal(round_trip_as(pix, w, h, MK_PNG_XRGB32, (size_t)w * 4), chunks);
    assert_int_equal(round_trip_as(pix, w, h, MK_PNG_XRGB32, (size_t)w * 4 + 16), chunks);
    return chunks;
}

static uint32_t g_rng = 12345u;
static unsigned char rnd(void)
{
    g_rng = g_rng * 1103515245u + 12345u;
    return (unsigned char)(g_rng >> 16);
}

static void small_images(void **state)
{
    (void)state;
    unsigned char one[3] = {10, 200, 30};
    round_trip(one, 1, 1);
    unsigned char noise[7 * 5 * 3];
    for (size_t i = 0; i < sizeof noise; i++) noise[i] = rnd();
    round_trip(noise, 7, 5);
    round_trip(noise, 1, 35);
    round_trip(noise, 35, 1);
}

/* flat colour: runs of thousands of bytes (many longest matches), and rows of 3 x 87 = 261
 * bytes, whose run after the first byte is 260 = 258 + 2 */
static void runs(void **state)
{
    (void)state;
    static const int widths[] = {2000, 87, 86, 88, 2};
    for (size_t k = 0; k < sizeof widths / sizeof *widths; k++) {
        int w = widths[k], h = 4;
        unsigned char *pix = malloc((size_t)w * h * 3);
        memset(pix, 255, (size_t)w * h * 3);
        for (int i = 0; i < w; i++) pix[(size_t)(2 * w + i) * 3] = 7; /* a red-free row: new runs */
        round_trip(pix, w, h);
        for (int i = 0; i < w * h; i++) pix[i * 3] = 0, pix[i * 3 + 1] = 114, pix[i * 3 + 2] = 178;
        round_trip(pix, w, h); /* a repeated pixel, not a repeated byte */
        free(pix);
    }
}

/* like a figure: white page, an antialiased-looking line, a flat patch, a gradient and noise;
 * the noise makes the data span several IDAT chunks */
static void figure_like(void **state)
{
    (void)state;
    int w = 420, h = 300;
    unsigned char *pix = malloc((size_t)w * h * 3);
    memset(pix, 255, (size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = pix + ((size_t)y * w + x) * 3;
            if (y >= 20 && y < 60 && x >= 30 && x < 200) p[0] = 230, p[1] = 159, p[2] = 0;
            if (y == 100 + x / 7) p[0] = p[1] = p[2] = (unsigned char)(x * 5);
            if (y >= 120 && y < 140) p[0] = (unsigned char)x, p[1] = (unsigned char)(x / 2), p[2] = 9;
            if (y >= 150) p[0] = rnd(), p[1] = rnd(), p[2] = rnd();
        }
    assert_true(round_trip(pix, w, h) >= 2);
    free(pix);
}

static void refuses_an_empty_image(void **state)
{
    (void)state;
    mk_file_out out;
    mk_error err = {0};
    char path[256];
    snprintf(path, sizeof path, "%s/mk_png_empty_%d.png", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    assert_int_equal(mk_file_begin(&out, path, &err), MK_OK);
    unsigned char px[3] = {0};
    assert_int_equal(mk_png_write(&out, px, 0, 1, 3, MK_PNG_RGB, path, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "mk_png_empty_"));
    /* a row longer than the stride */
    assert_int_equal(mk_png_write(&out, px, 1, 1, 3, MK_PNG_XRGB32, path, &err), MK_ERR_INVALID);
    mk_file_abort(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_images),
        cmocka_unit_test(runs),
        cmocka_unit_test(figure_like),
        cmocka_unit_test(refuses_an_empty_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
