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
#include "pipeline/virtual/virtual.h"

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
	double y;		 /* centre-weighted mean linear luminance of the output */
	double y_spot, y_matrix; /* the same, weighted as the spot and matrix modes */
	double patch[24][3];	 /* linear RGB of the chart patches' middles */
	double grey[4][2];	 /* patches 19..22: R/G, B/G, linear */
	int32_t exposure_us;	 /* metadata */
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

enum metering {
	CENTRE = 0,
	SPOT = 1,
	MATRIX = 2
}; /* AeMeteringMode */

/*
 * The metering doc/ipa.md documents: zones of a 16 x 12 grid weighted by
 * their distance from the centre: centre-weighted 4, 2 or 1; spot 1 in the
 * middle, 0 elsewhere; matrix 1 everywhere.
 */
static double zone_weight(enum metering m, unsigned zx, unsigned zy)
{
	double dx = ((zx + 0.5) / 16 - 0.5) * 2, dy = ((zy + 0.5) / 12 - 0.5) * 2;
	double d = sqrt(dx * dx + dy * dy) / sqrt(2.0);

	if (m == SPOT)
		return d < 0.2 ? 1.0 : 0.0;
	if (m == MATRIX)
		return 1.0;
	return d < 0.3 ? 4.0 : d < 0.6 ? 2.0 : 1.0;
}

static double weighted(double zsum[12][16], enum metering m, double zone_area)
{
	double ysum = 0, wsum = 0;

	for (unsigned zy = 0; zy < 12; zy++)
		for (unsigned zx = 0; zx < 16; zx++) {
			ysum += zone_weight(m, zx, zy) * zsum[zy][zx] / zone_area;
			wsum += zone_weight(m, zx, zy);
		}
	return ysum / wsum;
}

static void measure(struct session *s, struct ph_request *req, struct frame *f)
{
	const struct ph_stream_config *sc = ph_stream_get_config(s->stream);
	const uint8_t *p = ph_buffer_map(ph_request_find_buffer(req, s->stream), 0);
	const struct ph_control_list *md = ph_request_get_metadata(req);
	static double lin[256];
	double zsum[12][16] = {{0}};
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
	double area = (double)(sc->width / 16) * (sc->height / 12);

	f->y = weighted(zsum, CENTRE, area);
	f->y_spot = weighted(zsum, SPOT, area);
	f->y_matrix = weighted(zsum, MATRIX, area);
	for (unsigned i = 0; i < 24; i++) {
		uint32_t r[4];
		double c[3] = {0}, n = 0;

		assert_int_equal(ph_sim_chart_patch(s->scene, i, r), 0);
		for (uint32_t y = r[1] + r[3] / 4; y < r[1] + r[3] * 3 / 4; y++)
			for (uint32_t x = r[0] + r[2] / 4; x < r[0] + r[2] * 3 / 4; x++, n++)
				for (unsigned k = 0; k < 3; k++)
					c[k] += lin[p[(size_t)y * sc->stride + 3 * x + k]];
		for (unsigned k = 0; k < 3; k++)
			f->patch[i][k] = c[k] / n;
	}
	for (unsigned g = 0; g < 4; g++) {
		f->grey[g][0] = f->patch[19 + g][0] / f->patch[19 + g][1];
		f->grey[g][1] = f->patch[19 + g][2] / f->patch[19 + g][1];
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
typedef void (*received_fn)(struct session *s, unsigned k);

/*
 * Capture @total frames in order; @prepare sets the controls of request k;
 * @received (may be NULL) runs after frame k was measured.
 */
static void run_hooked(struct session *s, unsigned total, const struct ph_control_list *start,
		       prepare_fn prepare, received_fn received, struct frame *out)
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

		measure(s, req, &out[done]);
		if (received)
			received(s, done);
		done++;
		if (queued < total) {
			assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
			if (prepare)
				prepare(ph_request_get_controls(req), queued);
			assert_int_equal(ph_camera_queue_request(s->cam, req), 0);
			queued++;
		}
	}
}

static void run(struct session *s, unsigned total, const struct ph_control_list *start,
		prepare_fn prepare, struct frame *out)
{
	run_hooked(s, total, start, prepare, NULL, out);
}

