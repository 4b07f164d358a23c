/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IPA isolation through the manager's calls, without a camera: which
 * modules are trusted (signed by this build) and which run isolated; the
 * simple module gives the same results isolated as in-process, frame by
 * frame, on a closed exposure loop; and every fault of the test module
 * (crash, hang, malformed messages, bogus fds, bad parameters, sandbox
 * escapes) costs the frames of the back-off only, queues one
 * PH_EVENT_IPA_ERROR saying what happened, and the worker comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <cmocka.h>

#include "core/internal.h"
#include "ipa/ipa.h"
#include "ipa/isolate.h"
#include "ipa-test-sensor.h"
#include "test-util.h"

static struct ph_context *new_context(void)
{
	struct ph_context_params params = {
		.size = sizeof(params), .log_handler = log_handler, .log_priority = PH_LOG_INFO};
	struct ph_context *ctx;
	struct ph_event *ev;

	unsetenv("PINHOLE_IPA_PATH");
	unsetenv("PINHOLE_IPA_FORCE_ISOLATION");
	unsetenv("PINHOLE_TUNING_FILE");
	ctx = ph_context_new(&params);
	assert_non_null(ctx);
	while ((ev = ph_context_next_event(ctx)))
		ph_event_free(ev);
	log_reset();
	return ctx;
}

/* Open file descriptors of this process: isolation must leave none behind. */
static unsigned count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static const struct ph_ipa_config sim_config = {
	.size = sizeof(struct ph_ipa_config),
	.width = 320,
	.height = 240,
	.line_time_us = 30.0,
	.min_frame_duration_us = 33333,
	.max_frame_duration_us = 33333,
	.zones_x = 16,
	.zones_y = 12,
	.exposure_margin_lines = 4,
};

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static bool loads_isolated(struct ph_context *ctx, const char *path)
{
	struct ph_ipa_sensor_info sensor = sim_sensor();
	struct ph_ipa *ipa = ph_ipa_load(ctx, path, "virtual", &sensor);
	bool isolated;

	assert_non_null(ipa);
	assert_string_equal(ph_ipa_name(ipa), "simple");
	isolated = ph_ipa_isolated(ipa);
	ph_ipa_free(ipa);
	return isolated;
}

/* Signed by this build: in-process; forced, unsigned, or a tampered signature: isolated. */
static void test_trust(void **state)
{
	struct ph_context *ctx = new_context();
	char dir[] = "/tmp/pinhole-trust-XXXXXX", so[256], sign[256];
	unsigned char byte;
	int fd;

	assert_false(loads_isolated(ctx, SIMPLE_MODULE_PATH));
	setenv("PINHOLE_IPA_FORCE_ISOLATION", "1", 1);
	assert_true(loads_isolated(ctx, SIMPLE_MODULE_PATH));
	unsetenv("PINHOLE_IPA_FORCE_ISOLATION");

	/* A copy with its signature is still trusted: the signature is of the content. */
	assert_non_null(mkdtemp(dir));
	snprintf(so, sizeof(so), "%s/ipa_simple.so", dir);
	snprintf(sign, sizeof(sign), "%s/ipa_simple.so.sign", dir);
	copy_file(SIMPLE_MODULE_PATH, so);
	copy_file(SIMPLE_MODULE_PATH ".sign", sign);
	assert_false(loads_isolated(ctx, so));

	/* One bit of the signature flipped: unsigned. */
	fd = open(sign, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, 10), 1);
	byte ^= 1;
	assert_int_equal(pwrite(fd, &byte, 1, 10), 1);
	close(fd);
	log_reset();
	assert_true(loads_isolated(ctx, so));
	assert_non_null(strstr(log_text, "does not match the module"));

	/* The right signature, another module content: unsigned too. */
	copy_file(SIMPLE_MODULE_PATH ".sign", sign);
	fd = open(so, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_true(loads_isolated(ctx, so));

	/* No signature at all. */
	unlink(sign);
	log_reset();
	assert_true(loads_isolated(ctx, so));
	assert_non_null(strstr(log_text, "no signature of this Pinhole build"));
	unlink(so);
	rmdir(dir);
	ph_context_unref(ctx);
}

