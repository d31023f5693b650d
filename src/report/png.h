/*
 * png.h -- the figures' PNG encoder: an 8-bit RGB image as a PNG on a file being written.
 *
 * Written for what the figures are (docs/speed.md): about 96 % of the bytes of a figure,
 * after PNG's Up filter, are zero (white page, flat colour, vertical structure), and the rest
 * are short runs at lines, text and edges.  A general deflate (zlib at level 1) spent about
 * 0.06 s of CPU on the default run's five figures looking for matches that are almost all
 * runs; this encoder codes exactly those: runs of a repeated byte (distance 1) and of a
 * repeated pixel (distance 3), everything else as literals, with Huffman codes made per block.
 * The pixels are the same (a PNG is lossless); the file is a valid PNG any decoder reads
 * (tests/report/test_png.c inflates it with zlib and compares every pixel).
 */
#ifndef MK_REPORT_PNG_H
#define MK_REPORT_PNG_H

#include "core/file.h"
#include "myoknot.h"

#include <stddef.h>

/* How the pixels are laid out in memory */
typedef enum mk_png_format {
    MK_PNG_RGB,    /* 3 bytes: red, green, blue */
    MK_PNG_XRGB32  /* one native-endian 32-bit word 0xXXRRGGBB (Cairo's RGB24; X ignored) */
} mk_png_format;

/* pix: h rows of w pixels, a row every stride bytes.  The bytes go through the sticky writer f
 * (its errors are reported by mk_file_commit); MK_ERR_NOMEM if a row buffer cannot be had,
 * MK_ERR_INVALID for an empty or oversized image or a stride shorter than a row (path names
 * the figure).  The PNG is 8-bit RGB. */
mk_status mk_png_write(mk_file_out *f, const unsigned char *pix, int w, int h, size_t stride, mk_png_format fmt,
                       const char *path, mk_error *err);

#endif
