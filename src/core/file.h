/*
 * file.h -- the one way libmyoknot, the myoknot command and the translator write a file.
 *
 * A file is written to a fresh temporary file beside it (created with O_CREAT|O_EXCL under an
 * unpredictable name, so a planted symlink or file is never followed or reused; mode 0666 less
 * the umask, as fopen would give), every write and the close are checked, the data is synced
 * to disk, and only then is it renamed over the target.  A failure removes the temporary file:
 * the target is either the old file or the complete new one, never half of either.
 *
 * The target itself must be absent or a regular file.  A symbolic link, a directory, a FIFO, a
 * socket or a device is refused with a message naming it (rename(2) would silently replace
 * the link or turn /dev/null into a file).
 */
#ifndef MK_CORE_FILE_H
#define MK_CORE_FILE_H

#include <stdio.h>

#include "myoknot.h"
#include "myoknot/output.h" /* mk_file_write, mk_file_check_target */

#define MK_FILE_PATH_CAP 4096

/* A file being written: fill it with mk_file_put, _puts, _putc and _printf (or `f` with stdio),
 * then mk_file_commit (or mk_file_abort). */
typedef struct mk_file_out {
    FILE *f;
    char path[MK_FILE_PATH_CAP];       /* the target */
    char tmp[MK_FILE_PATH_CAP + 40];   /* PATH.tmp-PID-XXXXXXXX */
    int error;                         /* errno of the first failed write; 0: none yet */
} mk_file_out;

/* Can path be written: absent or a regular file, in an existing folder this process may write
 * into?  For checking output paths before any computing starts; MK_ERR_IO naming the path. */
mk_status mk_file_check_target(const char *path, mk_error *err);

/* Check the target and create the temporary file beside it (w->f open for writing). */
mk_status mk_file_begin(mk_file_out *w, const char *path, mk_error *err);
/* Flush, sync and close the temporary file, checking each step, and rename it over the
 * target.  On any failure the temporary file is removed.  w->f is NULL afterwards.  A caller
 * whose library writes to a file name (PLplot) closes w->f, sets it to NULL, has w->tmp
 * written, checks the result itself and then commits: the file is synced by name. */
mk_status mk_file_commit(mk_file_out *w, mk_error *err);
/* Drop the temporary file (after a failure of the caller's own). */
void mk_file_abort(mk_file_out *w);

/* The sticky writer (as Redis's rio): the first write that fails keeps its errno in w->error
 * and every later write is skipped, so a call site writes a whole table without checking each
 * call, and mk_file_commit reports that first error once ("cannot write PATH: File too
 * large") and leaves the target as it was.  The errno is taken when the write fails, not at
 * the commit, when other calls may have changed it. */
void mk_file_put(mk_file_out *w, const void *data, size_t len);
void mk_file_puts(mk_file_out *w, const char *s);
void mk_file_putc(mk_file_out *w, int c);
void mk_file_printf(mk_file_out *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* All of it in one call: len bytes of data to path. */
mk_status mk_file_write(const char *path, const void *data, size_t len, mk_error *err);

/* A fresh unpredictable suffix of `n` characters [A-Za-z0-9] (n < size) for temporary names;
 * `salt` mixes in something of the caller's (e.g. an attempt number). */
void mk_file_random_suffix(char *out, size_t n, unsigned salt);

#endif
