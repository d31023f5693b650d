/*
 * plot.c -- the PLplot session and journal style shared by every figure (see plot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <plplot.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "report/plot.h"
#include "report/png.h"

/* ---------------------------------------------------------------- the session */

/* The only global state of the figures, and it has to be global: PLplot itself is one
 * process-wide state machine (so one lock must serialise every module that draws), and its
 * exit and abort handlers take no user pointer, so the jmp_buf they jump through and the
 * message buffer they fill can only be reached through a file-scope variable.  Everything in
 * it is touched only with `lock` held. */
static struct {
    pthread_mutex_t lock;
    jmp_buf jmp;      /* set by draw_locked() around the draw function */
    char msg[512];    /* PLplot's message for the first error */
    int aborted;      /* plabort was called */
} g_pl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int on_pl_exit(PLCHAR_VECTOR msg)
{
    snprintf(g_pl.msg, sizeof g_pl.msg, "%s", msg ? msg : "fatal error");
    longjmp(g_pl.jmp, 1);
    return 1; /* not reached */
}

static void on_pl_abort(PLCHAR_VECTOR msg)
{
    if (!g_pl.aborted) snprintf(g_pl.msg, sizeof g_pl.msg, "%s", msg ? msg : "error");
    g_pl.aborted = 1;
}

static int have_cairo(void)
{
    const char *menu[128], *names[128];
    int n = 128;
    const char **pm = menu, **pn = names;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], "extcairo") == 0) return 1;
    return 0;
}

/* device, file, page and the journal style: white background, black text and axes,
 * Okabe-Ito lines, then the page's own colours */
static void page_begin(const mk_plot_page *pg, cairo_t *cr)
{
    static const mk_plot_color base[MK_PC_NBASE] = {
        {255, 255, 255, 1}, {0, 0, 0, 1},     {230, 159, 0, 1},  {86, 180, 233, 1}, {0, 158, 115, 1},
        {240, 228, 66, 1},  {0, 114, 178, 1}, {213, 94, 0, 1},   {204, 121, 167, 1}, {153, 153, 153, 1},
    };
    PLINT r[MK_PC_NBASE + MK_PLOT_MAX_EXTRA], g[MK_PC_NBASE + MK_PLOT_MAX_EXTRA], b[MK_PC_NBASE + MK_PLOT_MAX_EXTRA];
    PLFLT a[MK_PC_NBASE + MK_PLOT_MAX_EXTRA];
    int n = 0;
    for (int i = 0; i < MK_PC_NBASE + pg->n_extra; i++, n++) {
        const mk_plot_color *c = i < MK_PC_NBASE ? &base[i] : &pg->extra[i - MK_PC_NBASE];
        r[n] = c->r, g[n] = c->g, b[n] = c->b, a[n] = c->a;
    }
    /* Cairo draws on our own image surface (extcairo: the page as the paint step left it,
     * white where it did not paint; PLplot paints no background of its own) */
    plsdev("extcairo");
    plspage(150.0, 150.0, pg->width_px, pg->height_px, 0, 0);
    plscmap0a(r, g, b, a, n);
    plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
    plinit();
    pl_cmd(PLESC_DEVINIT, cr);
    pladv(0);
    plschr(0.0, MK_PLOT_FS);
    plsmaj(0.0, 0.9);
    plsmin(0.0, 0.5);
}

/* Set the page up and draw, with PLplot's exit handler armed.  Returns 0 when drawn, 1 when a
 * fatal PLplot error jumped back.  The setjmp is here, in a frame that stays live for every
 * PLplot call the handler could jump out of; the handler is disarmed before the frame ends. */
static int draw_guarded(const mk_plot_page *pg, cairo_t *cr, mk_plot_draw_fn draw, const void *ctx,
                        double *xs, double *ys)
{
    if (setjmp(g_pl.jmp) != 0) return 1;
    plsexit(on_pl_exit);
    page_begin(pg, cr);
    draw(ctx, xs, ys);
    plend1();
    plsexit(NULL);
    return 0;
}