#define AE_FRAMES 200
#define TARGET	  0.18

/*
 * Frames until the output stays within 5% of the target, counted in frames
 * delivered: AE steps once per frame of statistics, and a frame the machine
 * dropped (a loaded CI host, a sanitizer build at 100 fps) gave it none.
 */
static int converged_at(const struct frame *f, unsigned n)
{
	int at = -1;

	for (unsigned k = 0; k < n; k++) {
		if (fabs(f[k].y / TARGET - 1.0) > 0.05)
			at = -1;
		else if (at < 0)
			at = (int)k;
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

/* Mean of the last @n frames' luminance (@which: CENTRE, SPOT or MATRIX weights). */
static double settled(const struct frame *f, unsigned total, unsigned n, enum metering which)
{
	double sum = 0;

	for (unsigned k = total - n; k < total; k++)
		sum += which == SPOT ? f[k].y_spot : which == MATRIX ? f[k].y_matrix : f[k].y;
	return sum / n;
}

static double settled_exposure(const struct frame *f, unsigned total, unsigned n)
{
	double sum = 0;

	for (unsigned k = total - n; k < total; k++)
		sum += f[k].exposure_us * (double)f[k].gain;
	return sum / n;
}

/*
 * Flicker: with AeFlickerMode 1 AE's exposure is a whole number of flicker
 * periods (to a line) once it is at least one period, and gain makes up the
 * rest; without it the same scene gets an exposure that is not.
 */
static void flicker_case(int mode, int period, struct frame *f, unsigned n)
{
	struct ph_control_list *start = ph_control_list_new();
	struct session s;

	assert_non_null(start);
	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_AE_FLICKER_MODE, mode), 0);
	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_AE_FLICKER_PERIOD, period), 0);
	/* 30 fps: exposure up to 33 ms; 250 lux wants about 15 ms. */
	session_open(&s, "width=320,height=240,frame-rate=30,max-frame-rate=100,object-speed=0,"
			 "lux=250");
	run(&s, n, start, NULL, f);
	session_close(&s);
	ph_control_list_free(start);
}

static void test_flicker(void **state)
{
	enum {
		N = 40
	};
	static struct frame f[N];
	const int periods[2] = {10000, 8333};	  /* 50 Hz, 60 Hz mains */
	const double line = 10000.0 / (240 + 20); /* the mode's line time */
	double off;

	flicker_case(0, 10000, f, N);
	off = fmod(f[N - 1].exposure_us, 10000.0);
	printf("# flicker off: exposure %d us x gain %.3f\n", f[N - 1].exposure_us, f[N - 1].gain);
	/* The scene is chosen so that AE alone lands between multiples. */
	assert_true(f[N - 1].exposure_us > 10000 && off > 2 * line && off < 10000 - 2 * line);
	for (unsigned i = 0; i < 2; i++) {
		int p = periods[i];

		flicker_case(1, p, f, N);
		printf("# flicker %d us: exposure %d us x gain %.3f, luminance %.3f\n", p,
		       f[N - 1].exposure_us, f[N - 1].gain, f[N - 1].y);
		for (unsigned k = 20; k < N; k++) {
			double m = f[k].exposure_us / (double)p;

			assert_true(f[k].exposure_us >= p - line);
			if (fabs(m - round(m)) * p > line)
				fail_msg("period %d: frame %u exposure %d us is not a multiple", p,
					 k, f[k].exposure_us);
			assert_true(f[k].gain > 1.05f); /* gain made up the rest */
		}
		assert_true(fabs(settled(f, N, 10, CENTRE) / TARGET - 1) < 0.05);
	}
}

