/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated camera end to end: frame clock and sequence numbers,
 * control delays, clamping, exposure and gain against the raw levels,
 * saturation, black level, frame duration limits, its configuration (file
 * and environment) and unplugging it while it streams.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/internal.h"
#include "pipeline/virtual/sim.h"
#include "test-util.h"

#define MAX_REQUESTS 8

/* ---- helpers ---- */

static struct ph_context *new_context(const char *env, const char *file)
{
	struct ph_context_params params = {
		.size = sizeof(params),
		.log_handler = log_handler,
		.log_priority = PH_LOG_WARNING,
		.virtual_config = file,
	};

	if (env)
		setenv("PINHOLE_VIRTUAL", env, 1);
	else
		unsetenv("PINHOLE_VIRTUAL");
	unsetenv("PINHOLE_VIRTUAL_CONFIG");
	unsetenv("PINHOLE_LOG_LEVEL");
	log_reset();
	return ph_context_new(&params);
}

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

/* One camera, one stream, requests cycling through its buffers. */
struct session {
	struct ph_context *ctx;
	struct ph_camera *cam;
	struct ph_stream *stream;
	struct ph_request *reqs[MAX_REQUESTS];
	unsigned nreqs;
};

static void session_open(struct session *s, const char *env, enum ph_stream_role role,
			 unsigned nreqs, const struct ph_control_list *start)
{
	struct ph_config *config;
	struct ph_event *ev;

	memset(s, 0, sizeof(*s));
	s->ctx = new_context(env, NULL);
	assert_non_null(s->ctx);
	s->cam = ph_context_get_camera(s->ctx, "virtual:0");
	assert_non_null(s->cam);
	while ((ev = ph_context_next_event(s->ctx)))
		ph_event_free(ev);
	assert_int_equal(ph_camera_acquire(s->cam), 0);
	config = ph_camera_generate_config(s->cam, &role, 1);
	assert_non_null(config);
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	assert_int_equal(ph_camera_configure(s->cam, config), 0);
	ph_config_free(config);
	s->stream = ph_camera_stream_at(s->cam, 0);
	assert_int_equal(ph_stream_allocate_buffers(s->stream, nreqs), (int)nreqs);
	s->nreqs = nreqs;
	for (unsigned i = 0; i < nreqs; i++) {
		s->reqs[i] = ph_camera_create_request(s->cam, i);
		assert_non_null(s->reqs[i]);
		assert_int_equal(ph_request_add_buffer(s->reqs[i], s->stream,
						       ph_stream_buffer_at(s->stream, i)),
				 0);
	}
	assert_int_equal(ph_camera_start(s->cam, start), 0);
}

static void session_close(struct session *s)
{
	struct ph_event *ev;

	if (ph_camera_stop(s->cam) == 0) {
		while ((ev = ph_context_next_event(s->ctx)))
			ph_event_free(ev);
	}
	for (unsigned i = 0; i < s->nreqs; i++)
		assert_int_equal(ph_request_free(s->reqs[i]), 0);
	assert_int_equal(ph_camera_release(s->cam), 0);
	ph_context_unref(s->ctx);
}

/* What one completed request reported. */
struct frame {
	uint32_t sequence;
	uint64_t timestamp;   /* buffer */
	int64_t md_timestamp; /* metadata */
	int64_t duration_us;
	int32_t exposure_us;
	float gain;
	int32_t black[4];
	double mean; /* raw, in DN, when rendered unpacked */
	uint32_t min, max;
};

/* Statistics of an unpacked 16-bit raw frame. */
static void raw_stats(struct ph_buffer *buf, const struct ph_stream_config *sc, struct frame *f)
{
	const uint8_t *p = ph_buffer_map(buf, 0);
	uint64_t sum = 0;

	assert_non_null(p);
	f->min = UINT32_MAX;
	f->max = 0;
	for (uint32_t y = 0; y < sc->height; y++) {
		const uint16_t *row = (const uint16_t *)(p + (size_t)y * sc->stride);

		for (uint32_t x = 0; x < sc->width; x++) {
			uint32_t v = row[x];

			sum += v;
			f->min = v < f->min ? v : f->min;
			f->max = v > f->max ? v : f->max;
		}
	}
	f->mean = (double)sum / ((double)sc->width * sc->height);
}

typedef void (*prepare_fn)(struct ph_control_list *controls, unsigned k);

/*
 * Capture @total frames, queueing requests in order k = 0, 1, ... through
 * the session's requests (whose cookie is their slot); @prepare sets the
 * controls of request k. @out[k] gets what request k reported.
 */