/* What one frame gave back, for comparing runs. */
struct frame_result {
	int prepare_ret, stats_ret;
	struct ph_ipa_isp_params params;
	int32_t exposure_us;
	float gain, lux, gains[2];
	int32_t ct;
};

/*
 * Statistics of a grey-ish scene seen with @exposure_us and @gain: a
 * linear sensor, so that AE has a loop to close.
 */
static void fake_stats(struct ph_ipa_stats *st, double exposure_us, double gain)
{
	const uint32_t zx = sim_config.zones_x, zy = sim_config.zones_y;
	const uint32_t quads = (320 / 2 / zx) * (240 / 2 / zy);
	double level = fmin(0.9, exposure_us * gain / 40000.0);

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->zones_x = zx;
	st->zones_y = zy;
	st->full_scale = 65535 - (64 << 6);
	for (uint32_t z = 0; z < zx * zy; z++) {
		double g = level * st->full_scale * (0.8 + 0.4 * (z % 7) / 6.0);

		st->zones[z].sum_g = (uint64_t)(g * quads);
		st->zones[z].sum_r = (uint64_t)(g * 0.55 * quads);
		st->zones[z].sum_b = (uint64_t)(g * 0.7 * quads);
		st->zones[z].counted = quads;
		st->histogram[(unsigned)(level * 0.8 * (PH_IPA_HIST_BINS - 1))] += quads;
		st->quads += quads;
	}
}

/* Run @n frames of the closed loop on @ipa, every call as a pipeline makes it. */
static void run_loop(struct ph_ipa *ipa, unsigned n, unsigned frame_us, struct frame_result *out)
{
	struct ph_control_list *sensor = ph_control_list_new(), *md = ph_control_list_new(),
			       *req = ph_control_list_new();
	struct ph_ipa_frame_info start = {.size = sizeof(start), .exposure_us = 1000, .gain = 1};
	/* What the sensor was told at each frame; values land after the sensor's delays. */
	static double told_exposure[512], told_gain[512];
	double exposure = 1000, gain = 1;

	assert_true(sensor && md && req && n <= 512);
	assert_int_equal(ph_ipa_configure(ipa, &sim_config), 0);
	assert_int_equal(ph_ipa_start(ipa, &start, NULL), 0);
	for (unsigned k = 0; k < n; k++) {
		struct frame_result *r = &out[k];
		struct ph_ipa_frame_info taken;
		struct ph_ipa_stats *st = ph_ipa_stats_buffer(ipa);
		struct ph_control_value v;

		if (k >= 2)
			exposure = told_exposure[k - 2];
		if (k >= 1)
			gain = told_gain[k - 1];
		taken = (struct ph_ipa_frame_info){.size = sizeof(taken),
						   .sequence = k,
						   .exposure_us = (int32_t)lround(exposure),
						   .gain = (float)gain,
						   .frame_duration_us = 33333};

		memset(r, 0, sizeof(*r));
		ph_control_list_clear(req);
		if (k == 30 || k == 60) /* once each: the worker must keep them across calls */
			ph_control_list_set_float(req, PH_CONTROL_EXPOSURE_VALUE,
						  k == 30 ? 0.5f : -1.0f);
		ph_ipa_queue_request(ipa, k, req);
		ph_control_list_clear(sensor);
		r->params.size = sizeof(r->params);
		r->prepare_ret = ph_ipa_prepare(ipa, k, &r->params, sensor);
		told_exposure[k] = k >= 1 ? told_exposure[k - 1] : 1000;
		told_gain[k] = k >= 1 ? told_gain[k - 1] : 1;
		if (ph_control_list_get(sensor, PH_CONTROL_EXPOSURE_TIME, &v) == 0)
			told_exposure[k] = v.i32[0];
		if (ph_control_list_get(sensor, PH_CONTROL_ANALOGUE_GAIN, &v) == 0)
			told_gain[k] = v.f[0];
		r->exposure_us = (int32_t)lround(exposure);
		r->gain = (float)gain;
		fake_stats(st, exposure, gain);
		ph_control_list_clear(md);
		r->stats_ret = ph_ipa_process_stats(ipa, k, &taken, st, md);
		ph_control_list_get_float(md, PH_CONTROL_LUX, &r->lux);
		ph_control_list_get_int32(md, PH_CONTROL_COLOUR_TEMPERATURE, &r->ct);
		if (ph_control_list_get(md, PH_CONTROL_COLOUR_GAINS, &v) == 0) {
			r->gains[0] = v.f[0];
			r->gains[1] = v.f[1];
		}
		if (frame_us)
			usleep(frame_us);
	}
	ph_ipa_stop(ipa);
	ph_control_list_free(sensor);
	ph_control_list_free(md);
	ph_control_list_free(req);
}

