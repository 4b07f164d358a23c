/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small pool of worker threads that runs batches of independent jobs
 * (the ISP's bands) and waits for them. Only library code runs on it,
 * never user callbacks.
 *
 * ph_threadpool_run() hands out job indices 0..jobs-1, each exactly once,
 * to the workers and to the calling thread, and returns when all are done.
 * A job learns which thread runs it (@worker: 0 is the caller, 1..workers
 * the pool's threads) so it can use per-thread scratch memory; which job
 * runs where is not deterministic, so results must not depend on it.
 *
 * One batch at a time: run() must not be called concurrently on one pool,
 * nor from inside a job. A NULL pool, or a pool whose threads could not be
 * started, runs every job on the caller.
 */

struct ph_threadpool;

typedef void (*ph_threadpool_fn)(void *data, unsigned job, unsigned worker);

/*
 * Start @workers threads (0 is valid: everything then runs on the caller).
 * If some threads cannot be created, the pool keeps those that were.
 * @return the pool, or NULL if out of memory.
 */
struct ph_threadpool *ph_threadpool_new(unsigned workers);

/* Threads that run jobs, the caller included: workers started + 1. NULL pool: 1. */
unsigned ph_threadpool_threads(const struct ph_threadpool *pool);

/* Run fn(data, job, worker) for job = 0..@jobs-1 and wait for all of them. */
void ph_threadpool_run(struct ph_threadpool *pool, ph_threadpool_fn fn, void *data, unsigned jobs);

/* Stop and join the threads, free the pool. NULL is allowed. */
void ph_threadpool_free(struct ph_threadpool *pool);