static void capture(struct session *s, unsigned total, prepare_fn prepare, bool stats,
		    struct frame *out)
{
	const struct ph_stream_config *sc = ph_stream_get_config(s->stream);
	bool unpacked =
		ph_format_is_raw(sc->pixel_format) && !ph_format_get_info(sc->pixel_format)->packed;
	unsigned queued = 0, done = 0, slot_k[MAX_REQUESTS];

	for (; queued < s->nreqs && queued < total; queued++) {
		struct ph_request *req = s->reqs[queued];

		assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
		if (prepare)
			prepare(ph_request_get_controls(req), queued);
		slot_k[queued] = queued;
		assert_int_equal(ph_camera_queue_request(s->cam, req), 0);
	}
	while (done < total) {
		struct ph_request *req = wait_request(s->ctx);
		const struct ph_control_list *md = ph_request_get_metadata(req);
		struct ph_buffer *buf = ph_request_find_buffer(req, s->stream);
		unsigned slot = (unsigned)ph_request_get_cookie(req);
		unsigned k = slot_k[slot];
		struct frame *f = &out[k];
		struct ph_control_value v;

		assert_int_equal(k, done); /* in order */
		assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
		assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_SUCCESS);
		f->sequence = ph_request_get_sequence(req);
		f->timestamp = ph_buffer_get_timestamp(buf);
		assert_int_equal(ph_control_list_get_int64(md, PH_CONTROL_SENSOR_TIMESTAMP,
							   &f->md_timestamp),
				 0);
		assert_int_equal(
			ph_control_list_get_int64(md, PH_CONTROL_FRAME_DURATION, &f->duration_us),
			0);
		assert_int_equal(
			ph_control_list_get_int32(md, PH_CONTROL_EXPOSURE_TIME, &f->exposure_us),
			0);
		assert_int_equal(ph_control_list_get_float(md, PH_CONTROL_ANALOGUE_GAIN, &f->gain),
				 0);
		assert_int_equal(ph_control_list_get(md, PH_CONTROL_SENSOR_BLACK_LEVELS, &v), 0);
		assert_int_equal(v.count, 4);
		memcpy(f->black, v.i32, sizeof(f->black));
		if (stats && unpacked)
			raw_stats(buf, sc, f);
		done++;
		if (queued < total) {
			assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
			if (prepare)
				prepare(ph_request_get_controls(req), queued);
			slot_k[slot] = queued;
			assert_int_equal(ph_camera_queue_request(s->cam, req), 0);
			queued++;
		}
	}
}

static void assert_consecutive(const struct frame *f, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		if (f[i].sequence != f[i - 1].sequence + 1)
			fail_msg("frame %u has sequence %u after %u: dropped frames", i,
				 f[i].sequence, f[i - 1].sequence);
}

/* |a - b| <= tol * |b| */
static void assert_near(double a, double b, double tol, const char *what)
{
	double d = a - b;

	if ((d < 0 ? -d : d) > tol * (b < 0 ? -b : b))
		fail_msg("%s: %g is not within %g%% of %g", what, a, tol * 100, b);
}

/* ---- tests ---- */

/* 300 frames at 200 fps: none dropped, timestamps follow the frame durations. */
static void test_frame_clock(void **state)
{
	enum {
		N = 300
	};
	static struct frame f[N];
	struct session s;

	session_open(&s, "width=320,height=240,frame-rate=200,max-frame-rate=200,render=false",
		     PH_ROLE_RAW, MAX_REQUESTS, NULL);
	capture(&s, N, NULL, false, f);
	assert_consecutive(f, N);
	for (unsigned i = 0; i < N; i++) {
		assert_true(f[i].timestamp == (uint64_t)f[i].md_timestamp);
		assert_near((double)f[i].duration_us, 5000, 0.10, "FrameDuration");
		if (i == 0)
			continue;
		assert_true(f[i].timestamp > f[i - 1].timestamp);
		assert_near((double)(f[i].timestamp - f[i - 1].timestamp),
			    (double)f[i - 1].duration_us * 1000.0, 0.10, "frame interval");
		assert_near((double)(f[i].timestamp - f[i - 1].timestamp), 5e6, 0.10,
			    "frame interval vs configured");
	}
	/* Timestamps are CLOCK_MONOTONIC, and the frames are in the past. */
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		assert_true(f[N - 1].timestamp <
			    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	}
	session_close(&s);
}

#define FLAT                                                                                       \
	"width=160,height=120,frame-rate=30,max-frame-rate=60,scene=flat,noise=false,"             \
	"vignetting=0,lux=2000"

static void prepare_delays(struct ph_control_list *c, unsigned k)
{
	if (k == 4)
		assert_int_equal(ph_control_list_set_int32(c, PH_CONTROL_EXPOSURE_TIME, 4000), 0);
	if (k == 10)
		assert_int_equal(ph_control_list_set_float(c, PH_CONTROL_ANALOGUE_GAIN, 2.0f), 0);
}

