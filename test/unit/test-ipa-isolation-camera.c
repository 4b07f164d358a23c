/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IPA isolation on the simulated camera: the simple module forced isolated
 * gives every frame the same metadata as in-process; with the misbehaving
 * test module (crash, hang, malformed reply, sandbox escape) the stream
 * goes on: every request completes, no sequence number is skipped, every
 * frame's picture is as bright as the one before (the last good ISP
 * parameters stayed in force), PH_EVENT_IPA_ERROR names the camera and
 * the fault, and the module's metadata comes back after the restart.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/pinhole.h>

#include "test-util.h"

#define NREQ	    6
#define W	    160
#define H	    120
#define FRAMES	    70
#define FAULT_FRAME 20

struct session {
	struct ph_context *ctx;
	struct ph_camera *cam;
	struct ph_stream *stream;
	struct ph_request *reqs[NREQ];
};

static void session_open(struct session *s)
{
	struct ph_context_params params = {
		.size = sizeof(params), .log_handler = log_handler, .log_priority = PH_LOG_WARNING};
	enum ph_stream_role role = PH_ROLE_VIEWFINDER;
	struct ph_config *config;
	struct ph_event *ev;

	memset(s, 0, sizeof(*s));
	/* 15 fps: time for a busy machine to requeue every request before its frame. */
	setenv("PINHOLE_VIRTUAL", "width=320,height=240,object-speed=0,frame-rate=15", 1);
	unsetenv("PINHOLE_VIRTUAL_CONFIG");
	unsetenv("PINHOLE_TUNING_FILE");
	log_reset();
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
	ph_config_stream_at(config, 0)->pixel_format = PH_FORMAT_RGB888;
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
}

struct frame {
	uint32_t sequence;
	double mean; /* of the RGB output */
	bool has_lux;
	float lux, gains[2];
	int32_t exposure_us, ct;
	float gain;
	float ccm[9];
};

struct run {
	struct frame f[FRAMES];
	unsigned ipa_errors;
	char message[512];
};

static void measure(struct session *s, struct ph_request *req, struct frame *f)
{
	const struct ph_stream_config *sc = ph_stream_get_config(s->stream);
	const uint8_t *p = ph_buffer_map(ph_request_find_buffer(req, s->stream), 0);
	const struct ph_control_list *md = ph_request_get_metadata(req);
	struct ph_control_value v;
	double sum = 0;

	assert_non_null(p);
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
	for (uint32_t y = 0; y < sc->height; y++)
		for (uint32_t x = 0; x < sc->width * 3; x++)
			sum += p[(size_t)y * sc->stride + x];
	memset(f, 0, sizeof(*f));
	f->mean = sum / (sc->width * 3.0 * sc->height);
	f->sequence = ph_request_get_sequence(req);
	f->has_lux = ph_control_list_get_float(md, PH_CONTROL_LUX, &f->lux) == 0;
	ph_control_list_get_int32(md, PH_CONTROL_EXPOSURE_TIME, &f->exposure_us);
	ph_control_list_get_float(md, PH_CONTROL_ANALOGUE_GAIN, &f->gain);
	ph_control_list_get_int32(md, PH_CONTROL_COLOUR_TEMPERATURE, &f->ct);
	if (ph_control_list_get(md, PH_CONTROL_COLOUR_GAINS, &v) == 0)
		memcpy(f->gains, v.f, sizeof(f->gains));
	if (ph_control_list_get(md, PH_CONTROL_COLOUR_CORRECTION_MATRIX, &v) == 0)
		memcpy(f->ccm, v.f, sizeof(f->ccm));
}

static void capture(struct run *out)
{
	struct session s;
	unsigned queued = 0, done = 0;

	memset(out, 0, sizeof(*out));
	session_open(&s);
	assert_int_equal(ph_camera_start(s.cam, NULL), 0);
	for (; queued < NREQ; queued++)
		assert_int_equal(ph_camera_queue_request(s.cam, s.reqs[queued]), 0);
	while (done < FRAMES) {
		struct ph_event *ev = wait_event(s.ctx, TIMEOUT_MS);
		struct ph_request *req;

		assert_non_null(ev);
		if (ph_event_get_type(ev) == PH_EVENT_IPA_ERROR) {
			out->ipa_errors++;
			assert_ptr_equal(ph_event_get_camera(ev), s.cam);
			assert_true(ph_event_get_error(ev) < 0);
			snprintf(out->message, sizeof(out->message), "%s",
				 ph_event_get_message(ev));
			ph_event_free(ev);
			continue;
		}
		assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
		req = ph_event_get_request(ev);
		ph_event_free(ev);
		measure(&s, req, &out->f[done++]);
		assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
		assert_int_equal(ph_camera_queue_request(s.cam, req), 0);
		queued++;
	}
	session_close(&s);
}

static void assert_close(double a, double b, const char *what, unsigned k)
{
	if (fabs(a - b) > 1e-4 * fmax(1.0, fabs(a)))
		fail_msg("frame %u: %s %.9g in-process, %.9g isolated", k, what, a, b);
}