/* With g_pl.lock held: a stream of its own, the handlers armed, draw, the caller's stream back. */
static mk_status draw_locked(const mk_plot_page *pg, cairo_t *cr, mk_plot_draw_fn draw, const void *ctx,
                             double *xs, double *ys, mk_error *err)
{
    mk_status rc = MK_OK;
    PLINT old = 0, strm = -1;
    plgstrm(&old);
    g_pl.msg[0] = 0;
    g_pl.aborted = 0;
    plsabort(on_pl_abort);
    plmkstrm(&strm);
    if (strm < 0) {
        rc = mk_fail(err, MK_ERR_IO, "cannot draw %s: no free PLplot stream", pg->path);
    } else if (draw_guarded(pg, cr, draw, ctx, xs, ys) == 0) {
        if (g_pl.aborted) rc = mk_fail(err, MK_ERR_IO, "PLplot failed drawing %s: %s", pg->path, g_pl.msg);
    } else {
        /* a fatal PLplot error: free the stream if PLplot still can (the handler, still armed,
         * jumps to this frame now); if that fails too, give up on the stream.  extcairo leaves
         * the Cairo context and its surface to us, before and after plinit. */
        if (setjmp(g_pl.jmp) == 0) plend1();
        rc = mk_fail(err, MK_ERR_IO, "PLplot failed drawing %s: %s", pg->path, g_pl.msg);
    }
    plsexit(NULL);
    plsabort(NULL);
    plsstrm(old);
    return rc;
}

mk_status mk_plot_draw(const mk_plot_page *pg, mk_plot_draw_fn draw, const void *ctx, mk_error *err)
{
    return mk_plot_draw_painted(pg, NULL, draw, ctx, err);
}

mk_status mk_plot_draw_painted(const mk_plot_page *pg, mk_plot_paint_fn paint, mk_plot_draw_fn draw,
                               const void *ctx, mk_error *err)
{
    if (!pg || !pg->path || !draw || pg->n_extra < 0 || pg->n_extra > MK_PLOT_MAX_EXTRA ||
        (pg->n_extra > 0 && !pg->extra) || pg->width_px <= 0 || pg->height_px <= 0)
        return mk_fail(err, MK_ERR_INVALID, "mk_plot_draw: bad page");
    const char *path = pg->path;
    /* PLplot writes to a file name and would exit() if it cannot open it: it gets a fresh
     * temporary file beside the figure (core/file.h), checked and renamed into place */
    mk_file_out out;
    mk_error fe = {0};
    mk_status rc = mk_file_begin(&out, path, &fe);
    if (rc) {
        const char *m = fe.message;
        if (!strncmp(m, "cannot write ", 13)) return mk_fail(err, rc, "cannot write figure %s", m + 13);
        return mk_fail(err, rc, "cannot write figure: %s", m);
    }

    /* The page is a Cairo image surface over our own buffer (RGB24: a native-endian 32-bit word
     * 0xXXRRGGBB per pixel), which PLplot's extcairo device draws on and the PNG encoder reads
     * as it is.  memcairo, used before, copied an RGB buffer into a fresh surface of its own at
     * plinit and back at the end, byte by byte, for every pixel: 0.02 s of CPU per run. */
    int w = pg->width_px, h = pg->height_px, stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, w);
    size_t n = pg->n_scratch > 0 ? pg->n_scratch : 1;
    size_t npix = stride > 0 ? (size_t)stride * (size_t)h : 0;
    double *xs = mk_malloc(n * sizeof *xs), *ys = mk_malloc(n * sizeof *ys);
    unsigned char *pix = npix ? mk_malloc(npix) : NULL;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    if (xs && ys && pix) {
        memset(pix, 255, npix); /* the white page */
        if (paint) paint(ctx, pix, w, h, stride); /* extcairo draws over it */
        surf = cairo_image_surface_create_for_data(pix, CAIRO_FORMAT_RGB24, w, h, stride);
        cr = cairo_create(surf);
    }
    if (!cr || cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        if (cr) cairo_destroy(cr);
        if (surf) cairo_surface_destroy(surf);
        free(xs);
        free(ys);
        free(pix);
        mk_file_abort(&out);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory drawing %s", path);
    }
    pthread_mutex_lock(&g_pl.lock);
    if (!have_cairo())
        rc = mk_fail(err, MK_ERR_IO,
                     "cannot draw %s: PLplot's cairo devices are not available (install the Debian "
                     "package plplot-driver-cairo)", path);
    else rc = draw_locked(pg, cr, draw, ctx, xs, ys, err);
    pthread_mutex_unlock(&g_pl.lock);
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    free(xs);
    free(ys);
    if (!rc) rc = mk_png_write(&out, pix, w, h, (size_t)stride, MK_PNG_XRGB32, path, err); /* report/png.h */
    cairo_surface_destroy(surf);
    free(pix);
    if (!rc) return mk_file_commit(&out, err); /* "cannot write PATH: <why>" */
    mk_file_abort(&out);
    return rc;
}