/* Exposure takes effect two frames after the request, gain one; the raw level follows. */
static void test_control_delays(void **state)
{
	enum {
		N = 16
	};
	struct frame f[N];
	struct ph_control_list *start = ph_control_list_new();
	struct session s;
	double black = 64;

	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_EXPOSURE_TIME, 2000), 0);
	assert_int_equal(ph_control_list_set_float(start, PH_CONTROL_ANALOGUE_GAIN, 1.0f), 0);
	session_open(&s, FLAT, PH_ROLE_RAW, 4, start);
	ph_control_list_free(start);
	capture(&s, N, prepare_delays, true, f);
	session_close(&s);
	assert_consecutive(f, N);

	/* Start controls: in effect from the first frame. */
	assert_near(f[0].exposure_us, 2000, 0.07, "first exposure");
	assert_true(f[0].gain == 1.0f);
	for (unsigned k = 0; k < N; k++) {
		assert_true(f[k].max < 1023); /* nothing clips: levels are linear */
		assert_int_equal(f[k].black[0], 64 << 6);
	}

	/* Exposure set in request 4 (frame f[4].sequence) appears two frames later. */
	for (unsigned k = 0; k < 6; k++)
		assert_int_equal(f[k].exposure_us, f[0].exposure_us);
	for (unsigned k = 6; k < N; k++)
		assert_near(f[k].exposure_us, 4000, 0.07, "new exposure");
	assert_near((double)f[6].exposure_us / f[5].exposure_us, 2.0, 0.05, "exposure ratio");
	/* The raw level follows the frame's own exposure: doubled, less black. */
	assert_near(f[4].mean, f[0].mean, 0.01, "level before the exposure change");
	assert_near(f[5].mean, f[0].mean, 0.01, "level one frame after the request");
	assert_near((f[6].mean - black) / (f[5].mean - black),
		    (double)f[6].exposure_us / f[5].exposure_us, 0.10, "level ratio (exposure)");
	assert_near((f[6].mean - black) / (f[5].mean - black), 2.0, 0.10,
		    "level ratio (exposure) vs 2");

	/* Gain set in request 10 appears one frame later. */
	for (unsigned k = 0; k < 11; k++)
		assert_true(f[k].gain == 1.0f);
	for (unsigned k = 11; k < N; k++)
		assert_true(f[k].gain == 2.0f);
	assert_near(f[10].mean, f[9].mean, 0.01, "level before the gain change");
	assert_near((f[11].mean - black) / (f[10].mean - black), 2.0, 0.10, "level ratio (gain)");
	assert_near(f[15].mean, f[11].mean, 0.01, "level after the gain change");
}

static void prepare_clamp(struct ph_control_list *c, unsigned k)
{
	if (k == 2) {
		assert_int_equal(ph_control_list_set_int32(c, PH_CONTROL_EXPOSURE_TIME, 10000000),
				 0);
		assert_int_equal(ph_control_list_set_float(c, PH_CONTROL_ANALOGUE_GAIN, 100.0f), 0);
	}
	if (k == 6) {
		assert_int_equal(ph_control_list_set_int32(c, PH_CONTROL_EXPOSURE_TIME, -5), 0);
		assert_int_equal(ph_control_list_set_float(c, PH_CONTROL_ANALOGUE_GAIN, 0.1f), 0);
	}
}

/* Out-of-range values are clamped, and the metadata reports what was applied. */
static void test_clamp(void **state)
{
	enum {
		N = 10
	};
	struct frame f[N];
	struct session s;
	const struct ph_control_info *exp, *gain;
	float gmax, gmin;
	int32_t emax, emin;

	session_open(&s, FLAT ",render=false", PH_ROLE_RAW, 4, NULL);
	exp = ph_camera_find_control(s.cam, PH_CONTROL_EXPOSURE_TIME);
	gain = ph_camera_find_control(s.cam, PH_CONTROL_ANALOGUE_GAIN);
	assert_non_null(exp);
	assert_non_null(gain);
	gmax = gain->max.f[0];
	gmin = gain->min.f[0];
	emax = exp->max.i32[0];
	emin = exp->min.i32[0];
	assert_true(gmax < 100.0f && gmin > 0.1f);
	assert_true(emax < 10000000 && emin > -5);
	capture(&s, N, prepare_clamp, false, f);
	session_close(&s);
	assert_consecutive(f, N);

	/* Request 2: gain clamped to its maximum from frame 3, exposure from frame 4. */
	assert_true(f[2].gain == 1.0f);
	assert_true(f[3].gain == gmax);
	assert_true(f[4].exposure_us <= emax);
	/* As long as the frame allows: the longest exposure a frame of this length takes. */
	assert_true(f[4].exposure_us <= f[4].duration_us);
	assert_true(f[4].exposure_us >= f[4].duration_us * 9 / 10);
	assert_true(f[4].exposure_us > f[3].exposure_us);
	/* Request 6: to the minimums. */
	assert_true(f[7].gain == gmin);
	assert_true(f[8].exposure_us >= emin);
	assert_true(f[8].exposure_us > 0 && f[8].exposure_us < 200); /* one line */
}

