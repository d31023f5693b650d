/*
 * scan.h -- steady states, folds and hysteresis by quasi-static continuation.
 *
 * One parameter or input is swept from A to B and back in equal steps.  At each value the
 * model is integrated with constant inputs until its state stops changing (a relative change
 * per check interval below a tolerance) or the settle time runs out, each step starting from
 * the state the previous one ended in.  Where the two branches end in different states at the
 * same value, two steady states coexist (bistability) and the sweep shows hysteresis; the
 * jumps of each branch bracket the fold points to within one step.
 *
 * Natural-parameter continuation by simulation, not pseudo-arclength: it finds the stable
 * branches only (the unstable middle branch is never visited) and the folds to within the step.
 */
#ifndef MK_ANALYSIS_SCAN_H
#define MK_ANALYSIS_SCAN_H

#include "myoknot.h" /* the declarations are public: include/myoknot/analysis.h */

#endif
