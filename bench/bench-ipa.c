/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cost of running an IPA module isolated: the simple module's per-frame
 * calls (queue_request, prepare, process_stats, as a pipeline makes them)
 * in-process against in its sandboxed worker, median and 99th percentile
 * in microseconds; the time to load each way; and how long the worker
 * takes to restart after being killed (spawn to ready, from the manager).
 *
 * usage: bench-ipa [FRAMES]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "ipa/ipa.h"
#include "ipa/isolate.h"
#include "ipa-test-sensor.h"

#define RESTARTS 20

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double percentile_us(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(size_t)(p * (double)(n - 1))] / 1e3;
}

static const struct ph_ipa_config config = {
	.size = sizeof(config),
	.width = 1920,
	.height = 1080,
	.line_time_us = 30.0,
	.min_frame_duration_us = 33333,
	.max_frame_duration_us = 33333,
	.zones_x = 16,
	.zones_y = 12,
	.exposure_margin_lines = 4,
};

static void fill_stats(struct ph_ipa_stats *st, unsigned k)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->zones_x = config.zones_x;
	st->zones_y = config.zones_y;
	st->full_scale = 65535 - 4096;
	for (unsigned z = 0; z < config.zones_x * config.zones_y; z++) {
		uint64_t g = 10000ull * 5000 * (1 + (z + k) % 5);

		st->zones[z] = (struct ph_ipa_zone){g / 2, g, g * 2 / 3, 5000, 0};
		st->histogram[(z * 7 + k) % PH_IPA_HIST_BINS] += 5000;
		st->quads += 5000;
	}
}

struct loop {
	struct ph_ipa *ipa;
	struct ph_control_list *req, *sensor, *md;
	uint64_t frame;
};

/* One frame's calls; @ns (may be NULL) receives their time. @return 0 if all succeeded. */
static int frame(struct loop *l, uint64_t *ns)
{
	struct ph_ipa_isp_params params = {.size = sizeof(params)};
	struct ph_ipa_frame_info taken = {.size = sizeof(taken),
					  .sequence = l->frame,
					  .exposure_us = 10000,
					  .gain = 1,
					  .frame_duration_us = 33333};
	struct ph_ipa_stats *st = ph_ipa_stats_buffer(l->ipa);
	uint64_t t0, t1, t2;
	int ret;

	ph_control_list_clear(l->sensor);
	ph_control_list_clear(l->md);
	t0 = now_ns();
	ret = ph_ipa_queue_request(l->ipa, l->frame, l->req);
	ret |= ph_ipa_prepare(l->ipa, l->frame, &params, l->sensor);
	t1 = now_ns();
	fill_stats(st, (unsigned)l->frame); /* the pipeline's work: not timed */
	t2 = now_ns();
	ret |= ph_ipa_process_stats(l->ipa, l->frame, &taken, st, l->md);
	if (ns)
		*ns = (t1 - t0) + (now_ns() - t2);
	l->frame++;
	return ret;
}

static int run(struct ph_context *ctx, bool isolated, unsigned frames, uint64_t *times,
	       double *load_ms)
{
	struct ph_ipa_frame_info start = {.size = sizeof(start), .exposure_us = 10000, .gain = 1};
	struct ph_ipa_sensor_info sensor = sim_sensor(); /* at 1080p */
	struct loop l = {.req = ph_control_list_new(),
			 .sensor = ph_control_list_new(),
			 .md = ph_control_list_new()};
	uint64_t t0;

	if (isolated)
		setenv("PINHOLE_IPA_FORCE_ISOLATION", "1", 1);
	else
		unsetenv("PINHOLE_IPA_FORCE_ISOLATION");
	sensor.width = 1920;
	sensor.height = 1080;
	t0 = now_ns();
	l.ipa = ph_ipa_load(ctx, NULL, "virtual", &sensor);
	*load_ms = (now_ns() - t0) / 1e6;
	if (!l.ipa || !l.req || !l.sensor || !l.md || ph_ipa_isolated(l.ipa) != isolated ||
	    ph_ipa_configure(l.ipa, &config) || ph_ipa_start(l.ipa, &start, NULL)) {
		fprintf(stderr, "bench-ipa: cannot run the simple module %s\n",
			isolated ? "isolated" : "in-process");
		return 1;
	}
	for (unsigned k = 0; k < frames; k++)
		if (frame(&l, &times[k]))
			return 1;
	/* Isolated: kill the worker, let it come back, again and again. */
	if (isolated) {
		uint64_t restarts[RESTARTS], outage[RESTARTS];

		for (unsigned r = 0; r < RESTARTS; r++) {
			struct ph_ipa_worker *w = ph_ipa_get_worker(l.ipa);
			uint64_t killed = now_ns();

			kill(ph_ipa_worker_pid(w), SIGKILL);
			while (frame(&l, NULL) != 0)
				usleep(1000);
			outage[r] = now_ns() - killed;
			restarts[r] = ph_ipa_worker_last_restart_ns(w);
			for (unsigned k = 0; k < 310; k++) /* healthy again: back-off resets */
				frame(&l, NULL);
		}
		printf("worker restart (spawn, sandbox, load, init, configure, start): median %.2f "
		       "ms, "
		       "max %.2f ms; kill to first good frame, with the 50 ms back-off: median "
		       "%.1f ms (%u restarts)\n",
		       percentile_us(restarts, RESTARTS, 0.5) / 1e3,
		       percentile_us(restarts, RESTARTS, 1.0) / 1e3,
		       percentile_us(outage, RESTARTS, 0.5) / 1e3, RESTARTS);
	}
	ph_ipa_stop(l.ipa);
	ph_ipa_free(l.ipa);
	ph_control_list_free(l.req);
	ph_control_list_free(l.sensor);
	ph_control_list_free(l.md);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned frames = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
	struct ph_context_params params = {.size = sizeof(params), .log_priority = PH_LOG_ERROR};
	struct ph_context *ctx = ph_context_new(&params);
	uint64_t *in = calloc(frames ? frames : 1, sizeof(*in));
	uint64_t *iso = calloc(frames ? frames : 1, sizeof(*iso));
	double load_in, load_iso, in_med, in_p99, iso_med, iso_p99;

	if (!ctx || !in || !iso || frames < 100) {
		fprintf(stderr, "usage: bench-ipa [FRAMES >= 100]\n");
		return 2;
	}
	setenv("PINHOLE_IPA_TIMEOUT_MS", "1000", 1); /* a loaded machine is no fault here */
	if (run(ctx, false, frames, in, &load_in) || run(ctx, true, frames, iso, &load_iso))
		return 1;
	in_med = percentile_us(in, frames, 0.5);
	in_p99 = percentile_us(in, frames, 0.99);
	iso_med = percentile_us(iso, frames, 0.5);
	iso_p99 = percentile_us(iso, frames, 0.99);
	printf("simple IPA, per frame (queue_request + prepare + process_stats), %u frames:\n",
	       frames);
	printf("  in-process  median %7.2f us   p99 %7.2f us\n", in_med, in_p99);
	printf("  isolated    median %7.2f us   p99 %7.2f us   (%.1fx, +%.1f us median)\n", iso_med,
	       iso_p99, iso_med / in_med, iso_med - in_med);
	printf("load: in-process %.2f ms, isolated %.2f ms\n", load_in, load_iso);
	free(in);
	free(iso);
	ph_context_unref(ctx);
	return 0;
}
