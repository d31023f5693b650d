/*
 * outdir.h -- an output folder (a run directory, a validation or an analysis output) written
 * as a whole or not at all, by one process at a time.
 *
 *   mk_outdir_open    before any computing: checks the parent folder, takes the lock, checks
 *                     that an existing DIR may be replaced, sweeps temporary folders that dead
 *                     processes left, and creates the temporary folder DIR.tmp-PID-XXXXXXXX
 *   mk_outdir_path / mk_outdir_write
 *                     files go into the temporary folder (through mk_file_write)
 *   mk_outdir_commit  DIR is replaced by the temporary folder in one step (renameat2's
 *                     RENAME_EXCHANGE, so DIR never goes missing), the previous one removed
 *   mk_outdir_abort   the temporary folder removed, nothing else touched
 *
 * The lock: DIR.lock beside DIR, held with flock(2) from open to commit or abort, then
 * removed.  A second process that wants DIR meanwhile fails at once with a message naming the
 * holder's pid: of two concurrent runs into one folder, one wins and the other says so; none
 * deletes the other's fresh result.  Because every temporary folder is made under the lock, a
 * DIR.tmp-PID-* found by whoever holds it belongs to nobody alive unless PID still runs (a
 * process of an older myoknot, or a reused pid): those are left alone, the others swept.
 *
 * Signals: the library installs no handler.  A command that wants its temporary folder gone
 * after SIGINT/SIGTERM calls mk_outdir_remove_now() from its own handler; that function uses
 * only async-signal-safe calls.
 */
#ifndef MK_IO_OUTDIR_H
#define MK_IO_OUTDIR_H

#include <signal.h>
#include <stddef.h>

#include "myoknot.h"
#include "myoknot/output.h" /* the public half: kinds, the handle's functions */

#define MK_OUTDIR_CAP 4096

struct mk_outdir {
    char dir[MK_OUTDIR_CAP];          /* the target, without trailing '/' */
    char tmp[MK_OUTDIR_CAP + 48];     /* the temporary folder; "" when there is none */
    char lock[MK_OUTDIR_CAP + 8];     /* DIR.lock; "" when not held */
    int lock_fd;
    const mk_outdir_kind *kind;
    volatile sig_atomic_t live;       /* tmp and lock exist: what mk_outdir_remove_now removes */
};

/* Open into a caller's struct (mk_outdir_new allocates one); the rest of the calls are in
 * myoknot/output.h.  mk_outdir_abort is harmless on a zeroed, committed or aborted folder;
 * mk_outdir_remove_now uses only open, getdents64, unlinkat, rmdir, unlink and close. */
mk_status mk_outdir_open(mk_outdir *o, const char *dir, const mk_outdir_kind *kind, mk_error *err);

/* Remove a folder that holds only plain files (unlinkat, no symlink followed).  0 ok. */
int mk_remove_flat_dir(const char *dir);

#endif