#define EQ_FRAMES 120

static void assert_close(double a, double b)
{
	if (fabs(a - b) > 1e-5 * fmax(1.0, fabs(a)))
		fail_msg("%.9g != %.9g", a, b);
}

/* The simple module, isolated, frame by frame as in-process. */
static void test_same_results(void **state)
{
	struct ph_context *ctx = new_context();
	struct ph_ipa_sensor_info sensor = sim_sensor();
	static struct frame_result in[EQ_FRAMES], iso[EQ_FRAMES];
	struct ph_ipa *ipa;
	unsigned changes = 0;

	setenv("PINHOLE_IPA_TIMEOUT_MS", "2000", 1); /* equality, not timing, is tested here */
	ipa = ph_ipa_load(ctx, SIMPLE_MODULE_PATH, "virtual", &sensor);
	assert_non_null(ipa);
	assert_false(ph_ipa_isolated(ipa));
	run_loop(ipa, EQ_FRAMES, 0, in);
	ph_ipa_free(ipa);

	setenv("PINHOLE_IPA_FORCE_ISOLATION", "1", 1);
	ipa = ph_ipa_load(ctx, SIMPLE_MODULE_PATH, "virtual", &sensor);
	assert_non_null(ipa);
	assert_true(ph_ipa_isolated(ipa));
	run_loop(ipa, EQ_FRAMES, 0, iso);
	ph_ipa_free(ipa);
	unsetenv("PINHOLE_IPA_FORCE_ISOLATION");
	unsetenv("PINHOLE_IPA_TIMEOUT_MS");

	for (unsigned k = 0; k < EQ_FRAMES; k++) {
		const struct frame_result *a = &in[k], *b = &iso[k];

		assert_int_equal(a->prepare_ret, 0);
		assert_int_equal(b->prepare_ret, 0);
		assert_int_equal(a->stats_ret, 0);
		assert_int_equal(b->stats_ret, 0);
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(a->params.black_level[i], b->params.black_level[i]);
		for (unsigned i = 0; i < 3; i++) {
			assert_close(a->params.wb_gains[i], b->params.wb_gains[i]);
			assert_close(a->params.ccm_offsets[i], b->params.ccm_offsets[i]);
		}
		for (unsigned i = 0; i < 9; i++)
			assert_close(a->params.ccm[i], b->params.ccm[i]);
		assert_int_equal(a->params.gamma, b->params.gamma);
		assert_close(a->params.brightness, b->params.brightness);
		assert_close(a->params.contrast, b->params.contrast);
		assert_close(a->params.saturation, b->params.saturation);
		assert_int_equal(a->exposure_us, b->exposure_us);
		assert_close(a->gain, b->gain);
		assert_close(a->lux, b->lux);
		assert_close(a->gains[0], b->gains[0]);
		assert_close(a->gains[1], b->gains[1]);
		assert_int_equal(a->ct, b->ct);
		if (k && a->exposure_us != in[k - 1].exposure_us)
			changes++;
		if (getenv("VERBOSE"))
			print_message("%u: %d %g lux %g\n", k, a->exposure_us, a->gain, a->lux);
	}
	/* The loop did something to compare: AE followed both EV changes, and settled. */
	assert_true(changes >= 3);
	assert_true(in[59].exposure_us > in[29].exposure_us);
	assert_true(in[89].exposure_us < in[59].exposure_us);
	assert_true(in[EQ_FRAMES - 1].lux > 0);
	assert_int_equal(in[EQ_FRAMES - 1].exposure_us, in[EQ_FRAMES - 2].exposure_us);
	ph_context_unref(ctx);
}