static void saturate(const char *env, unsigned bits, bool packed)
{
	struct ph_control_list *start = ph_control_list_new();
	struct session s;
	struct frame f[2];
	const struct ph_stream_config *sc;
	const struct ph_format_info *info;

	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_EXPOSURE_TIME, 30000), 0);
	assert_int_equal(ph_control_list_set_float(start, PH_CONTROL_ANALOGUE_GAIN, 16.0f), 0);
	session_open(&s, env, PH_ROLE_RAW, 2, start);
	ph_control_list_free(start);
	sc = ph_stream_get_config(s.stream);
	info = ph_format_get_info(sc->pixel_format);
	assert_non_null(info);
	assert_int_equal(info->bit_depth, bits);
	assert_int_equal(info->packed, packed);
	capture(&s, 2, NULL, true, f);
	if (!packed) {
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(f[k].min, (1u << bits) - 1);
			assert_int_equal(f[k].max, (1u << bits) - 1);
		}
	} else {
		/* Every pixel at full scale: every byte of packed data is 0xff. */
		const uint8_t *p = ph_buffer_map(ph_stream_buffer_at(s.stream, 0), 0);
		uint32_t row_bytes = sc->width * bits / 8;

		for (uint32_t y = 0; y < sc->height; y++)
			for (uint32_t x = 0; x < row_bytes; x++)
				if (p[(size_t)y * sc->stride + x] != 0xff)
					fail_msg("byte %u of row %u is 0x%02x", x, y,
						 p[(size_t)y * sc->stride + x]);
	}
	session_close(&s);
}

/* At a huge exposure x gain, raw clips at exactly 2^bits - 1, noise or not. */
static void test_saturation(void **state)
{
	saturate("width=160,height=120,frame-rate=30,max-frame-rate=60,scene=flat", 10, false);
	saturate("width=160,height=120,frame-rate=30,max-frame-rate=60,scene=flat,bit-depth=12", 12,
		 false);
	saturate("width=160,height=120,frame-rate=30,max-frame-rate=60,scene=flat,bit-depth=12,"
		 "packed=true",
		 12, true);
	saturate("width=160,height=120,frame-rate=30,max-frame-rate=60,scene=flat,packed=true", 10,
		 true);
}

static void black_level(const char *env, unsigned bits, uint32_t black)
{
	struct ph_control_list *start = ph_control_list_new();
	struct session s;
	struct frame f[2];

	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_EXPOSURE_TIME, 10), 0);
	session_open(&s, env, PH_ROLE_RAW, 2, start);
	ph_control_list_free(start);
	capture(&s, 2, NULL, true, f);
	session_close(&s);
	for (unsigned k = 0; k < 2; k++) {
		assert_near(f[k].mean, black, 0.002, "black level");
		assert_int_equal(f[k].min, black);
		for (unsigned c = 0; c < 4; c++)
			assert_int_equal(f[k].black[c], (int32_t)(black << (16 - bits)));
	}
}

/* With (almost) no light the raw mean is the black level, which metadata reports on 16 bits. */
static void test_black_level(void **state)
{
	black_level("width=160,height=120,scene=flat,noise=false,lux=0.01,black-level=100", 10,
		    100);
	black_level("width=160,height=120,scene=flat,noise=false,lux=0.01,bit-depth=12,"
		    "black-level=256",
		    12, 256);
	black_level("width=160,height=120,scene=flat,noise=false,lux=0.01,black-level=0", 10, 0);
}

static void prepare_fdl(struct ph_control_list *c, unsigned k)
{
	if (k == 8)
		assert_int_equal(ph_control_list_set_int64_array(c,
								 PH_CONTROL_FRAME_DURATION_LIMITS,
								 (const int64_t[]){5000, 5000}, 2),
				 0);
}

