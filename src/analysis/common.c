/*
 * common.c -- atomic output directories and the figures of the analyses (see common.h).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <plplot.h>

#include "analysis/common.h"
#include "core/error.h"

/* ---------------------------------------------------------------- output directory */

static int remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    char path[8400];
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0) rc = -1;
    }
    closedir(d);
    if (rmdir(dir) != 0) rc = -1;
    return rc;
}

/* 1 empty, 2 holds marker, 0 something else, -1 unreadable */
static int dir_kind(const char *dir, const char *marker)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int n = 0, has = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        if (!strcmp(e->d_name, marker)) has = 1;
    }
    closedir(d);
    return n == 0 ? 1 : has ? 2 : 0;
}

mk_status mk_outdir_begin(mk_outdir *o, const char *dir_in, const char *marker, mk_error *err)
{
    memset(o, 0, sizeof *o);
    if (!dir_in || !dir_in[0]) return mk_fail(err, MK_ERR_INVALID, "no output directory");
    size_t n = strlen(dir_in);
    while (n > 1 && dir_in[n - 1] == '/') n--;
    if (n >= sizeof o->dir - 64) return mk_fail(err, MK_ERR_IO, "output directory path too long");
    memcpy(o->dir, dir_in, n);
    o->dir[n] = 0;
    snprintf(o->marker, sizeof o->marker, "%s", marker);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld", o->dir, (long)getpid());
    struct stat st;
    if (lstat(o->dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return mk_fail(err, MK_ERR_IO, "%s exists and is not a directory; not overwriting it", o->dir);
        int k = dir_kind(o->dir, marker);
        if (k < 0) return mk_fail(err, MK_ERR_IO, "cannot read %s: %s", o->dir, strerror(errno));
        if (k == 0)
            return mk_fail(err, MK_ERR_IO, "%s exists and is not an output of this analysis (no %s); not overwriting it",
                           o->dir, marker);
        o->replace = k == 2;
    } else if (errno != ENOENT) {
        return mk_fail(err, MK_ERR_IO, "cannot use %s: %s", o->dir, strerror(errno));
    }
    if (mkdir(o->tmp, 0777) != 0) {
        int e = errno;
        if (e == EEXIST && lstat(o->tmp, &st) == 0 && S_ISDIR(st.st_mode) && remove_flat_dir(o->tmp) == 0 &&
            mkdir(o->tmp, 0777) == 0)
            e = 0;
        if (e) return mk_fail(err, MK_ERR_IO, "cannot create %s: %s", o->tmp, strerror(e));
    }
    return MK_OK;
}

mk_status mk_outdir_path(const mk_outdir *o, const char *name, char *out, size_t size, mk_error *err)
{
    if ((size_t)snprintf(out, size, "%s/%s", o->tmp, name) >= size)
        return mk_fail(err, MK_ERR_IO, "path too long: %s/%s", o->tmp, name);
    return MK_OK;
}

mk_status mk_outdir_write(const mk_outdir *o, const char *name, const char *text, size_t len, mk_error *err)
{
    char path[8400];
    mk_status rc = mk_outdir_path(o, name, path, sizeof path, err);
    if (rc) return rc;
    FILE *f = fopen(path, "wb");
    if (!f) return mk_fail(err, MK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    size_t put = len ? fwrite(text, 1, len, f) : 0;
    int bad = put != len || ferror(f);
    int e = errno;
    if (fclose(f) != 0 && !bad) bad = 1, e = errno;
    if (bad) return mk_fail(err, MK_ERR_IO, "cannot write %s: %s", path, strerror(e));
    return MK_OK;
}

void mk_outdir_abort(mk_outdir *o)
{
    if (o->tmp[0]) remove_flat_dir(o->tmp);
    o->tmp[0] = 0;
}

mk_status mk_outdir_commit(mk_outdir *o, mk_error *err)
{
    char old[4300];
    snprintf(old, sizeof old, "%s.old-%ld", o->dir, (long)getpid());
    if (o->replace) {
        if (rename(o->dir, old) != 0) {
            int e = errno;
            mk_outdir_abort(o);
            return mk_fail(err, MK_ERR_IO, "cannot move the previous %s aside: %s", o->dir, strerror(e));
        }
        if (rename(o->tmp, o->dir) != 0) {
            int e = errno;
            rename(old, o->dir);
            mk_outdir_abort(o);
            return mk_fail(err, MK_ERR_IO, "cannot rename %s to %s: %s", o->tmp, o->dir, strerror(e));
        }
        o->tmp[0] = 0;
        if (remove_flat_dir(old) != 0)
            return mk_fail(err, MK_ERR_IO, "wrote %s, but could not remove the previous one moved to %s", o->dir, old);
        return MK_OK;
    }
    if (rename(o->tmp, o->dir) != 0) {
        int e = errno;
        mk_outdir_abort(o);
        return mk_fail(err, MK_ERR_IO, "cannot rename %s to %s: %s", o->tmp, o->dir, strerror(e));
    }
    o->tmp[0] = 0;
    return MK_OK;
}

/* ---------------------------------------------------------------- PLplot plumbing */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static jmp_buf g_jmp;
static char g_plmsg[512];
static int g_aborted;

static int on_pl_exit(PLCHAR_VECTOR msg)
{
    snprintf(g_plmsg, sizeof g_plmsg, "%s", msg ? msg : "fatal error");
    longjmp(g_jmp, 1);
    return 1;
}

static void on_pl_abort(PLCHAR_VECTOR msg)
{
    if (!g_aborted) snprintf(g_plmsg, sizeof g_plmsg, "%s", msg ? msg : "error");
    g_aborted = 1;
}

static int have_pngcairo(void)
{
    const char *menu[128], *names[128];
    int n = 128;
    const char **pm = menu, **pn = names;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(names[i], "pngcairo")) return 1;
    return 0;
}

/* '#' is PLplot's escape character */
static void pl_text(char *out, size_t size, const char *in)
{
    size_t o = 0;
    for (; *in && o + 2 < size; in++) {
        if (*in == '#') out[o++] = '#';
        out[o++] = *in;
    }
    out[o] = 0;
}

#define LINE_W 2.4
#define AXIS_W 1.4
#define FS 0.62

static void page_begin(const char *path, int width, int height)
{
    static const PLINT R[MK_PC_NCOLORS] = {255, 0, 230, 86, 0, 240, 0, 213, 204, 153};
    static const PLINT G[MK_PC_NCOLORS] = {255, 0, 159, 180, 158, 228, 114, 94, 121, 153};
    static const PLINT B[MK_PC_NCOLORS] = {255, 0, 0, 233, 115, 66, 178, 0, 167, 153};
    static const PLFLT A[MK_PC_NCOLORS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0.18};
    plsdev("pngcairo");
    plsfnam(path);
    plspage(150.0, 150.0, width, height, 0, 0);
    plscmap0a(R, G, B, A, MK_PC_NCOLORS);
    plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
    plinit();
    pladv(0);
    plschr(0.0, FS);
    plsmaj(0.0, 0.9);
    plsmin(0.0, 0.5);
}

static void draw_title(const char *title, double W, double H)
{
    char esc[512], *l2 = NULL;
    pl_text(esc, sizeof esc, title);
    size_t n = strlen(esc);
    if (n > 80) { /* break at the space nearest the middle, preferring "; " and ", " */
        size_t best = 0;
        double best_cost = 1e9;
        for (size_t i = 20; i + 20 < n; i++) {
            if (esc[i] != ' ') continue;
            double cost = fabs((double)i - (double)n / 2) - (esc[i - 1] == ';' ? 25 : esc[i - 1] == ',' ? 12 : 0);
            if (cost < best_cost) best_cost = cost, best = i;
        }
        if (best) esc[best] = 0, l2 = esc + best + 1;
    }
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plschr(0.0, FS * 1.2);
    plptex(30 / W, 1.0 - 55 / H, 1.0, 0.0, 0.0, esc);
    if (l2) plptex(30 / W, 1.0 - 100 / H, 1.0, 0.0, 0.0, l2);
    plschr(0.0, FS);
}

typedef void (*body_fn)(const void *fig, double *xs, double *ys);

static mk_status render(const void *fig, body_fn body, size_t n_buf, const char *path, mk_error *err)
{
    FILE *probe = fopen(path, "wb");
    if (!probe) return mk_fail(err, MK_ERR_IO, "cannot write figure %s: %s", path, strerror(errno));
    fclose(probe);
    double *xs = malloc((n_buf + 1) * sizeof *xs), *ys = malloc((n_buf + 1) * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory drawing %s", path);
    }
    mk_status rc = MK_OK;
    pthread_mutex_lock(&g_lock);
    if (!have_pngcairo()) {
        pthread_mutex_unlock(&g_lock);
        free(xs);
        free(ys);
        return mk_fail(err, MK_ERR_IO,
                       "cannot draw %s: PLplot's pngcairo device is not available (install the Debian "
                       "package plplot-driver-cairo)", path);
    }
    PLINT old = 0, strm = -1;
    plgstrm(&old);
    g_plmsg[0] = 0;
    g_aborted = 0;
    plsabort(on_pl_abort);
    plmkstrm(&strm);
    if (strm < 0) {
        rc = mk_fail(err, MK_ERR_IO, "cannot draw %s: no free PLplot stream", path);
    } else if (setjmp(g_jmp) == 0) {
        plsexit(on_pl_exit);
        body(fig, xs, ys);
        plend1();
        if (g_aborted) rc = mk_fail(err, MK_ERR_IO, "PLplot failed drawing %s: %s", path, g_plmsg);
    } else {
        static int cleaning;
        if (!cleaning) {
            cleaning = 1;
            if (setjmp(g_jmp) == 0) plend1();
        }
        cleaning = 0;
        rc = mk_fail(err, MK_ERR_IO, "PLplot failed drawing %s: %s", path, g_plmsg);
    }
    plsexit(NULL);
    plsabort(NULL);
    plsstrm(old);
    pthread_mutex_unlock(&g_lock);
    free(xs);
    free(ys);
    return rc;
}

static void nice_range(double a, double b, double *lo, double *hi)
{
    if (!(a <= b)) {
        *lo = 0, *hi = 1;
        return;
    }
    double span = b - a, mag = fmax(fabs(a), fabs(b));
    if (span <= 1e-9 * fmax(mag, 1e-300)) {
        double pad = mag > 0 ? 0.1 * mag : 1.0;
        *lo = a - pad, *hi = b + pad;
        return;
    }
    *lo = a - 0.06 * span;
    *hi = b + 0.06 * span;
    if (a >= 0 && *lo < 0) *lo = 0;
}

/* ---------------------------------------------------------------- curves against a swept value */

static void legend_entry(double y, double h, int color, const char *glyph, const char *text)
{
    (void)h;
    PLFLT lx[2] = {0.0, 0.13}, ly[2] = {y, y};
    plcol0(color);
    plwidth(LINE_W);
    plline(2, lx, ly);
    if (glyph) {
        PLFLT px = 0.065;
        plstring(1, &px, ly, glyph);
    }
    plcol0(MK_PC_BLACK);
    plptex(0.17, y, 1.0, 0.0, 0.0, text);
}

/* page_begin needs path and size: a tiny wrapper so that the body knows both */
typedef struct xy_job {
    const mk_plot_xy *f;
    const char *path;
} xy_job;

static int xy_height(const mk_plot_xy *f)
{
    int per = f->n_panels == 1 ? 560 : f->n_panels == 2 ? 420 : 300;
    return 170 + 115 + f->n_panels * per + (f->n_panels - 1) * 34;
}

static void xy_draw(const void *job_v, double *xs, double *ys)
{
    const xy_job *job = job_v;
    const mk_plot_xy *f = job->f;
    const double W = 1500, H = xy_height(f);
    page_begin(job->path, (int)W, (int)H);
    draw_title(f->title, W, H);

    const double left = 230 / W, right = 1.0 - 400 / W, top = 1.0 - 170 / H, bottom = 115 / H, gap = 34 / H;
    double ph = (top - bottom - gap * (f->n_panels - 1)) / f->n_panels;
    double x0 = INFINITY, x1 = -INFINITY;
    for (int i = 0; i < f->n_panels; i++)
        for (int c = 0; c < f->panel[i].n_curves; c++)
            for (int k = 0; k < f->panel[i].curve[c].n; k++) {
                double x = f->panel[i].curve[c].x[k];
                if (isfinite(x)) x0 = fmin(x0, x), x1 = fmax(x1, x);
            }
    if (!(x0 < x1)) x0 = isfinite(x0) ? x0 - 1 : 0, x1 = isfinite(x1) ? x1 + 1 : 1;
    double pad = 0.03 * (x1 - x0);
    x0 -= pad, x1 += pad;

    for (int i = 0; i < f->n_panels; i++) {
        const mk_plot_panel *p = &f->panel[i];
        double y1 = top - i * (ph + gap), y0 = y1 - ph;
        double a = INFINITY, b = -INFINITY;
        for (int c = 0; c < p->n_curves; c++)
            for (int k = 0; k < p->curve[c].n; k++)
                if (isfinite(p->curve[c].y[k])) a = fmin(a, p->curve[c].y[k]), b = fmax(b, p->curve[c].y[k]);
        double lo, hi;
        nice_range(a, b, &lo, &hi);
        if (f->n_panels > 1) {
            char letter[4] = {(char)('A' + i), 0, 0, 0};
            plvpor(0.0, 1.0, 0.0, 1.0);
            plwind(0, 1, 0, 1);
            plcol0(MK_PC_BLACK);
            plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_BOLD);
            plschr(0.0, FS * 1.25);
            plptex(30 / W, y1 - 12 / H, 1.0, 0.0, 0.0, letter);
            plschr(0.0, FS);
            plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
        }
        plvpor(left, right, y0, y1);
        plwind(x0, x1, lo, hi);
        if (f->shade && f->shade_x1 >= f->shade_x0) {
            double sa = fmax(f->shade_x0, x0), sb = fmin(f->shade_x1, x1);
            if (sb - sa < 0.004 * (x1 - x0)) {
                double m = 0.5 * (sa + sb);
                sa = m - 0.002 * (x1 - x0), sb = m + 0.002 * (x1 - x0);
            }
            PLFLT bx[4] = {sa, sb, sb, sa}, by[4] = {lo, lo, hi, hi};
            plcol0(MK_PC_GREY);
            plfill(4, bx, by);
        }
        plcol0(MK_PC_BLACK);
        plwidth(AXIS_W);
        int last = i == f->n_panels - 1;
        plbox(last ? "bnsti" : "bsti", 0.0, 0, "bnstiv", 0.0, 0);
        char yl[320];
        pl_text(yl, sizeof yl, p->ylabel);
        if (strlen(yl) > 20) plschr(0.0, FS * 0.8); /* long units must fit the panel's height */
        plmtex("l", 5.6, 0.5, 0.5, yl);
        plschr(0.0, FS);
        for (int m = 0; m < f->n_marks; m++) {
            if (!isfinite(f->mark_x[m])) continue;
            PLFLT mx[2] = {f->mark_x[m], f->mark_x[m]}, my[2] = {lo, hi};
            plcol0(MK_PC_BLACK);
            plwidth(1.2);
            pllsty(2);
            plline(2, mx, my);
            pllsty(1);
            if (i == 0) {
                char ml[128];
                pl_text(ml, sizeof ml, f->mark_label[m]);
                plschr(0.0, FS * 0.85);
                plptex(f->mark_x[m], hi - 0.04 * (hi - lo) - 0.08 * m * (hi - lo), 1.0, 0.0, -0.04, ml);
                plschr(0.0, FS);
            }
        }
        for (int c = 0; c < p->n_curves; c++) {
            const mk_plot_curve *cv = &p->curve[c];
            plcol0(cv->color);
            plwidth(LINE_W);
            int n = 0;
            for (int k = 0; k <= cv->n; k++) {
                int ok = k < cv->n && isfinite(cv->x[k]) && isfinite(cv->y[k]);
                if (ok) {
                    xs[n] = cv->x[k], ys[n] = cv->y[k], n++;
                    continue;
                }
                if (n > 1) plline(n, xs, ys);
                if (cv->glyph && n > 0) plstring(n, xs, ys, cv->glyph);
                n = 0;
            }
        }
        if (p->n_curves > 0) {
            double panel_px = ph * H, dy = fmin(44.0 / panel_px, 0.95 / p->n_curves);
            plvpor(right + 25 / W, 1.0, y0, y1);
            plwind(0, 1, 0, 1);
            plschr(0.0, FS * 0.95);
            double y = 1.0 - 0.6 * dy;
            for (int c = 0; c < p->n_curves; c++, y -= dy) {
                char lab[200];
                pl_text(lab, sizeof lab, p->curve[c].label);
                legend_entry(y, dy, p->curve[c].color, p->curve[c].glyph, lab);
            }
            plschr(0.0, FS);
        }
    }
    char xl[320];
    pl_text(xl, sizeof xl, f->xlabel);
    double y0 = top - (f->n_panels - 1) * (ph + gap) - ph;
    plvpor(left, right, y0, y0 + ph);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plmtex("b", 3.4, 0.5, 0.5, xl);
}