/* ExposureValue: +1 EV doubles the converged luminance, -1 halves it (flat grey scene). */
static void test_ev(void **state)
{
	enum {
		N = 40
	};
	static struct frame f[N];
	const float evs[3] = {0.0f, 1.0f, -1.0f};
	double y[3];

	for (unsigned i = 0; i < 3; i++) {
		struct ph_control_list *start = ph_control_list_new();
		struct session s;

		assert_non_null(start);
		assert_int_equal(
			ph_control_list_set_float(start, PH_CONTROL_EXPOSURE_VALUE, evs[i]), 0);
		session_open(&s, BASE ",scene=flat,vignetting=0");
		run(&s, N, start, NULL, f);
		session_close(&s);
		ph_control_list_free(start);
		y[i] = settled(f, N, 10, CENTRE);
	}
	printf("# EV 0 / +1 / -1: converged luminance %.4f / %.4f / %.4f (ratios %.3f, %.3f)\n",
	       y[0], y[1], y[2], y[1] / y[0], y[2] / y[0]);
	assert_true(fabs(y[0] / TARGET - 1) < 0.05);
	assert_true(fabs(y[1] / y[0] / 2 - 1) < 0.05);
	assert_true(fabs(y[2] / y[0] / 0.5 - 1) < 0.05);
}

static void test_ev_metadata(void **state)
{
	struct ph_control_list *start = ph_control_list_new();
	struct session s;
	struct ph_request *req;
	float ev = 0;
	int32_t m = -1;

	assert_non_null(start);
	assert_int_equal(ph_control_list_set_float(start, PH_CONTROL_EXPOSURE_VALUE, 0.5f), 0);
	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_AE_METERING_MODE, SPOT), 0);
	session_open(&s, BASE);
	assert_int_equal(ph_camera_start(s.cam, start), 0);
	assert_int_equal(ph_camera_queue_request(s.cam, s.reqs[0]), 0);
	req = wait_request(s.ctx);
	assert_int_equal(ph_control_list_get_float(ph_request_get_metadata(req),
						   PH_CONTROL_EXPOSURE_VALUE, &ev),
			 0);
	assert_int_equal(ph_control_list_get_int32(ph_request_get_metadata(req),
						   PH_CONTROL_AE_METERING_MODE, &m),
			 0);
	assert_true(ev == 0.5f);
	assert_int_equal(m, SPOT);
	session_close(&s);
	ph_control_list_free(start);
}

/*
 * Metering: a flat grey scene behind strong vignetting is bright in the
 * middle and dark in the corners. Spot meters the middle, matrix the whole
 * frame: each converges its own measure to the target, and matrix needs
 * more exposure than spot, centre-weighted lies between.
 */
static void test_metering(void **state)
{
	enum {
		N = 40
	};
	static struct frame f[N];
	const enum metering modes[3] = {SPOT, CENTRE, MATRIX};
	const char *names[3] = {"spot", "centre-weighted", "matrix"};
	double total[3];

	for (unsigned i = 0; i < 3; i++) {
		struct ph_control_list *start = ph_control_list_new();
		struct session s;
		double y;

		assert_non_null(start);
		assert_int_equal(
			ph_control_list_set_int32(start, PH_CONTROL_AE_METERING_MODE, modes[i]), 0);
		session_open(&s, BASE ",scene=flat,vignetting=0.7");
		run(&s, N, start, NULL, f);
		session_close(&s);
		ph_control_list_free(start);
		y = settled(f, N, 10, modes[i]);
		total[i] = settled_exposure(f, N, 10);
		printf("# metering %s: exposure x gain %.0f us, its own measure %.4f; spot %.4f, "
		       "matrix %.4f\n",
		       names[i], total[i], y, settled(f, N, 10, SPOT), settled(f, N, 10, MATRIX));
		assert_true(fabs(y / TARGET - 1) < 0.05);
	}
	assert_true(total[2] > 1.3 * total[0]);
	assert_true(total[1] > total[0] && total[1] < total[2]);
}

/* A sudden change of 2 stops (400 -> 100 -> 400 lux) re-converges within 10 frames. */
static void change_lux(struct session *s, unsigned k)
{
	if (k == 40)
		assert_int_equal(ph_virtual_set_scene_lux(s->cam, 100.0f), 0);
	if (k == 80)
		assert_int_equal(ph_virtual_set_scene_lux(s->cam, 400.0f), 0);
}