/* The simple module: the same 3A on every frame, isolated or not. */
static void test_same_metadata(void **state)
{
	static struct run in, iso;
	unsigned changes = 0;

	unsetenv("PINHOLE_IPA_PATH");
	/* Equality is tested here, not timing: a loaded machine must not fail it. */
	setenv("PINHOLE_IPA_TIMEOUT_MS", "2000", 1);
	/* 3 stops over under tungsten light: 3A has something to converge on. */
	setenv("PINHOLE_VIRTUAL", "", 1);
	/* A frame dropped for want of CPU (no request queued in time) changes what 3A saw:
	 * compare a pair of runs without any, the first of up to 3. */
	for (unsigned attempt = 0; attempt < 3; attempt++) {
		unsetenv("PINHOLE_IPA_FORCE_ISOLATION");
		capture(&in);
		setenv("PINHOLE_IPA_FORCE_ISOLATION", "1", 1);
		capture(&iso);
		unsetenv("PINHOLE_IPA_FORCE_ISOLATION");
		if (in.f[FRAMES - 1].sequence == FRAMES - 1 &&
		    iso.f[FRAMES - 1].sequence == FRAMES - 1)
			break;
		print_message("a frame was dropped (machine busy): capturing again\n");
	}
	unsetenv("PINHOLE_IPA_TIMEOUT_MS");
	assert_int_equal(in.ipa_errors, 0);
	assert_int_equal(iso.ipa_errors, 0);
	for (unsigned k = 0; k < FRAMES; k++) {
		const struct frame *a = &in.f[k], *b = &iso.f[k];

		assert_int_equal(a->sequence, k);
		assert_int_equal(b->sequence, k);
		assert_true(a->has_lux && b->has_lux);
		assert_int_equal(a->exposure_us, b->exposure_us);
		assert_close(a->gain, b->gain, "gain", k);
		assert_close(a->lux, b->lux, "lux", k);
		assert_int_equal(a->ct, b->ct);
		assert_close(a->gains[0], b->gains[0], "red gain", k);
		assert_close(a->gains[1], b->gains[1], "blue gain", k);
		for (unsigned i = 0; i < 9; i++)
			assert_close(a->ccm[i], b->ccm[i], "ccm", k);
		assert_close(a->mean, b->mean, "picture mean", k);
		if (k && a->exposure_us != in.f[k - 1].exposure_us)
			changes++;
	}
	assert_true(changes > 0); /* AE worked, on both */
}

static void fault_case(const char *fault, const char *why)
{
	static struct run r;
	unsigned missing = 0, last_missing = 0, lost = 0;

	setenv("PINHOLE_IPA_PATH", FAULTY_MODULE_DIR, 1);
	setenv("PINHOLE_TEST_IPA_FAULT", fault, 1);
	setenv("PINHOLE_TEST_IPA_FAULT_FRAME", "20", 1);
	/* The default deadline (25 ms, within a frame) for the hang; elsewhere one that a
	 * busy machine cannot miss by accident. */
	if (strcmp(fault, "hang"))
		setenv("PINHOLE_IPA_TIMEOUT_MS", "1000", 1);
	else
		unsetenv("PINHOLE_IPA_TIMEOUT_MS");
	capture(&r);
	unsetenv("PINHOLE_IPA_TIMEOUT_MS");
	unsetenv("PINHOLE_IPA_PATH");
	unsetenv("PINHOLE_TEST_IPA_FAULT");
	unsetenv("PINHOLE_TEST_IPA_FAULT_FRAME");

	assert_int_equal(r.ipa_errors, 1);
	if (!strstr(r.message, why))
		fail_msg("'%s': event '%s' lacks '%s'", fault, r.message, why);
	for (unsigned k = 0; k < FRAMES; k++) {
		const struct frame *f = &r.f[k];

		/* Frames lost: at most one (the affected one), though none is expected. */
		if (k)
			lost += f->sequence - r.f[k - 1].sequence - 1;
		/* None corrupted: the same parameters, the same static scene. */
		if (k)
			assert_true(fabs(f->mean - r.f[k - 1].mean) < 2.0);
		if (f->has_lux) {
			assert_true(f->lux == (float)f->sequence);
		} else {
			missing++;
			last_missing = f->sequence;
		}
		if (f->sequence < FAULT_FRAME)
			assert_true(f->has_lux);
	}
	assert_int_equal(r.f[0].sequence, 0);
	assert_true(lost <= 1);
	/* Without the module's metadata from the fault until the restart (a 50 ms back-off,
	 * a few ms to restart; generous bounds for sanitizers and a busy machine), then back. */
	assert_true(missing >= 1 && missing <= 10);
	assert_true(last_missing >= FAULT_FRAME && last_missing < FAULT_FRAME + 10);
	print_message("%-8s %u frames without IPA metadata, %u lost: %s\n", fault, missing, lost,
		      r.message);
}

static void test_crash(void **state)
{
	fault_case("crash", "failed");
}

static void test_hang(void **state)
{
	fault_case("hang", "no answer to 'prepare' within 25 ms");
}

static void test_malformed(void **state)
{
	fault_case("bad-count", "malformed message");
}

static void test_sandbox(void **state)
{
	fault_case("video", "stopped by the sandbox");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_metadata), cmocka_unit_test(test_crash),
		cmocka_unit_test(test_hang),	      cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sandbox),
	};

	(void)wait_request; /* of test-util.h */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