#define FAULT_FRAME  20
#define FAULT_FRAMES 80
#define FRAME_US     5000

/* One fault: frames fail only from the fault until the restart; one event says why. */
static void fault_case(const char *fault, const char *why)
{
	unsigned fds = count_fds();
	struct ph_context *ctx = new_context();
	struct ph_ipa_sensor_info sensor = sim_sensor();
	static struct frame_result r[FAULT_FRAMES];
	struct ph_ipa *ipa;
	struct ph_event *ev;
	unsigned events = 0, failed = 0, last_failed = 0;
	char frame[16];

	setenv("PINHOLE_TEST_IPA_FAULT", fault, 1);
	/* A deadline a busy machine (valgrind, sanitizers, parallel tests) cannot miss
	 * by accident, but for the hang. */
	setenv("PINHOLE_IPA_TIMEOUT_MS", strcmp(fault, "hang") ? "1000" : "100", 1);
	snprintf(frame, sizeof(frame), "%d", FAULT_FRAME);
	setenv("PINHOLE_TEST_IPA_FAULT_FRAME", frame, 1);
	ipa = ph_ipa_load(ctx, FAULTY_MODULE_PATH, "virtual", &sensor);
	assert_non_null(ipa);
	assert_true(ph_ipa_isolated(ipa)); /* unsigned */
	run_loop(ipa, FAULT_FRAMES, FRAME_US, r);

	for (unsigned k = 0; k < FAULT_FRAMES; k++) {
		bool ok = r[k].prepare_ret == 0 && r[k].stats_ret == 0;

		if (r[k].prepare_ret == 0) /* never anything but the module's values */
			assert_true(r[k].params.wb_gains[0] == 1.5f && r[k].params.gamma == 1);
		if (r[k].stats_ret == 0)
			assert_true(r[k].lux == (float)k && r[k].ct == 5000);
		if (k < FAULT_FRAME)
			assert_true(ok);
		if (!ok) {
			failed++;
			last_failed = k;
		}
	}
	assert_false(r[FAULT_FRAME].prepare_ret == 0 && r[FAULT_FRAME].stats_ret == 0);
	/* Down for the 50 ms back-off at 5 ms a frame and the restart, then back (a bound
	 * generous enough for valgrind and sanitizers). */
	assert_true(failed >= 1);
	assert_true(last_failed < FAULT_FRAME + 40);
	print_message("%-10s %u frames without the IPA, restarted in %.1f ms\n", fault, failed,
		      ph_ipa_worker_last_restart_ns(ph_ipa_get_worker(ipa)) / 1e6);
	while ((ev = ph_context_next_event(ctx))) {
		if (ph_event_get_type(ev) == PH_EVENT_IPA_ERROR) {
			events++;
			assert_true(ph_event_get_error(ev) < 0);
			if (!strstr(ph_event_get_message(ev), why))
				fail_msg("'%s': event '%s' lacks '%s'", fault,
					 ph_event_get_message(ev), why);
			assert_non_null(strstr(ph_event_get_message(ev), "restarting the worker"));
		}
		ph_event_free(ev);
	}
	assert_int_equal(events, 1);
	ph_ipa_free(ipa);
	ph_context_unref(ctx);
	/* Sockets, shared buffers, and any descriptor the worker pushed at us: all closed. */
	assert_int_equal(count_fds(), fds);
	unsetenv("PINHOLE_TEST_IPA_FAULT");
	unsetenv("PINHOLE_TEST_IPA_FAULT_FRAME");
	unsetenv("PINHOLE_IPA_TIMEOUT_MS");
}