static void test_scene_change(void **state)
{
	enum {
		N = 120
	};
	static struct frame f[N];
	const unsigned changes[2] = {40, 80};
	struct session s;

	assert_int_equal(ph_virtual_set_scene_lux(NULL, 100.0f), -EINVAL);
	session_open(&s, BASE);
	run_hooked(&s, N, NULL, NULL, change_lux, f);
	session_close(&s);
	for (unsigned i = 0; i < 2; i++) {
		unsigned c = changes[i], end = i ? N : changes[1] + 1, landed = 0;
		int at = -1;

		assert_true(fabs(f[c].y / TARGET - 1) < 0.05); /* converged before */
		/* The first frame rendered with the new light: off by far more than 5%. */
		for (unsigned k = c + 1; k < end && !landed; k++)
			if (fabs(f[k].y / TARGET - 1) > 0.5)
				landed = k;
		assert_true(landed > 0 && landed <= c + 4);
		for (unsigned k = landed; k < end; k++) {
			if (fabs(f[k].y / TARGET - 1) > 0.05)
				at = -1;
			else if (at < 0)
				at = (int)k;
		}
		/* Counted in frames delivered, as converged_at() says why. */
		printf("# AE after a 2-stop change to %s at frame %u: luminance %.3f, within 5%% "
		       "again %d frames later (%d sensor frames)\n",
		       i ? "400 lux" : "100 lux", f[landed].sequence, f[landed].y,
		       at < 0 ? -1 : at - (int)landed,
		       at < 0 ? -1 : (int)(f[at].sequence - f[landed].sequence));
		assert_true(at > 0 && at - (int)landed <= 10);
	}
}

/* ---- colour: CIEDE2000 (Sharma, Wu, Dalal 2005) ---- */

static double deg(double rad)
{
	double d = rad * 180.0 / M_PI;

	return d < 0 ? d + 360.0 : d;
}

static double ciede2000(const double lab1[3], const double lab2[3])
{
	double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2], L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
	double C1 = hypot(a1, b1), C2 = hypot(a2, b2), Cm = (C1 + C2) / 2;
	double Cm7 = pow(Cm, 7), G = 0.5 * (1 - sqrt(Cm7 / (Cm7 + pow(25.0, 7))));
	double a1p = (1 + G) * a1, a2p = (1 + G) * a2;
	double C1p = hypot(a1p, b1), C2p = hypot(a2p, b2);
	double h1p = (a1p == 0 && b1 == 0) ? 0 : deg(atan2(b1, a1p));
	double h2p = (a2p == 0 && b2 == 0) ? 0 : deg(atan2(b2, a2p));
	double dLp = L2 - L1, dCp = C2p - C1p, dhp, dHp, Lmp, Cmp, hmp, T, dtheta, Rc, SL, SC, SH,
	       RT;

	if (C1p * C2p == 0)
		dhp = 0;
	else if (fabs(h2p - h1p) <= 180)
		dhp = h2p - h1p;
	else if (h2p - h1p > 180)
		dhp = h2p - h1p - 360;
	else
		dhp = h2p - h1p + 360;
	dHp = 2 * sqrt(C1p * C2p) * sin(dhp / 2 * M_PI / 180);
	Lmp = (L1 + L2) / 2;
	Cmp = (C1p + C2p) / 2;
	if (C1p * C2p == 0)
		hmp = h1p + h2p;
	else if (fabs(h1p - h2p) <= 180)
		hmp = (h1p + h2p) / 2;
	else if (h1p + h2p < 360)
		hmp = (h1p + h2p + 360) / 2;
	else
		hmp = (h1p + h2p - 360) / 2;
	T = 1 - 0.17 * cos((hmp - 30) * M_PI / 180) + 0.24 * cos(2 * hmp * M_PI / 180) +
	    0.32 * cos((3 * hmp + 6) * M_PI / 180) - 0.20 * cos((4 * hmp - 63) * M_PI / 180);
	dtheta = 30 * exp(-pow((hmp - 275) / 25, 2));
	Rc = 2 * sqrt(pow(Cmp, 7) / (pow(Cmp, 7) + pow(25.0, 7)));
	SL = 1 + 0.015 * pow(Lmp - 50, 2) / sqrt(20 + pow(Lmp - 50, 2));
	SC = 1 + 0.045 * Cmp;
	SH = 1 + 0.015 * Cmp * T;
	RT = -sin(2 * dtheta * M_PI / 180) * Rc;
	return sqrt(pow(dLp / SL, 2) + pow(dCp / SC, 2) + pow(dHp / SH, 2) +
		    RT * (dCp / SC) * (dHp / SH));
}

