/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The thread pool: every job runs exactly once, on a valid worker, for 0, 1 and 4 threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/threadpool.h"

#define MAX_JOBS 257

struct batch {
	unsigned runs[MAX_JOBS];
	unsigned workers[MAX_JOBS];
	unsigned threads;
	unsigned bad_worker;
};

static void job(void *data, unsigned index, unsigned worker)
{
	struct batch *b = data;

	__atomic_fetch_add(&b->runs[index], 1, __ATOMIC_RELAXED);
	b->workers[index] = worker;
	if (worker >= b->threads)
		__atomic_fetch_add(&b->bad_worker, 1, __ATOMIC_RELAXED);
}

static void run_pool(unsigned workers, unsigned batches)
{
	struct ph_threadpool *pool = ph_threadpool_new(workers);
	struct batch *b = calloc(1, sizeof(*b));

	assert_non_null(pool);
	assert_non_null(b);
	b->threads = ph_threadpool_threads(pool);
	assert_int_equal(b->threads, workers + 1);
	for (unsigned n = 0; n < batches; n++) {
		unsigned jobs = n % MAX_JOBS;

		memset(b->runs, 0, sizeof(b->runs));
		ph_threadpool_run(pool, job, b, jobs);
		for (unsigned j = 0; j < MAX_JOBS; j++)
			assert_int_equal(b->runs[j], j < jobs ? 1 : 0);
	}
	assert_int_equal(b->bad_worker, 0);
	free(b);
	ph_threadpool_free(pool);
}

static void test_pool_0(void **state)
{
	run_pool(0, 300);
}

static void test_pool_1(void **state)
{
	run_pool(1, 300);
}

static void test_pool_4(void **state)
{
	run_pool(4, 2000);
}

static void test_null_pool(void **state)
{
	struct batch b = {.threads = 1};

	assert_int_equal(ph_threadpool_threads(NULL), 1);
	ph_threadpool_run(NULL, job, &b, 17);
	for (unsigned j = 0; j < 17; j++) {
		assert_int_equal(b.runs[j], 1);
		assert_int_equal(b.workers[j], 0);
	}
	ph_threadpool_free(NULL);
}

/* Jobs spread over threads when they take time (not required, but the pool must not deadlock). */
static void slow_job(void *data, unsigned index, unsigned worker)
{
	struct batch *b = data;
	volatile unsigned spin = 0;

	for (unsigned i = 0; i < 20000; i++)
		spin += i;
	job(b, index, worker);
}

static void test_create_free_many(void **state)
{
	for (unsigned i = 0; i < 50; i++) {
		struct ph_threadpool *pool = ph_threadpool_new(i % 5);
		struct batch b = {.threads = i % 5 + 1};

		assert_non_null(pool);
		if (i & 1)
			ph_threadpool_run(pool, slow_job, &b, 16);
		for (unsigned j = 0; j < 16; j++)
			assert_int_equal(b.runs[j], (i & 1) ? 1 : 0);
		assert_int_equal(b.bad_worker, 0);
		ph_threadpool_free(pool);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_0),		 cmocka_unit_test(test_pool_1),
		cmocka_unit_test(test_pool_4),		 cmocka_unit_test(test_null_pool),
		cmocka_unit_test(test_create_free_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