/* FrameDurationLimits sets the frame interval, from the next frame on. */
static void test_frame_duration_limits(void **state)
{
	enum {
		N = 24
	};
	struct frame f[N];
	struct ph_control_list *start = ph_control_list_new();
	struct session s;

	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_EXPOSURE_TIME, 2000), 0);
	assert_int_equal(ph_control_list_set_int64_array(start, PH_CONTROL_FRAME_DURATION_LIMITS,
							 (const int64_t[]){20000, 20000}, 2),
			 0);
	session_open(&s, "width=160,height=120,frame-rate=100,max-frame-rate=200,render=false",
		     PH_ROLE_RAW, 6, start);
	ph_control_list_free(start);
	capture(&s, N, prepare_fdl, false, f);
	session_close(&s);
	assert_consecutive(f, N);

	for (unsigned k = 0; k + 1 < N; k++) {
		double interval = (double)(f[k + 1].timestamp - f[k].timestamp);
		double expected = k <= 8 ? 20e6 : 5e6;

		assert_near(interval, expected, 0.10, "frame interval");
		assert_near(interval, (double)f[k].duration_us * 1000.0, 0.10,
			    "frame interval vs FrameDuration");
	}
	assert_near((double)f[N - 1].duration_us, 5000, 0.10, "last FrameDuration");

	/* Limits below what the sensor can do are clamped to it (200 fps = 5 ms). */
	start = ph_control_list_new();
	assert_int_equal(ph_control_list_set_int64_array(start, PH_CONTROL_FRAME_DURATION_LIMITS,
							 (const int64_t[]){100, 100}, 2),
			 0);
	assert_int_equal(ph_control_list_set_int32(start, PH_CONTROL_EXPOSURE_TIME, 1000), 0);
	session_open(&s, "width=160,height=120,frame-rate=100,max-frame-rate=200,render=false",
		     PH_ROLE_RAW, 6, start);
	ph_control_list_free(start);
	capture(&s, 6, NULL, false, f);
	session_close(&s);
	for (unsigned k = 0; k + 1 < 6; k++)
		assert_near((double)(f[k + 1].timestamp - f[k].timestamp), 5e6, 0.10,
			    "clamped frame interval");
}

/* A context whose virtual camera configuration was rejected: no camera, still working. */
static void expect_no_camera(struct ph_context *ctx)
{
	assert_non_null(ctx);
	assert_int_equal(ph_context_camera_count(ctx), 0);
	assert_null(ph_context_get_camera(ctx, "virtual:0"));
	assert_null(ph_context_next_event(ctx));
	assert_true(ph_context_get_fd(ctx) >= 0);
	assert_int_equal(ph_context_dispatch(ctx), 0);
	expect_log("not created");
	ph_context_unref(ctx);
}