/* ---------------------------------------------------------------- helpers */

void mk_plot_text(char *out, size_t size, const char *in)
{
    size_t o = 0;
    if (size == 0) return;
    for (; in && *in && o + 2 < size; in++) {
        if (*in == '#') out[o++] = '#';
        out[o++] = *in;
    }
    out[o] = 0;
}

const char *mk_plot_unit(const char *u, char *buf, size_t size)
{
    if (!u || !u[0] || strcmp(u, "1") == 0) snprintf(buf, size, "%s", "");
    else if (u[0] == 'u' && u[1] != 0 && strchr("MmLgs", u[1])) snprintf(buf, size, "\xc2\xb5%s", u + 1);
    else snprintf(buf, size, "%s", u);
    return buf;
}

void mk_plot_span(double *lo, double *hi, double v)
{
    if (!isfinite(v)) return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

void mk_plot_pad_range(double *lo, double *hi, double frac, int floor_zero)
{
    double a = *lo, b = *hi;
    if (!(a <= b)) { /* no finite value */
        *lo = 0, *hi = 1;
        return;
    }
    double span = b - a, mag = fmax(fabs(a), fabs(b));
    if (span <= 1e-9 * fmax(mag, 1e-300)) { /* constant: centre it */
        double pad = mag > 0 ? 0.1 * mag : 1.0;
        *lo = a - pad, *hi = b + pad;
        return;
    }
    *lo = a - frac * span, *hi = b + frac * span;
    if (floor_zero && a >= 0 && *lo < 0) *lo = 0;
}

size_t mk_plot_break_at(const char *s, size_t max_len)
{
    size_t n = strlen(s), best = 0;
    if (n <= max_len) return 0;
    double best_cost = 1e9;
    for (size_t i = 20; i + 20 < n; i++) {
        if (s[i] != ' ') continue;
        double cost = fabs((double)i - (double)n / 2) - (s[i - 1] == ';' ? 25 : s[i - 1] == ',' ? 12 : 0);
        if (cost < best_cost) best_cost = cost, best = i;
    }
    return best;
}

/* ---------------------------------------------------------------- drawing */

void mk_plot_band(double x0, double x1, double y0, double y1, int color)
{
    PLFLT bx[4] = {x0, x1, x1, x0}, by[4] = {y0, y0, y1, y1};
    plcol0(color);
    plfill(4, bx, by);
}

void mk_plot_dashed(int n, const double *x, const double *y, int color, double width)
{
    plcol0(color);
    plwidth(width);
    pllsty(2);
    plline(n, x, y);
    pllsty(1);
}

void mk_plot_title(const char *text, double W, double H)
{
    char *l1 = mk_strdup(text), *l2 = NULL; /* as long as the title is */
    if (!l1) return;                       /* out of memory: a figure without its title */
    char *nl = strchr(l1, '\n');
    if (nl) *nl = 0, l2 = nl + 1;
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    /* A long line is set smaller rather than cut at the page edge: at the title size a
     * character is at most about 19 px wide (measured on the 1500 px pages). */
    size_t longest = strlen(l1) > (l2 ? strlen(l2) : 0) ? strlen(l1) : strlen(l2);
    double scale = 1.2;
    if (longest > 0 && longest * 19.0 > W - 60) scale *= (W - 60) / (longest * 19.0);
    plschr(0.0, MK_PLOT_FS * scale);
    plptex(30 / W, 1.0 - 55 / H, 1.0, 0.0, 0.0, l1);
    if (l2) plptex(30 / W, 1.0 - 100 / H, 1.0, 0.0, 0.0, l2);
    plschr(0.0, MK_PLOT_FS);
    free(l1);
}

void mk_plot_letter(const char *text, double x, double y, double scale)
{
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_BOLD);
    plschr(0.0, MK_PLOT_FS * scale);
    plptex(x, y, 1.0, 0.0, 0.0, text);
    plschr(0.0, MK_PLOT_FS);
    plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
}