/* Linear sRGB (D65) to CIELAB, D65 white. */
static void linear_to_lab(const double rgb[3], double lab[3])
{
	static const double m[3][3] = {{0.4124564, 0.3575761, 0.1804375},
				       {0.2126729, 0.7151522, 0.0721750},
				       {0.0193339, 0.1191920, 0.9503041}};
	static const double white[3] = {0.95047, 1.0, 1.08883};
	double f[3];

	for (unsigned i = 0; i < 3; i++) {
		double t = (m[i][0] * rgb[0] + m[i][1] * rgb[1] + m[i][2] * rgb[2]) / white[i];

		f[i] = t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116;
	}
	lab[0] = 116 * f[1] - 16;
	lab[1] = 500 * (f[0] - f[1]);
	lab[2] = 200 * (f[1] - f[2]);
}

/* The implementation against pairs of the paper's published test data. */
static void test_ciede2000_reference(void **state)
{
	static const struct {
		double lab1[3], lab2[3], de;
	} pairs[] = {
		{{50.0, 2.6772, -79.7751}, {50.0, 0.0, -82.7485}, 2.0425},
		{{50.0, 0.0, 0.0}, {50.0, -1.0, 2.0}, 2.3669},
		{{50.0, 2.5, 0.0}, {73.0, 25.0, -18.0}, 27.1492},
		{{60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}, 1.2644},
	};

	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		double de = ciede2000(pairs[i].lab1, pairs[i].lab2);

		if (fabs(de - pairs[i].de) > 1e-4)
			fail_msg("pair %u: %.4f, published %.4f", i, de, pairs[i].de);
		assert_true(fabs(ciede2000(pairs[i].lab2, pairs[i].lab1) - de) < 1e-9);
	}
}

/* The chart's published sRGB values (the simulator's reference, sim.c). */
static const uint8_t chart_srgb[24][3] = {
	{115, 82, 68},	 {194, 150, 130}, {98, 122, 157}, {87, 108, 67},   {133, 128, 177},
	{103, 189, 170}, {214, 126, 44},  {80, 91, 166},  {193, 90, 99},   {94, 60, 108},
	{157, 188, 64},	 {224, 163, 46},  {56, 61, 150},  {70, 148, 73},   {175, 54, 60},
	{231, 199, 31},	 {187, 86, 149},  {8, 133, 161},  {243, 243, 242}, {200, 200, 200},
	{160, 160, 160}, {122, 122, 121}, {85, 85, 85},	  {52, 52, 52},
};

/*
 * CIEDE2000 of the 24 patches of the ISP's output (converged AE and AWB,
 * CCM and gamma from the tuning) against their published values. Exposure
 * is normalised on the neutral patches 19..22 (AE aims the frame's mean,
 * not the chart's white at 243), as usual for chart measurements.
 */
static void chart_delta_e(const char *env, double *mean, double *max, unsigned *worst)
{
	enum {
		N = 30,
		AVG = 5
	};
	static struct frame f[N];
	double meas[24][3] = {{0}}, ref[24][3], ymeas = 0, yref = 0, sum = 0;
	struct session s;

	session_open(&s, env);
	run(&s, N, NULL, NULL, f);
	session_close(&s);
	for (unsigned i = 0; i < 24; i++)
		for (unsigned k = 0; k < 3; k++) {
			for (unsigned j = N - AVG; j < N; j++)
				meas[i][k] += f[j].patch[i][k] / AVG;
			ref[i][k] = srgb_to_linear(chart_srgb[i][k]);
		}
	for (unsigned i = 19; i < 23; i++) {
		ymeas += 0.2126729 * meas[i][0] + 0.7151522 * meas[i][1] + 0.072175 * meas[i][2];
		yref += 0.2126729 * ref[i][0] + 0.7151522 * ref[i][1] + 0.072175 * ref[i][2];
	}
	*max = 0;
	for (unsigned i = 0; i < 24; i++) {
		double lab1[3], lab2[3], de;

		for (unsigned k = 0; k < 3; k++)
			meas[i][k] *= yref / ymeas;
		linear_to_lab(meas[i], lab1);
		linear_to_lab(ref[i], lab2);
		de = ciede2000(lab1, lab2);
		sum += de;
		if (de > *max) {
			*max = de;
			*worst = i;
		}
	}
	*mean = sum / 24;
}