static char *write_file(const char *text)
{
	char *path = strdup("/tmp/pinhole-test-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_bad_config(void **state)
{
	struct ph_context *ctx;
	struct ph_control_value v;
	char *path, expect[512];

	/* The environment. */
	ctx = new_context("width=320,bogus=1", NULL);
	expect_log("PINHOLE_VIRTUAL:1: unknown key 'bogus'");
	expect_no_camera(ctx);
	ctx = new_context("width=abc", NULL);
	expect_log("key 'width': invalid value 'abc'");
	expect_no_camera(ctx);
	ctx = new_context("width=320,height=7", NULL);
	expect_log("key 'height': invalid value '7'");
	expect_no_camera(ctx);
	ctx = new_context("width", NULL);
	expect_log("'width' is not key=value");
	expect_no_camera(ctx);

	/* A malformed YAML file: the file and the line. */
	path = write_file("width: 320\nheight: 240\nscene: \"flat\n");
	ctx = new_context(NULL, path);
	snprintf(expect, sizeof(expect), "%s:", path);
	expect_log(expect);
	expect_log("YAML error");
	expect_no_camera(ctx);
	unlink(path);
	free(path);

	/* An unknown key on line 3. */
	path = write_file("# comment\nwidth: 320\nfoo: 1\n");
	ctx = new_context(NULL, path);
	snprintf(expect, sizeof(expect), "%s:3: unknown key 'foo'", path);
	expect_log(expect);
	expect_no_camera(ctx);
	unlink(path);
	free(path);

	/* A bad value on line 2. */
	path = write_file("width: 320\nbit-depth: 14\n");
	ctx = new_context(NULL, path);
	snprintf(expect, sizeof(expect), "%s:2: key 'bit-depth': invalid value '14'", path);
	expect_log(expect);
	expect_no_camera(ctx);
	unlink(path);
	free(path);

	/* Nested mappings and lists. */
	path = write_file("width: 320\nsensor:\n  height: 240\n");
	ctx = new_context(NULL, path);
	snprintf(expect, sizeof(expect), "%s:3", path);
	expect_log(expect);
	expect_log("nested");
	expect_no_camera(ctx);
	unlink(path);
	free(path);
	path = write_file("width: [1, 2]\n");
	ctx = new_context(NULL, path);
	expect_log("lists are not allowed");
	expect_no_camera(ctx);
	unlink(path);
	free(path);

	/* A file that is not there. */
	ctx = new_context(NULL, "/nonexistent/pinhole.yaml");
	expect_log("/nonexistent/pinhole.yaml");
	expect_no_camera(ctx);

	/* A good file, and the environment over it. */
	path = write_file("# the simulated sensor\nwidth: 128\nheight: 96\nmodel: test-model\n");
	ctx = new_context(NULL, path);
	assert_non_null(ctx);
	assert_int_equal(log_errors, 0);
	assert_int_equal(ph_context_camera_count(ctx), 1);
	assert_int_equal(ph_control_list_get(ph_camera_get_properties(ph_context_camera_at(ctx, 0)),
					     PH_PROPERTY_PIXEL_ARRAY_SIZE, &v),
			 0);
	assert_int_equal(v.i32[0], 128);
	assert_int_equal(v.i32[1], 96);
	assert_string_equal(
		ph_control_list_get_string(ph_camera_get_properties(ph_context_camera_at(ctx, 0)),
					   PH_PROPERTY_MODEL),
		"test-model");
	ph_context_unref(ctx);
	ctx = new_context("width=256", path);
	assert_int_equal(ph_context_camera_count(ctx), 1);
	assert_int_equal(ph_control_list_get(ph_camera_get_properties(ph_context_camera_at(ctx, 0)),
					     PH_PROPERTY_PIXEL_ARRAY_SIZE, &v),
			 0);
	assert_int_equal(v.i32[0], 256);
	assert_int_equal(v.i32[1], 96);
	ph_context_unref(ctx);
	unlink(path);
	free(path);
	unsetenv("PINHOLE_VIRTUAL");
}

/* Unplug while streaming: pending requests cancelled, then CAMERA_REMOVED; nothing leaks. */
static void test_unplug_streaming(void **state)
{
	unsigned fds = count_fds();
	struct session s;
	struct ph_camera *cam;
	struct ph_event *ev;
	unsigned completed = 0, cancelled = 0;
	bool removed = false;

	session_open(&s, "width=160,height=120,frame-rate=100,max-frame-rate=100", PH_ROLE_RAW, 4,
		     NULL);
	cam = ph_camera_ref(s.cam);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ph_camera_queue_request(cam, s.reqs[i]), 0);
	/* Two frames, requeued. */
	for (unsigned i = 0; i < 2; i++) {
		struct ph_request *req = wait_request(s.ctx);

		assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
		assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
		assert_int_equal(ph_camera_queue_request(cam, req), 0);
	}

	ph_camera_remove(cam);
	/* Everything is queued by now: completions, cancellations, then the removal. */
	while ((ev = ph_context_next_event(s.ctx))) {
		assert_false(removed);
		if (ph_event_get_type(ev) == PH_EVENT_CAMERA_REMOVED) {
			assert_ptr_equal(ph_event_get_camera(ev), cam);
			removed = true;
		} else {
			struct ph_request *req = ph_event_get_request(ev);

			assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
			if (ph_request_get_status(req) == PH_REQUEST_CANCELLED) {
				cancelled++;
				assert_int_equal(
					ph_buffer_get_status(ph_request_find_buffer(req, s.stream)),
					PH_BUFFER_CANCELLED);
			} else {
				assert_int_equal(cancelled, 0); /* completions come first */
				completed++;
			}
		}
		ph_event_free(ev);
	}
	assert_true(removed);
	assert_int_equal(completed + cancelled, 4);
	assert_true(cancelled >= 1);
	for (unsigned i = 0; i < 4; i++)
		assert_int_not_equal(ph_request_get_status(s.reqs[i]), PH_REQUEST_PENDING);

	/* Later calls fail. */
	assert_int_equal(ph_camera_queue_request(cam, s.reqs[0]), -ENODEV);
	assert_int_equal(ph_camera_stop(cam), -ENODEV);
	assert_int_equal(ph_camera_start(cam, NULL), -ENODEV);
	assert_int_equal(ph_camera_release(cam), -ENODEV);
	assert_int_equal(ph_camera_acquire(cam), -ENODEV);
	assert_null(ph_camera_create_request(cam, 0));
	assert_int_equal(ph_stream_allocate_buffers(s.stream, 1), -ENODEV);
	/* The frame clock is gone: nothing more arrives. */
	usleep(50000);
	assert_int_equal(ph_context_dispatch(s.ctx), 0);
	assert_null(ph_context_next_event(s.ctx));
	assert_int_equal(ph_context_camera_count(s.ctx), 0);

	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ph_request_free(s.reqs[i]), 0);
	ph_camera_unref(cam);
	ph_context_unref(s.ctx);
	assert_int_equal(count_fds(), fds);
}

