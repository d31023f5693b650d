/*
 * workers.c -- forked worker processes reporting fixed-size records (see workers.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/workers.h"
#include "core/alloc.h"
#include "core/error.h"

int mk_worker_send(int fd, const void *rec, size_t len)
{
    const char *s = rec;
    while (len) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        s += w, len -= (size_t)w;
    }
    return 0;
}

/* Collect records from the workers' pipes until all are closed. */
static int collect(int *fds, int jobs, size_t sz, mk_worker_record_fn on_rec, void *ctx)
{
    unsigned char *buf = mk_malloc((size_t)jobs * sz);
    size_t have[MK_WORKERS_MAX] = {0};
    if (!buf) {
        for (int j = 0; j < jobs; j++) close(fds[j]);
        return -1;
    }
    int open_n = jobs;
    while (open_n) {
        struct pollfd pf[MK_WORKERS_MAX];
        for (int j = 0; j < jobs; j++) pf[j] = (struct pollfd){.fd = fds[j], .events = POLLIN};
        if (poll(pf, (nfds_t)jobs, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int j = 0; j < jobs; j++) {
            if (fds[j] < 0 || !(pf[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            unsigned char *b = buf + (size_t)j * sz;
            ssize_t got = read(fds[j], b + have[j], sz - have[j]);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                close(fds[j]);
                fds[j] = -1;
                open_n--;
                continue;
            }
            have[j] += (size_t)got;
            if (have[j] < sz) continue;
            have[j] = 0;
            on_rec(ctx, b);
        }
    }
    /* after a failed poll: close the rest, so that a worker still writing ends (SIGPIPE) */
    for (int j = 0; j < jobs; j++)
        if (fds[j] >= 0) close(fds[j]);
    free(buf);
    return open_n ? -1 : 0;
}

mk_status mk_workers_run(int n, int jobs, size_t rec_size, mk_worker_task_fn task, void *task_ctx,
                         mk_worker_record_fn on_rec, void *rec_ctx, const char *who, mk_error *err)
{
    if (n <= 0) return MK_OK;
    if (!task || !on_rec || rec_size == 0) return mk_fail(err, MK_ERR_INVALID, "mk_workers_run: bad arguments");
    jobs = jobs < 1 ? 1 : jobs > MK_WORKERS_MAX ? MK_WORKERS_MAX : jobs;
    if (jobs > n) jobs = n;
    int fds[MK_WORKERS_MAX];
    pid_t pids[MK_WORKERS_MAX];
    int started = 0;
    /* a child must not flush the parent's buffered output a second time */
    fflush(stdout);
    fflush(stderr);
    for (int j = 0; j < jobs; j++) {
        int p[2];
        if (pipe(p)) break;
        pids[j] = fork();
        if (pids[j] == 0) {
            close(p[0]);
            for (int q = 0; q < j; q++) close(fds[q]);
            for (int t = j; t < n; t += jobs) task(task_ctx, t, p[1]);
            _exit(0);
        }
        close(p[1]);
        if (pids[j] < 0) {
            close(p[0]);
            break;
        }
        fds[j] = p[0];
        started++;
    }
    int rc = started == jobs ? 0 : -1;
    if (started && collect(fds, started, rec_size, on_rec, rec_ctx)) rc = -1;
    for (int j = 0; j < started; j++) {
        int st = 0;
        if (waitpid(pids[j], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) rc = -1;
    }
    if (rc) return mk_fail(err, MK_ERR_IO, "the %s workers failed (%d of %d started)", who ? who : "", started, jobs);
    return MK_OK;
}