static void test_colour(void **state)
{
	double mean, max;
	unsigned worst = 0;

	/* No lens shading correction yet: measure colour without vignetting. */
	chart_delta_e(BASE ",vignetting=0", &mean, &max, &worst);
	printf("# chart CIEDE2000 after CCM and gamma (vignetting 0): mean %.2f, max %.2f "
	       "(patch %u)\n",
	       mean, max, worst);
	assert_true(mean < 5.0);
	chart_delta_e(BASE, &mean, &max, &worst);
	printf("# chart CIEDE2000 with the default vignetting 0.4 (uncorrected): mean %.2f, "
	       "max %.2f (patch %u)\n",
	       mean, max, worst);
}

/*
 * Per-frame control: a manual ExposureTime set in the request that gets
 * frame N is written while N is read out and lands on frame N + 2 (the
 * sensor's exposure delay), AnalogueGain on N + 1; each frame's metadata
 * says what it was really taken with, which the image confirms.
 */
static void prepare_per_frame(struct ph_control_list *c, unsigned k)
{
	if (k == 10)
		assert_int_equal(ph_control_list_set_int32(c, PH_CONTROL_EXPOSURE_TIME, 4000), 0);
	if (k == 20)
		assert_int_equal(ph_control_list_set_float(c, PH_CONTROL_ANALOGUE_GAIN, 2.0f), 0);
}

static void test_per_frame(void **state)
{
	enum {
		N = 30
	};
	static struct frame f[N];
	struct ph_control_list *start = ph_control_list_new();
	const double line = 10000.0 / (240 + 20);
	struct session s;
	double ref;

	assert_non_null(start);
	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_EXPOSURE_TIME, 8000), 0);
	assert_int_equal(ph_control_list_set_float(start, PH_CONTROL_ANALOGUE_GAIN, 1.0f), 0);
	session_open(&s, BASE);
	run(&s, N, start, prepare_per_frame, f);
	session_close(&s);
	ph_control_list_free(start);
	ref = f[5].y / (f[5].exposure_us * (double)f[5].gain);
	for (unsigned k = 0; k < N; k++) {
		bool exp_new = f[k].sequence >= f[10].sequence + 2;
		bool gain_new = f[k].sequence >= f[20].sequence + 1;
		double r = f[k].y / (f[k].exposure_us * (double)f[k].gain);

		assert_false(f[k].ae);
		assert_true(fabs(f[k].exposure_us - (exp_new ? 4000.0 : 8000.0)) < line);
		assert_true(f[k].gain == (gain_new ? 2.0f : 1.0f));
		/* The image agrees with the metadata, on the transition frames too. */
		if (fabs(r / ref - 1) > 0.03)
			fail_msg("frame %u: luminance %.4f does not match %d us x %.2f", k, f[k].y,
				 f[k].exposure_us, f[k].gain);
	}
	printf("# per-frame: ExposureTime from request %u landed on frame %u, AnalogueGain from "
	       "request %u on frame %u\n",
	       f[10].sequence, f[12].sequence, f[20].sequence, f[21].sequence);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ae_under),     cmocka_unit_test(test_ae_over),
		cmocka_unit_test(test_awb),	     cmocka_unit_test(test_manual),
		cmocka_unit_test(test_no_module),    cmocka_unit_test(test_cpu_cost),
		cmocka_unit_test(test_flicker),	     cmocka_unit_test(test_ev),
		cmocka_unit_test(test_ev_metadata),  cmocka_unit_test(test_metering),
		cmocka_unit_test(test_scene_change), cmocka_unit_test(test_ciede2000_reference),
		cmocka_unit_test(test_colour),	     cmocka_unit_test(test_per_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