/* disconnect-after=N: the camera unplugs itself after N frames, as a USB camera pulled out. */
static void test_disconnect_after(void **state)
{
	struct session s;
	struct ph_camera *cam;
	struct ph_event *ev;
	unsigned completed = 0, cancelled = 0, refused = 0;
	uint32_t last_sequence = 0;
	bool removed = false;

	session_open(&s,
		     "width=160,height=120,frame-rate=100,max-frame-rate=100,disconnect-after=6",
		     PH_ROLE_RAW, 3, NULL);
	cam = ph_camera_ref(s.cam);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ph_camera_queue_request(cam, s.reqs[i]), 0);
	/* Requeue every completed request until the camera goes away. */
	while (!removed && (ev = wait_event(s.ctx, TIMEOUT_MS))) {
		if (ph_event_get_type(ev) == PH_EVENT_CAMERA_REMOVED) {
			assert_ptr_equal(ph_event_get_camera(ev), cam);
			removed = true;
		} else {
			struct ph_request *req = ph_event_get_request(ev);

			assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
			if (ph_request_get_status(req) == PH_REQUEST_CANCELLED) {
				cancelled++;
			} else {
				assert_int_equal(cancelled, 0);
				last_sequence = ph_request_get_sequence(req);
				completed++;
				assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS),
						 0);
				/* The last completions may be handed out after the unplug. */
				int ret = ph_camera_queue_request(cam, req);

				if (ret == -ENODEV)
					refused++;
				else
					assert_int_equal(ret, 0);
			}
		}
		ph_event_free(ev);
	}
	assert_true(removed);
	/* Frames 0 to 5 were taken (a late dispatch may drop some), none after. */
	assert_true(completed >= 1 && completed <= 6);
	assert_true(last_sequence <= 5);
	/* Each request was either pending, and cancelled, or handed back after the unplug. */
	assert_int_equal(cancelled + refused, 3);
	assert_true(ph_camera_is_removed(cam));
	assert_int_equal(ph_camera_queue_request(cam, s.reqs[0]), -ENODEV);
	assert_int_equal(ph_context_camera_count(s.ctx), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ph_request_free(s.reqs[i]), 0);
	ph_camera_unref(cam);
	ph_context_unref(s.ctx);
}

/* Processed formats render into allocated buffers; NV12 has its chroma plane too. */
static void test_processed_formats(void **state)
{
	static const uint32_t formats[] = {PH_FORMAT_RGB888, PH_FORMAT_BGR888, PH_FORMAT_YUYV,
					   PH_FORMAT_NV12};

	for (unsigned i = 0; i < 4; i++) {
		struct ph_context *ctx = new_context("width=160,height=120,frame-rate=100,"
						     "max-frame-rate=100",
						     NULL);
		struct ph_camera *cam = ph_context_get_camera(ctx, "0");
		enum ph_stream_role role = PH_ROLE_VIDEO;
		struct ph_config *config = ph_camera_generate_config(cam, &role, 1);
		struct ph_stream *stream;
		struct ph_request *req;
		struct ph_buffer *buf;
		struct ph_event *ev;

		assert_int_equal(ph_camera_acquire(cam), 0);
		ph_config_stream_at(config, 0)->pixel_format = formats[i];
		ph_config_stream_at(config, 0)->stride = 0;
		assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
		assert_int_equal(ph_camera_configure(cam, config), 0);
		ph_config_free(config);
		stream = ph_camera_stream_at(cam, 0);
		assert_int_equal(ph_stream_allocate_buffers(stream, 1), 1);
		buf = ph_stream_buffer_at(stream, 0);
		req = ph_camera_create_request(cam, 0);
		assert_int_equal(ph_request_add_buffer(req, stream, buf), 0);
		assert_int_equal(ph_camera_start(cam, NULL), 0);
		assert_int_equal(ph_camera_queue_request(cam, req), 0);
		while ((ev = ph_context_next_event(ctx)))
			ph_event_free(ev);
		assert_ptr_equal(wait_request(ctx), req);
		assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_SUCCESS);
		for (unsigned p = 0; p < ph_buffer_plane_count(buf); p++) {
			const struct ph_plane *plane = ph_buffer_plane_at(buf, p);
			const uint8_t *data = ph_buffer_map(buf, p);
			bool yuv = formats[i] == PH_FORMAT_NV12 || formats[i] == PH_FORMAT_YUYV;
			uint32_t row_bytes = formats[i] == PH_FORMAT_YUYV ? 2 * 160 : 160;
			uint64_t sum = 0;

			assert_non_null(data);
			for (uint32_t b = 0; b < plane->length; b++) {
				sum += data[b];
				/* Limited range: every Y, Cb and Cr sample is 16 or more. */
				if (yuv && b % plane->stride < row_bytes && data[b] < 16)
					fail_msg("%s plane %u byte %u (of %u) is %u: not rendered",
						 ph_format_name(formats[i]), p, b, plane->length,
						 data[b]);
			}
			assert_true(sum > 0);
		}
		assert_int_equal(ph_camera_release(cam), 0);
		assert_int_equal(ph_request_free(req), 0);
		ph_context_unref(ctx);
	}
}

