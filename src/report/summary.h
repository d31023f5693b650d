/* summary.h -- the short table `myoknot run` prints: key outputs over time, the
 * measurements, and what changed between the start and the end, with the mechanism behind. */
#ifndef MK_REPORT_SUMMARY_H
#define MK_REPORT_SUMMARY_H

#include "protocol/results.h"

/* Fill r->summary (plain text, fits an 100-column terminal, as long as it needs to be; freed
 * by mk_run_result_free).  MK_ERR_NOMEM is the only failure. */
mk_status mk_summary_write(mk_run_result *r, mk_error *err);

#endif
