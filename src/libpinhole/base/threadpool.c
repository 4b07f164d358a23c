/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/threadpool.h"

struct ph_worker {
	struct ph_threadpool *pool;
	pthread_t thread;
	unsigned index; /* 1.. */
};

struct ph_threadpool {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a new batch, or shutdown */
	pthread_cond_t done; /* the last job of a batch finished */
	struct ph_worker *workers;
	unsigned started;
	bool quit;
	/* The current batch, under @lock. */
	unsigned long generation;
	ph_threadpool_fn fn;
	void *data;
	unsigned jobs, next, pending;
};

/* Take and run jobs of the current batch until none is left; called with @lock held. */
static void run_jobs(struct ph_threadpool *pool, unsigned worker)
{
	while (pool->next < pool->jobs) {
		unsigned job = pool->next++;
		ph_threadpool_fn fn = pool->fn;
		void *data = pool->data;

		pthread_mutex_unlock(&pool->lock);
		fn(data, job, worker);
		pthread_mutex_lock(&pool->lock);
		if (--pool->pending == 0)
			pthread_cond_broadcast(&pool->done);
	}
}

static void *worker_main(void *arg)
{
	struct ph_worker *w = arg;
	struct ph_threadpool *pool = w->pool;
	unsigned long seen = 0;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->quit && pool->generation == seen)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (pool->quit)
			break;
		seen = pool->generation;
		run_jobs(pool, w->index);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

struct ph_threadpool *ph_threadpool_new(unsigned workers)
{
	struct ph_threadpool *pool = calloc(1, sizeof(*pool));

	if (!pool)
		return NULL;
	if (pthread_mutex_init(&pool->lock, NULL)) {
		free(pool);
		return NULL;
	}
	if (pthread_cond_init(&pool->wake, NULL)) {
		pthread_mutex_destroy(&pool->lock);
		free(pool);
		return NULL;
	}
	if (pthread_cond_init(&pool->done, NULL)) {
		pthread_cond_destroy(&pool->wake);
		pthread_mutex_destroy(&pool->lock);
		free(pool);
		return NULL;
	}
	if (workers) {
		pool->workers = calloc(workers, sizeof(*pool->workers));
		if (!pool->workers)
			workers = 0; /* run on the caller */
	}
	for (unsigned i = 0; i < workers; i++) {
		struct ph_worker *w = &pool->workers[pool->started];

		w->pool = pool;
		w->index = pool->started + 1;
		if (pthread_create(&w->thread, NULL, worker_main, w))
			break; /* keep the threads we have */
		pool->started++;
	}
	return pool;
}

unsigned ph_threadpool_threads(const struct ph_threadpool *pool)
{
	return pool ? pool->started + 1 : 1;
}

void ph_threadpool_run(struct ph_threadpool *pool, ph_threadpool_fn fn, void *data, unsigned jobs)
{
	if (!jobs)
		return;
	if (!pool || !pool->started || jobs == 1) {
		for (unsigned i = 0; i < jobs; i++)
			fn(data, i, 0);
		return;
	}
	pthread_mutex_lock(&pool->lock);
	pool->fn = fn;
	pool->data = data;
	pool->jobs = jobs;
	pool->next = 0;
	pool->pending = jobs;
	pool->generation++;
	pthread_cond_broadcast(&pool->wake);
	run_jobs(pool, 0);
	while (pool->pending)
		pthread_cond_wait(&pool->done, &pool->lock);
	pool->fn = NULL;
	pool->data = NULL;
	pthread_mutex_unlock(&pool->lock);
}

void ph_threadpool_free(struct ph_threadpool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->quit = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->started; i++)
		pthread_join(pool->workers[i].thread, NULL);
	free(pool->workers);
	pthread_cond_destroy(&pool->done);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}
