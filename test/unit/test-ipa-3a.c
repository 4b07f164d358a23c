/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 3A on the simulated camera, with the simple IPA module: AE converges from
 * 3 stops under and over and holds; AWB makes the chart's greys neutral and
 * finds the colour temperature; manual controls override; without a module
 * the camera still works. Measured on the ISP's RGB output, independently
 * of the module's own numbers. Prints frames to converge and the module's
 * CPU cost per frame.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/internal.h"
#include "ipa/ipa.h"
#include "pipeline/virtual/sim.h"

#define TIMEOUT_MS 20000
#define NREQ	   6
#define W	   320
#define H	   240
#define BASE	   "width=320,height=240,frame-rate=100,max-frame-rate=100,object-speed=0"

static void log_handler(struct ph_context *ctx, enum ph_log_priority priority, void *data,
			const char *format, va_list args)
{
	if (priority <= PH_LOG_WARNING)
		vfprintf(stderr, format, args);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct session {
	struct ph_context *ctx;
	struct ph_camera *cam;
	struct ph_stream *stream;
	struct ph_request *reqs[NREQ];
	struct ph_sim_scene *scene; /* the same scene, for the chart's geometry */
};

static void session_open(struct session *s, const char *env)
{
	struct ph_context_params params = {
		.size = sizeof(params), .log_handler = log_handler, .log_priority = PH_LOG_WARNING};
	enum ph_stream_role role = PH_ROLE_VIEWFINDER;
	struct ph_config *config;
	struct ph_sim_params sp;
	struct ph_event *ev;

	memset(s, 0, sizeof(*s));
	setenv("PINHOLE_VIRTUAL", env, 1);
	unsetenv("PINHOLE_VIRTUAL_CONFIG");
	unsetenv("PINHOLE_LOG_LEVEL");
	unsetenv("PINHOLE_TUNING_FILE");
	s->ctx = ph_context_new(&params);
	assert_non_null(s->ctx);
	s->cam = ph_context_get_camera(s->ctx, "virtual:0");
	assert_non_null(s->cam);
	while ((ev = ph_context_next_event(s->ctx)))
		ph_event_free(ev);
	assert_int_equal(ph_camera_acquire(s->cam), 0);
	config = ph_camera_generate_config(s->cam, &role, 1);
	assert_non_null(config);
	ph_config_stream_at(config, 0)->width = W;
	ph_config_stream_at(config, 0)->height = H;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	assert_int_equal(ph_camera_configure(s->cam, config), 0);
	ph_config_free(config);
	s->stream = ph_camera_stream_at(s->cam, 0);
	assert_int_equal(ph_stream_allocate_buffers(s->stream, NREQ), NREQ);
	for (unsigned i = 0; i < NREQ; i++) {
		s->reqs[i] = ph_camera_create_request(s->cam, i);
		assert_non_null(s->reqs[i]);
		assert_int_equal(ph_request_add_buffer(s->reqs[i], s->stream,
						       ph_stream_buffer_at(s->stream, i)),
				 0);
	}
	ph_sim_params_default(&sp);
	sp.width = W;
	sp.height = H;
	s->scene = ph_sim_scene_new(&sp);
	assert_non_null(s->scene);
}

static void session_close(struct session *s)
{
	struct ph_event *ev;

	if (ph_camera_stop(s->cam) == 0)
		while ((ev = ph_context_next_event(s->ctx)))
			ph_event_free(ev);
	for (unsigned i = 0; i < NREQ; i++)
		assert_int_equal(ph_request_free(s->reqs[i]), 0);
	assert_int_equal(ph_camera_release(s->cam), 0);
	ph_context_unref(s->ctx);
	ph_sim_scene_free(s->scene);
}

static struct ph_request *wait_request(struct ph_context *ctx)
{
	uint64_t deadline = now_ms() + TIMEOUT_MS;
	struct ph_event *ev;
	struct ph_request *req;

	while (!(ev = ph_context_next_event(ctx))) {
		struct pollfd pfd = {ph_context_get_fd(ctx), POLLIN, 0};
		int64_t left = (int64_t)(deadline - now_ms());

		assert_true(left > 0);
		poll(&pfd, 1, (int)left);
		assert_int_equal(ph_context_dispatch(ctx), 0);
	}
	assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
	req = ph_event_get_request(ev);
	ph_event_free(ev);
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
	return req;
}

/* What one frame showed, measured on the RGB output, and what it reported. */
struct frame {
	uint32_t sequence;
	double y;	     /* centre-weighted mean linear luminance of the output */
	double grey[4][2];   /* patches 19..22: R/G, B/G, linear */
	int32_t exposure_us; /* metadata */
	float gain;
	float gains[2];
	int32_t ct;
	bool ae, awb, has_ae;
};

static double srgb_to_linear(double v)
{
	v /= 255.0;
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/*
 * The metering doc/ipa.md documents: zones of a 16 x 12 grid weighted 4
 * (centre), 2 or 1 by their distance from the centre.
 */
static double zone_weight(unsigned zx, unsigned zy)
{
	double dx = ((zx + 0.5) / 16 - 0.5) * 2, dy = ((zy + 0.5) / 12 - 0.5) * 2;
	double d = sqrt(dx * dx + dy * dy) / sqrt(2.0);

	return d < 0.3 ? 4.0 : d < 0.6 ? 2.0 : 1.0;
}

static void measure(struct session *s, struct ph_request *req, struct frame *f)
{
	const struct ph_stream_config *sc = ph_stream_get_config(s->stream);
	const uint8_t *p = ph_buffer_map(ph_request_find_buffer(req, s->stream), 0);
	const struct ph_control_list *md = ph_request_get_metadata(req);
	static double lin[256];
	double zsum[12][16] = {{0}}, ysum = 0, wsum = 0;
	struct ph_control_value v;

	assert_non_null(p);
	for (unsigned i = 0; i < 256; i++)
		lin[i] = srgb_to_linear(i);
	for (uint32_t y = 0; y < sc->height; y++)
		for (uint32_t x = 0; x < sc->width; x++) {
			const uint8_t *px = p + (size_t)y * sc->stride + 3 * x;

			zsum[y * 12 / sc->height][x * 16 / sc->width] +=
				0.299 * lin[px[0]] + 0.587 * lin[px[1]] + 0.114 * lin[px[2]];
		}
	for (unsigned zy = 0; zy < 12; zy++)
		for (unsigned zx = 0; zx < 16; zx++) {
			ysum += zone_weight(zx, zy) * zsum[zy][zx] /
				((double)(sc->width / 16) * (sc->height / 12));
			wsum += zone_weight(zx, zy);
		}
	f->y = ysum / wsum;
	for (unsigned g = 0; g < 4; g++) {
		uint32_t r[4];
		double c[3] = {0};

		assert_int_equal(ph_sim_chart_patch(s->scene, 19 + g, r), 0);
		for (uint32_t y = r[1] + r[3] / 4; y < r[1] + r[3] * 3 / 4; y++)
			for (uint32_t x = r[0] + r[2] / 4; x < r[0] + r[2] * 3 / 4; x++)
				for (unsigned k = 0; k < 3; k++)
					c[k] += lin[p[(size_t)y * sc->stride + 3 * x + k]];
		f->grey[g][0] = c[0] / c[1];
		f->grey[g][1] = c[2] / c[1];
	}
	f->sequence = ph_request_get_sequence(req);
	assert_int_equal(ph_control_list_get_int32(md, PH_CONTROL_EXPOSURE_TIME, &f->exposure_us),
			 0);
	assert_int_equal(ph_control_list_get_float(md, PH_CONTROL_ANALOGUE_GAIN, &f->gain), 0);
	f->has_ae = ph_control_list_get_bool(md, PH_CONTROL_AE_ENABLE, &f->ae) == 0;
	if (f->has_ae) {
		assert_int_equal(ph_control_list_get_bool(md, PH_CONTROL_AWB_ENABLE, &f->awb), 0);
		assert_int_equal(ph_control_list_get(md, PH_CONTROL_COLOUR_GAINS, &v), 0);
		f->gains[0] = v.f[0];
		f->gains[1] = v.f[1];
		assert_int_equal(
			ph_control_list_get_int32(md, PH_CONTROL_COLOUR_TEMPERATURE, &f->ct), 0);
	}
}

typedef void (*prepare_fn)(struct ph_control_list *controls, unsigned k);

/* Capture @total frames in order; @prepare sets the controls of request k. */
static void run(struct session *s, unsigned total, const struct ph_control_list *start,
		prepare_fn prepare, struct frame *out)
{
	unsigned queued = 0, done = 0;

	assert_int_equal(ph_camera_start(s->cam, start), 0);
	for (; queued < NREQ && queued < total; queued++) {
		if (prepare)
			prepare(ph_request_get_controls(s->reqs[queued]), queued);
		assert_int_equal(ph_camera_queue_request(s->cam, s->reqs[queued]), 0);
	}
	while (done < total) {
		struct ph_request *req = wait_request(s->ctx);

		measure(s, req, &out[done++]);
		if (queued < total) {
			assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
			if (prepare)
				prepare(ph_request_get_controls(req), queued);
			assert_int_equal(ph_camera_queue_request(s->cam, req), 0);
			queued++;
		}
	}
}

#define AE_FRAMES 200
#define TARGET	  0.18

/* Frames (by sensor sequence) until the output stays within 5% of the target. */
static int converged_at(const struct frame *f, unsigned n)
{
	int at = -1;

	for (unsigned k = 0; k < n; k++) {
		if (fabs(f[k].y / TARGET - 1.0) > 0.05)
			at = -1;
		else if (at < 0)
			at = (int)f[k].sequence;
	}
	return at;
}

static void ae_case(const char *env, const char *what)
{
	static struct frame f[AE_FRAMES];
	struct session s;
	int at;
	double lo = INFINITY, hi = 0;

	session_open(&s, env);
	run(&s, AE_FRAMES, NULL, NULL, f);
	session_close(&s);
	at = converged_at(f, AE_FRAMES);
	printf("# AE from %s: frame 0 luminance %.3f, within 5%% of %.2f from frame %d "
	       "(%d us x %.2f)\n",
	       what, f[0].y, TARGET, at, f[AE_FRAMES - 1].exposure_us, f[AE_FRAMES - 1].gain);
	if (at < 0 || at > 10)
		fail_msg("%s: converged at frame %d (luminance at 10: %.3f, at the end %.3f)", what,
			 at, f[10].y, f[AE_FRAMES - 1].y);
	/* Steady: exposure x gain moves by less than 1% once converged. */
	for (unsigned k = 20; k < AE_FRAMES; k++) {
		double t = f[k].exposure_us * (double)f[k].gain;

		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	printf("# AE from %s: exposure x gain over frames 20..%d varies by %.2f%%\n", what,
	       AE_FRAMES - 1, (hi / lo - 1) * 100);
	assert_true(hi / lo - 1 < 0.01);
	for (unsigned k = 0; k < AE_FRAMES; k++)
		assert_true(f[k].has_ae && f[k].ae);
}

/* 400 lux is about right at the default 9 ms; 8x less and 8x more light. */
static void test_ae_under(void **state)
{
	ae_case(BASE ",lux=50", "3 stops under");
}

static void test_ae_over(void **state)
{
	ae_case(BASE ",lux=3200", "3 stops over");
}

static void awb_case(unsigned kelvin)
{
	enum {
		N = 40
	};
	static struct frame f[N];
	char env[256];
	struct session s;
	int at = -1;

	snprintf(env, sizeof(env), BASE ",colour-temperature=%u", kelvin);
	session_open(&s, env);
	run(&s, N, NULL, NULL, f);
	session_close(&s);
	for (unsigned k = 0; k < N; k++) {
		bool ok = true;

		for (unsigned g = 0; g < 4; g++)
			ok &= fabs(f[k].grey[g][0] - 1) < 0.05 && fabs(f[k].grey[g][1] - 1) < 0.05;
		if (!ok)
			at = -1;
		else if (at < 0)
			at = (int)f[k].sequence;
	}
	printf("# AWB at %u K: greys neutral within 5%% from frame %d; reported %d K; "
	       "R/G %.3f B/G %.3f (neutral 5)\n",
	       kelvin, at, f[N - 1].ct, f[N - 1].grey[2][0], f[N - 1].grey[2][1]);
	for (unsigned g = 0; g < 4; g++)
		if (fabs(f[N - 1].grey[g][0] - 1) > 0.05 || fabs(f[N - 1].grey[g][1] - 1) > 0.05)
			fail_msg("%u K: grey patch %u R/G %.3f B/G %.3f", kelvin, 19 + g,
				 f[N - 1].grey[g][0], f[N - 1].grey[g][1]);
	assert_true(at >= 0 && at < N - 5);
	if (fabs(f[N - 1].ct / (double)kelvin - 1) > 0.10)
		fail_msg("%u K: reported %d K", kelvin, f[N - 1].ct);
	assert_true(f[N - 1].awb);
}

static void test_awb(void **state)
{
	awb_case(2800);
	awb_case(4000);
	awb_case(5000);
	awb_case(6500);
}

static void prepare_manual(struct ph_control_list *c, unsigned k)
{
	if (k == 20)
		assert_int_equal(ph_control_list_set_int32(c, PH_CONTROL_EXPOSURE_TIME, 5000), 0);
	if (k == 40)
		assert_int_equal(ph_control_list_set_float(c, PH_CONTROL_ANALOGUE_GAIN, 2.0f), 0);
	if (k == 60) {
		assert_int_equal(ph_control_list_set_float_array(c, PH_CONTROL_COLOUR_GAINS,
								 (const float[]){2.0f, 1.5f}, 2),
				 0);
	}
	if (k == 70)
		assert_int_equal(ph_control_list_set_int32(c, PH_CONTROL_COLOUR_TEMPERATURE, 3200),
				 0);
	if (k == 80) {
		assert_int_equal(ph_control_list_set_bool(c, PH_CONTROL_AE_ENABLE, true), 0);
		assert_int_equal(ph_control_list_set_bool(c, PH_CONTROL_AWB_ENABLE, true), 0);
	}
}

/* Manual values turn off their half of AE, or AWB, until re-enabled. */
static void test_manual(void **state)
{
	enum {
		N = 110
	};
	static struct frame f[N];
	struct session s;
	float r32, b32;
	struct ph_ipa_tuning t;

	session_open(&s, BASE);
	run(&s, N, NULL, prepare_manual, f);
	session_close(&s);

	/* Exposure 5000 from request 20, two frames later; gain still automatic. */
	for (unsigned k = 22; k < 40; k++) {
		assert_true(abs(f[k].exposure_us - 5000) < 40); /* whole lines */
		assert_true(f[k].ae);
	}
	assert_true(fabs(f[39].y / TARGET - 1) < 0.05); /* the gain made up for it */
	assert_true(f[39].gain > 1.2f);
	/* Gain 2 from request 40, one frame later: AE fully manual. */
	for (unsigned k = 41; k < 80; k++) {
		assert_true(f[k].gain == 2.0f);
		assert_true(abs(f[k].exposure_us - 5000) < 40);
	}
	for (unsigned k = 40; k < 80; k++)
		assert_false(f[k].ae);
	/* Colour gains from request 60, on that very frame. */
	for (unsigned k = 60; k < 70; k++) {
		assert_true(f[k].gains[0] == 2.0f && f[k].gains[1] == 1.5f);
		assert_false(f[k].awb);
	}
	assert_true(f[59].awb);
	/* A colour temperature: the curve's gains for it. */
	ph_tuning_load(NULL, SOURCE_ROOT "/data/tuning/pinhole-sim.yaml", &t);
	r32 = t.ct_curve[3].r; /* 3200 K */
	b32 = t.ct_curve[3].b;
	assert_true(t.ct_curve[3].ct == 3200.0f);
	for (unsigned k = 70; k < 80; k++) {
		assert_true(fabs(f[k].gains[0] - 1 / r32) < 1e-3);
		assert_true(fabs(f[k].gains[1] - 1 / b32) < 1e-3);
		assert_int_equal(f[k].ct, 3200);
	}
	/* Re-enabled: back to automatic, converged again. */
	assert_true(f[80].ae && f[80].awb);
	assert_true(fabs(f[N - 1].y / TARGET - 1) < 0.05);
	assert_true(abs(f[N - 1].ct - 5000) < 500);
}

/* Without the module (ipa=false) the camera runs on fixed defaults, no 3A metadata. */
static void test_no_module(void **state)
{
	static struct frame f[4];
	struct session s;

	session_open(&s, BASE ",ipa=false");
	run(&s, 4, NULL, NULL, f);
	session_close(&s);
	for (unsigned k = 0; k < 4; k++) {
		assert_false(f[k].has_ae);
		assert_int_equal(f[k].exposure_us, f[0].exposure_us);
	}
}

/* The module's CPU time per frame (prepare + statistics), on real statistics. */
static void test_cpu_cost(void **state)
{
	struct ph_ipa_sensor_info sensor = {.size = sizeof(sensor),
					    .model = "pinhole-sim",
					    .width = W,
					    .height = H,
					    .bit_depth = 10,
					    .black_level = 4096,
					    .exposure_delay = 2,
					    .gain_delay = 1,
					    .min_gain = 1,
					    .max_gain = 16,
					    .min_exposure_us = 10,
					    .max_exposure_us = 100000};
	struct ph_ipa_config config = {.size = sizeof(config),
				       .width = W,
				       .height = H,
				       .line_time_us = 38.46,
				       .min_frame_duration_us = 10000,
				       .max_frame_duration_us = 10000,
				       .zones_x = 16,
				       .zones_y = 12,
				       .exposure_margin_lines = 4};
	struct ph_ipa_frame_info taken = {.size = sizeof(taken), .exposure_us = 9000, .gain = 1};
	struct ph_ipa_stats *stats = calloc(1, sizeof(*stats));
	struct ph_control_list *out = ph_control_list_new();
	struct ph_ipa *ipa;
	struct timespec a, b;
	enum {
		N = 2000
	};

	assert_non_null(stats);
	assert_non_null(out);
	ipa = ph_ipa_load(NULL, NULL, "virtual", &sensor);
	assert_non_null(ipa);
	assert_int_equal(ph_ipa_configure(ipa, &config), 0);
	assert_int_equal(ph_ipa_start(ipa, &taken, NULL), 0);
	stats->size = sizeof(*stats);
	stats->zones_x = 16;
	stats->zones_y = 12;
	stats->full_scale = 65472 - 4096;
	for (unsigned z = 0; z < 16 * 12; z++)
		stats->zones[z] = (struct ph_ipa_zone){25 * 6000, 25 * 10000, 25 * 5000, 25, 0};
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (unsigned k = 0; k < N; k++) {
		struct ph_ipa_isp_params params;

		ph_control_list_clear(out);
		assert_int_equal(ph_ipa_prepare(ipa, k, &params, out), 0);
		taken.sequence = k;
		assert_int_equal(ph_ipa_process_stats(ipa, k, &taken, stats, out), 0);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	printf("# IPA CPU time per frame (prepare + statistics, 16x12 zones, through the "
	       "manager): %.1f us\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / N);
	ph_ipa_stop(ipa);
	ph_ipa_free(ipa);
	ph_control_list_free(out);
	free(stats);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ae_under),  cmocka_unit_test(test_ae_over),
		cmocka_unit_test(test_awb),	  cmocka_unit_test(test_manual),
		cmocka_unit_test(test_no_module), cmocka_unit_test(test_cpu_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