/*
 * Every processed stream goes raw -> ISP; the direct renderer of the sensor
 * model is the oracle. With noise off, the ISP's picture of the chart must
 * match the oracle's: patch by patch within a few levels, and over the
 * whole frame on average (edges differ by the demosaic).
 */
static void test_isp_matches_oracle(void **state)
{
	struct session s;
	struct ph_request *req;
	struct ph_buffer *buf;
	const struct ph_control_list *md;
	struct ph_sim_params params;
	struct ph_sim_scene *scene;
	struct ph_sim_frame frame = {0};
	const struct ph_stream_config *sc;
	const uint8_t *isp;
	uint8_t *oracle;
	float gains[2];
	int64_t ts;
	int32_t exposure;
	float gain;
	double total = 0;

	session_open(
		&s,
		"width=320,height=240,noise=false,object-speed=0,frame-rate=100,max-frame-rate=100",
		PH_ROLE_VIEWFINDER, 2, NULL);
	sc = ph_stream_get_config(s.stream);
	assert_int_equal(sc->pixel_format, PH_FORMAT_RGB888);
	assert_int_equal(ph_camera_queue_request(s.cam, s.reqs[0]), 0);
	req = wait_request(s.ctx);
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
	buf = ph_request_find_buffer(req, s.stream);
	isp = ph_buffer_map(buf, 0);
	assert_non_null(isp);

	md = ph_request_get_metadata(req);
	assert_int_equal(ph_control_list_get_int64(md, PH_CONTROL_SENSOR_TIMESTAMP, &ts), 0);
	assert_int_equal(ph_control_list_get_int32(md, PH_CONTROL_EXPOSURE_TIME, &exposure), 0);
	assert_int_equal(ph_control_list_get_float(md, PH_CONTROL_ANALOGUE_GAIN, &gain), 0);
	ph_sim_params_default(&params);
	params.width = 320;
	params.height = 240;
	params.noise = false;
	params.object_speed = 0; /* the disc's edges would only measure the demosaic */
	scene = ph_sim_scene_new(&params);
	assert_non_null(scene);
	ph_sim_ideal_colour_gains(scene, gains);
	frame.exposure_us = exposure;
	frame.gain = gain;
	frame.timestamp_ns = (uint64_t)ts;
	frame.sequence = ph_request_get_sequence(req);
	oracle = malloc((size_t)sc->stride * sc->height);
	assert_non_null(oracle);
	assert_int_equal(ph_sim_render_processed(scene, &frame, gains, PH_FORMAT_RGB888, sc->width,
						 sc->height, oracle, sc->stride, NULL),
			 0);

	for (unsigned i = 0; i < 24; i++) {
		uint32_t r[4];
		double sum[3] = {0}, ref[3] = {0};
		unsigned n = 0;

		assert_int_equal(ph_sim_chart_patch(scene, i, r), 0);
		/* The inner half of the patch: away from demosaic edges. */
		for (uint32_t y = r[1] + r[3] / 4; y < r[1] + r[3] * 3 / 4; y++)
			for (uint32_t x = r[0] + r[2] / 4; x < r[0] + r[2] * 3 / 4; x++, n++)
				for (unsigned c = 0; c < 3; c++) {
					sum[c] += isp[(size_t)y * sc->stride + 3 * x + c];
					ref[c] += oracle[(size_t)y * sc->stride + 3 * x + c];
				}
		for (unsigned c = 0; c < 3; c++)
			if (fabs(sum[c] - ref[c]) / n > 3.0)
				fail_msg("patch %u channel %u: ISP %.1f, oracle %.1f", i, c,
					 sum[c] / n, ref[c] / n);
	}
	for (uint32_t y = 0; y < sc->height; y++)
		for (uint32_t x = 0; x < 3 * sc->width; x++)
			total += abs((int)isp[(size_t)y * sc->stride + x] -
				     (int)oracle[(size_t)y * sc->stride + x]);
	total /= 3.0 * sc->width * sc->height;
	if (total > 2.0)
		fail_msg("mean absolute difference %.2f levels", total);

	free(oracle);
	ph_sim_scene_free(scene);
	session_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_clock),
		cmocka_unit_test(test_control_delays),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_black_level),
		cmocka_unit_test(test_frame_duration_limits),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_unplug_streaming),
		cmocka_unit_test(test_disconnect_after),
		/* Last: NV12 crashes if the renderer overruns its mapping. */
		cmocka_unit_test(test_processed_formats),
		cmocka_unit_test(test_isp_matches_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