mk_status mk_plot_xy_write(const mk_plot_xy *f, const char *path, mk_error *err)
{
    if (!f || f->n_panels < 1 || f->n_panels > MK_PLOT_MAX_PANELS)
        return mk_fail(err, MK_ERR_INVALID, "mk_plot_xy_write: bad figure");
    size_t n = 1;
    for (int i = 0; i < f->n_panels; i++)
        for (int c = 0; c < f->panel[i].n_curves; c++)
            if ((size_t)f->panel[i].curve[c].n > n) n = (size_t)f->panel[i].curve[c].n;
    xy_job job = {f, path};
    return render(&job, xy_draw, n, path, err);
}

/* ---------------------------------------------------------------- horizontal bars */

typedef struct bar_job {
    const mk_plot_bars *f;
    const char *path;
} bar_job;

#define BAR_ROW 30.0

static int bars_height(const mk_plot_bars *f)
{
    int h = 170 + 60;
    for (int i = 0; i < f->n_panels; i++) h += 90 + (int)(BAR_ROW * (f->panel[i].n > 0 ? f->panel[i].n : 1)) + 50;
    return h;
}

static void bars_draw(const void *job_v, double *xs, double *ys)
{
    (void)xs;
    (void)ys;
    const bar_job *job = job_v;
    const mk_plot_bars *f = job->f;
    const double W = 1500, H = bars_height(f);
    page_begin(job->path, (int)W, (int)H);
    draw_title(f->title, W, H);
    const double left = 420 / W, right = 1.0 - 260 / W;
    double ytop = H - 170; /* pixels from the bottom */
    for (int i = 0; i < f->n_panels; i++) {
        const mk_plot_bar_panel *p = &f->panel[i];
        int n = p->n > 0 ? p->n : 1;
        double hpx = BAR_ROW * n;
        double y1 = (ytop - 40) / H, y0 = (ytop - 40 - hpx) / H;
        ytop -= 90 + hpx + 50;
        double vmax = 0;
        for (int k = 0; k < p->n; k++) {
            if (isfinite(p->value[k])) vmax = fmax(vmax, p->value[k]);
            if (p->second && isfinite(p->second[k])) vmax = fmax(vmax, p->second[k]);
        }
        if (!(vmax > 0)) vmax = 1;
        plvpor(left, right, y0, y1);
        plwind(0, vmax * 1.05, 0, n);
        /* panel heading */
        char t[320];
        pl_text(t, sizeof t, p->title);
        plcol0(MK_PC_BLACK);
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_BOLD);
        plmtex("t", 1.2, 0.0, 0.0, t);
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
        for (int k = 0; k < p->n; k++) {
            double yc = n - k - 0.5;
            double v = isfinite(p->value[k]) ? p->value[k] : 0;
            PLFLT bx[4] = {0, v, v, 0}, by[4] = {yc - 0.32, yc - 0.32, yc + 0.32, yc + 0.32};
            plcol0(MK_PC_BLUE);
            plfill(4, bx, by);
            if (p->second && isfinite(p->second[k])) {
                PLFLT px = p->second[k], py = yc;
                plcol0(MK_PC_VERMILLION);
                plschr(0.0, FS * 1.3);
                plstring(1, &px, &py, "\xe2\x97\x8f");
                plschr(0.0, FS);
            }
            char name[200];
            pl_text(name, sizeof name, p->names[k]);
            plcol0(MK_PC_BLACK);
            plmtex("lv", 0.6, yc / n, 1.0, name); /* outside the axes: plptex would be clipped */
        }
        plcol0(MK_PC_BLACK);
        plwidth(AXIS_W);
        plbox("bnsti", 0.0, 0, "b", 0.0, 0);
        if (i == 0) { /* legend at the right of the first panel */
            plvpor(right + 20 / W, 1.0, y0, y1);
            plwind(0, 1, 0, 1);
            PLFLT bx[4] = {0.0, 0.13, 0.13, 0.0}, by[4] = {0.93, 0.93, 0.99, 0.99};
            plcol0(MK_PC_BLUE);
            plfill(4, bx, by);
            plcol0(MK_PC_BLACK);
            char l[140];
            pl_text(l, sizeof l, f->value_label);
            plptex(0.17, 0.96, 1.0, 0.0, 0.0, l);
            if (f->second_label[0]) {
                PLFLT px = 0.065, py = 0.88;
                plcol0(MK_PC_VERMILLION);
                plstring(1, &px, &py, "\xe2\x97\x8f");
                plcol0(MK_PC_BLACK);
                pl_text(l, sizeof l, f->second_label);
                plptex(0.17, 0.88, 1.0, 0.0, 0.0, l);
            }
        }
    }
}

mk_status mk_plot_bars_write(const mk_plot_bars *f, const char *path, mk_error *err)
{
    if (!f || f->n_panels < 1 || f->n_panels > MK_PLOT_MAX_PANELS)
        return mk_fail(err, MK_ERR_INVALID, "mk_plot_bars_write: bad figure");
    bar_job job = {f, path};
    return render(&job, bars_draw, 1, path, err);
}