static void test_crash(void **state)
{
	fault_case("crash", "failed");
}

static void test_hang(void **state)
{
	fault_case("hang", "no answer to 'prepare' within 100 ms");
}

static void test_oversize(void **state)
{
	fault_case("oversize", "malformed message");
}

static void test_bad_id(void **state)
{
	fault_case("bad-id", "malformed message");
}

static void test_truncated(void **state)
{
	fault_case("truncated", "malformed message");
}

static void test_bad_count(void **state)
{
	fault_case("bad-count", "malformed message");
}

static void test_fds(void **state)
{
	fault_case("fds", "malformed message");
}

static void test_nan(void **state)
{
	fault_case("nan", "ISP parameters out of range");
}

static void test_sandbox_video(void **state)
{
	fault_case("video", "stopped by the sandbox");
}

static void test_sandbox_socket(void **state)
{
	fault_case("socket", "stopped by the sandbox");
}

static void test_sandbox_file(void **state)
{
	fault_case("file", "stopped by the sandbox");
}

/* A module failing at every start: bounded restarts, then it stays down and says so. */
static void test_gives_up(void **state)
{
	struct ph_context *ctx = new_context();
	struct ph_ipa_sensor_info sensor = sim_sensor();
	static struct frame_result r[400];
	struct ph_ipa *ipa;
	struct ph_event *ev;
	unsigned events = 0;
	bool final = false;

	setenv("PINHOLE_TEST_IPA_FAULT", "crash", 1);
	setenv("PINHOLE_TEST_IPA_FAULT_FRAME", "0", 1);
	ipa = ph_ipa_load(ctx, FAULTY_MODULE_PATH, "virtual", &sensor);
	assert_non_null(ipa);
	/* Each run starts at frame 0, where the module crashes, and the back-off doubles. */
	for (unsigned round = 0; round < PH_IPA_WORKER_MAX_FAILURES + 2; round++)
		run_loop(ipa, 40, FRAME_US * 2, r);
	assert_true(ph_ipa_worker_given_up(ph_ipa_get_worker(ipa)));
	while ((ev = ph_context_next_event(ctx))) {
		if (ph_event_get_type(ev) == PH_EVENT_IPA_ERROR) {
			events++;
			final = strstr(ph_event_get_message(ev), "giving up") != NULL;
		}
		ph_event_free(ev);
	}
	assert_int_equal(events, PH_IPA_WORKER_MAX_FAILURES);
	assert_true(final);
	/* Down for good: calls fail at once, the caller keeps its parameters. */
	{
		struct ph_ipa_isp_params p = {.size = sizeof(p), .wb_gains = {2, 1, 2}};
		struct ph_control_list *l = ph_control_list_new();

		assert_int_equal(ph_ipa_prepare(ipa, 1000, &p, l), -EAGAIN);
		assert_true(p.wb_gains[0] == 2.0f);
		ph_control_list_free(l);
	}
	ph_ipa_free(ipa);
	ph_context_unref(ctx);
	unsetenv("PINHOLE_TEST_IPA_FAULT");
	unsetenv("PINHOLE_TEST_IPA_FAULT_FRAME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust),	      cmocka_unit_test(test_same_results),
		cmocka_unit_test(test_crash),	      cmocka_unit_test(test_hang),
		cmocka_unit_test(test_oversize),      cmocka_unit_test(test_bad_id),
		cmocka_unit_test(test_truncated),     cmocka_unit_test(test_bad_count),
		cmocka_unit_test(test_fds),	      cmocka_unit_test(test_nan),
		cmocka_unit_test(test_sandbox_video), cmocka_unit_test(test_sandbox_socket),
		cmocka_unit_test(test_sandbox_file),  cmocka_unit_test(test_gives_up),
	};

	(void)wait_request; /* of test-util.h, for the camera tests */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
