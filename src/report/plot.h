/*
 * plot.h -- the one PLplot session every figure of myoknot is drawn in (run figures,
 * validation figures, scan and sensitivity figures), and the journal style they share:
 * white background, open black axes, the Okabe-Ito colour-blind-safe palette, sans fonts.
 *
 * PLplot has process-wide state (the current stream, its exit and abort handlers) and is not
 * thread safe.  mk_plot_draw() therefore holds a single lock (shared by every module that
 * draws), draws on a fresh stream, restores the caller's current stream and leaves PLplot's
 * handlers as its defaults afterwards.  PLplot's fatal errors would call exit(): they are
 * caught and returned as an mk_status.  Its non-fatal errors (plabort) fail the figure too,
 * with PLplot's message in the mk_error (PLplot also prints that one to stderr itself).
 *
 * The catching is a setjmp in mk_plot_draw() around the call of the draw function, so the
 * frame the handler longjmps to is always live.  A consequence for draw functions: a fatal
 * PLplot error abandons them half way, so they must not allocate or take anything that needs
 * releasing.  They get two scratch arrays (page.n_scratch doubles each) for that reason.
 */
#ifndef MK_REPORT_PLOT_H
#define MK_REPORT_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "myoknot.h"

/* Okabe & Ito (2008) palette in cmap0 slots 2..8, on white with black text; slots from
 * MK_PC_NBASE on are the page's own (mk_plot_page.extra), typically translucent shades. */
enum {
    MK_PC_WHITE = 0,
    MK_PC_BLACK = 1,
    MK_PC_ORANGE = 2,
    MK_PC_SKY = 3,
    MK_PC_GREEN = 4,
    MK_PC_YELLOW = 5,
    MK_PC_BLUE = 6,
    MK_PC_VERMILLION = 7,
    MK_PC_PURPLE = 8,
    MK_PC_GREY = 9,
    MK_PC_NBASE = 10
};

#define MK_PLOT_MAX_EXTRA 8
#define MK_PLOT_FS 0.62     /* base character scale: about 9 pt at the width a journal column prints */
#define MK_PLOT_LINE_W 2.4  /* data lines */
#define MK_PLOT_AXIS_W 1.4  /* axes and ticks */

typedef struct mk_plot_color {
    int r, g, b;    /* 0..255 */
    double a;       /* opacity, 0..1 */
} mk_plot_color;

typedef struct mk_plot_page {
    const char *path;             /* the PNG to write */
    int width_px, height_px;
    const mk_plot_color *extra;   /* colours for cmap0 slots MK_PC_NBASE.., may be NULL */
    int n_extra;                  /* 0..MK_PLOT_MAX_EXTRA */
    size_t n_scratch;             /* doubles in each scratch array given to the draw function */
} mk_plot_page;

/* Draws the figure with PLplot calls on the current stream, which mk_plot_draw has already
 * initialised (device, file, page size, palette, fonts, character and tick sizes, pladv(0)).
 * xs and ys are scratch arrays of page.n_scratch (at least 1) doubles each. */
typedef void (*mk_plot_draw_fn)(const void *ctx, double *xs, double *ys);

/* Draw one PNG figure: check that the file can be written and that PLplot's cairo devices
 * exist, then, under the lock and on a stream of its own, set the page up and call draw.
 * PLplot's extcairo device draws on a Cairo image surface over our own buffer and
 * report/png.c encodes the PNG (the same pixels as pngcairo, a few times faster) into a
 * temporary file beside page->path
 * (core/file.h), which replaces page->path only when completely written, so a failed write
 * (a full disk) is an error naming the figure. */
mk_status mk_plot_draw(const mk_plot_page *page, mk_plot_draw_fn draw, const void *ctx, mk_error *err);

/* Paints pixels straight into the page (w x h, rows from the top, white when called) before
 * PLplot draws over it, with the ctx given to draw.  A pixel is Cairo's RGB24: one native-endian
 * 32-bit word 0xXXRRGGBB (mk_plot_pixel); a row is stride bytes.  For what would otherwise be many
 * thousands of tiny PLplot fills (the body map's raster cells, each one a Cairo path with
 * antialiasing): writing the pixels costs a small fraction of that. */
typedef void (*mk_plot_paint_fn)(const void *ctx, unsigned char *pix, int w, int h, int stride);

/* Set the pixel at p (inside a row of a paint function's page) to r, g, b. */
static inline void mk_plot_pixel(unsigned char *p, unsigned char r, unsigned char g, unsigned char b)
{
    uint32_t v = 0xff000000u | (uint32_t)r << 16 | (uint32_t)g << 8 | b;
    memcpy(p, &v, 4);
}

/* mk_plot_draw with a paint step first (paint may be NULL). */
mk_status mk_plot_draw_painted(const mk_plot_page *page, mk_plot_paint_fn paint, mk_plot_draw_fn draw,
                               const void *ctx, mk_error *err);

/* ---------------------------------------------------------------- helpers (no PLplot state) */

/* Text for PLplot: '#' is its escape character, so it is doubled. */
void mk_plot_text(char *out, size_t size, const char *in);
/* A declared unit as a reader expects it ("uM" -> "µM"); NULL, "" and "1" (dimensionless)
 * -> "".  Returns buf; not escaped for PLplot. */
const char *mk_plot_unit(const char *unit, char *buf, size_t size);
/* Widen [*lo, *hi] to include v if v is finite. */
void mk_plot_span(double *lo, double *hi, double v);
/* Turn the data extent [*lo, *hi] into an axis range: frac of the span added on either side
 * (a constant centred with 10 % of its magnitude, no finite value -> 0..1); with floor_zero,
 * a non-negative quantity does not get a range below zero. */
void mk_plot_pad_range(double *lo, double *hi, double frac, int floor_zero);
/* Where to break a long title in two: the index of the space nearest the middle, preferring
 * "; " and then ", ", or 0 when s is at most max_len bytes long (or has no such space). */
size_t mk_plot_break_at(const char *s, size_t max_len);

/* ---------------------------------------------------------------- drawing (inside a draw function) */

/* A filled rectangle in world coordinates. */
void mk_plot_band(double x0, double x1, double y0, double y1, int color);
/* A dashed polyline (n points) in world coordinates; leaves the line style solid. */
void mk_plot_dashed(int n, const double *x, const double *y, int color, double width);
/* The figure's title at the top left, one or two lines (split at '\n'); text is escaped. */
void mk_plot_title(const char *text, double width_px, double height_px);
/* A bold panel letter (or heading) at page position (x, y), in black, scale x the base size. */
void mk_plot_letter(const char *text, double x, double y, double scale);

#endif
