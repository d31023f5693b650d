/*
 * myoknot/output.h -- files and output folders written whole or not at all.
 *
 * A file is written to a temporary file beside it and renamed over the target; an output
 * folder (a run directory, a validation or an analysis output) is filled in a temporary
 * folder that replaces the target in one step, under a lock held from open to commit.  The
 * library installs no signal handler: a program that wants the temporary folder gone after
 * SIGINT calls mk_outdir_remove_now() from its own handler (async-signal-safe).
 */
#ifndef MYOKNOT_OUTPUT_H
#define MYOKNOT_OUTPUT_H

#include "myoknot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Can path be written: absent or a regular file, in an existing folder this process may
 * write (no symlink, FIFO or device).  Check before computing what goes into it. */
MK_API mk_status mk_file_check_target(const char *path, mk_error *err);
/* len bytes of data to path, atomically (temporary file, fsync, rename). */
MK_API mk_status mk_file_write(const char *path, const void *data, size_t len, mk_error *err);

/* What kind of folder: which existing DIR is a previous output of the same kind that may be
 * replaced (one holding `marker`, or for which is_previous returns 1). */
typedef struct mk_outdir_kind {
    const char *what;                 /* "a myoknot run directory", for messages */
    const char *marker;               /* a file only this kind writes, when is_previous is NULL */
    int (*is_previous)(const char *dir); /* 1: a non-empty DIR is a previous output of ours */
} mk_outdir_kind;

/* The kinds the library writes: run directories, scan and sensitivity outputs. */
MK_API extern const mk_outdir_kind mk_rundir_kind, mk_outdir_kind_scan, mk_outdir_kind_sensitivity;

typedef struct mk_outdir mk_outdir;

/* Before any computing: check the parent, take DIR.lock, sweep dead processes' temporary
 * folders and create this one.  Free with mk_outdir_free (which aborts if not committed). */
MK_API mk_status mk_outdir_new(const char *dir, const mk_outdir_kind *kind, mk_outdir **out,
                               mk_error *err);
MK_API void mk_outdir_free(mk_outdir *o);
MK_API const char *mk_outdir_dir(const mk_outdir *o); /* the target folder */
/* Path of a file inside the temporary folder. */
MK_API mk_status mk_outdir_path(const mk_outdir *o, const char *name, char *out, size_t size,
                                mk_error *err);
MK_API mk_status mk_outdir_write(const mk_outdir *o, const char *name, const void *data,
                                 size_t len, mk_error *err);
/* DIR replaced by the temporary folder in one step (the previous one removed). */
MK_API mk_status mk_outdir_commit(mk_outdir *o, mk_error *err);
/* The temporary folder removed, the lock released; harmless after commit or abort. */
MK_API void mk_outdir_abort(mk_outdir *o);
/* From a signal handler: remove the temporary folder and the lock (async-signal-safe). */
MK_API void mk_outdir_remove_now(const mk_outdir *o);

/* ---------------------------------------------------------------- HTML pages */

/* The one HTML escaper: text for element content or an attribute value (& < > " '). */
MK_API void mk_html_escape(mk_buf *out, const char *text);
/* The one image reader of the pages: the PNG file at path as a data URI
 * ("data:image/png;base64,...") appended to out, for a self-contained page. */
MK_API mk_status mk_html_png_uri(mk_buf *out, const char *path, mk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_OUTPUT_H */
