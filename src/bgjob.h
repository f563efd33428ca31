/* bgjob.h — one function run on a thread of its own, and waited for.
 *
 * For work that only reads what its caller leaves alone until the join,
 * done beside the caller's own: a batch's commit sorts what it will write
 * last while it writes the rest, on the core the parser has left idle.
 *
 * Ownership: bgjob_start returns a job the caller must bgjob_join exactly
 * once; fn's arg stays the caller's. */
#ifndef TIDE_BGJOB_H
#define TIDE_BGJOB_H

typedef struct bgjob bgjob;

/* Starts fn(arg).  When no thread can be had, fn runs here, now; NULL only
 * when there was no memory for the job either (fn has run then, too). */
bgjob *bgjob_start(void (*fn)(void *arg), void *arg);

/* Waits for the job's end and frees it; NULL is a job that is done. */
void bgjob_join(bgjob *j);

#endif
