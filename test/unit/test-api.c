/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public API on the simulated camera: the camera state machine and
 * every call made out of order, configuration validation, requests and
 * buffers (allocated and imported), several streams, unplug, hotplug
 * events, camera lookup, and NULL arguments everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/internal.h"
#include "test-util.h"

/* ---- helpers ---- */

static void set_env(void)
{
	setenv("PINHOLE_VIRTUAL", "width=320,height=240,frame-rate=100,max-frame-rate=100", 1);
	unsetenv("PINHOLE_VIRTUAL_CONFIG");
	unsetenv("PINHOLE_LOG_LEVEL");
}

static struct ph_context *new_context(uint32_t flags)
{
	struct ph_context_params params = {
		.size = sizeof(params),
		.log_handler = log_handler,
		.log_priority = PH_LOG_WARNING,
		.flags = flags,
	};

	set_env();
	return ph_context_new(&params);
}

struct fixture {
	struct ph_context *ctx;
	struct ph_camera *cam;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ph_event *ev;

	log_reset();
	fx->ctx = new_context(0);
	assert_non_null(fx->ctx);
	fx->cam = ph_context_get_camera(fx->ctx, "virtual:0");
	assert_non_null(fx->cam);
	while ((ev = ph_context_next_event(fx->ctx)))
		ph_event_free(ev);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	struct ph_event *ev;

	while ((ev = ph_context_next_event(fx->ctx)))
		ph_event_free(ev);
	ph_context_unref(fx->ctx);
	free(fx);
	return 0;
}

/* Generate, validate and apply a configuration of @count roles; @return it (caller frees). */
static struct ph_config *configure(struct ph_camera *cam, const enum ph_stream_role *roles,
				   unsigned count)
{
	struct ph_config *config = ph_camera_generate_config(cam, roles, count);

	assert_non_null(config);
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	assert_int_equal(ph_camera_configure(cam, config), 0);
	return config;
}

static void configure_one(struct ph_camera *cam, enum ph_stream_role role)
{
	ph_config_free(configure(cam, &role, 1));
}

/* A request holding buffer @index of every stream. */
static struct ph_request *make_request(struct ph_camera *cam, unsigned index, uint64_t cookie)
{
	struct ph_request *req = ph_camera_create_request(cam, cookie);

	assert_non_null(req);
	for (unsigned s = 0; s < ph_camera_stream_count(cam); s++) {
		struct ph_stream *stream = ph_camera_stream_at(cam, s);

		assert_int_equal(
			ph_request_add_buffer(req, stream, ph_stream_buffer_at(stream, index)), 0);
	}
	return req;
}

static void allocate_all(struct ph_camera *cam, unsigned count)
{
	for (unsigned s = 0; s < ph_camera_stream_count(cam); s++)
		assert_int_equal(ph_stream_allocate_buffers(ph_camera_stream_at(cam, s), count),
				 (int)count);
}

/* ---- tests ---- */

static void test_context_params(void **state)
{
	struct ph_context_params params = {.size = 3, .log_handler = log_handler};
	struct ph_context_interface iface = {.size = sizeof(iface)};
	struct ph_context *ctx;
	unsigned major, minor, patch;

	set_env();
	/* Unknown sizes: too small to hold the size field's neighbours, or from the future. */
	assert_null(ph_context_new(&params));
	params.size = sizeof(params) + 8;
	assert_null(ph_context_new(&params));
	params.size = 0;
	assert_null(ph_context_new(&params));

	/* An incomplete device open interface. */
	log_reset();
	params.size = sizeof(params);
	params.interface = &iface;
	assert_null(ph_context_new(&params));
	expect_log_consume("interface");

	/* NULL params: defaults. */
	ctx = ph_context_new(NULL);
	assert_non_null(ctx);
	assert_int_equal(ph_context_camera_count(ctx), 1);
	assert_ptr_equal(ph_context_ref(ctx), ctx);
	assert_null(ph_context_unref(ctx));
	assert_int_equal(ph_context_camera_count(ctx), 1); /* still referenced once */
	assert_null(ph_context_unref(ctx));

	/* The smallest known size: only the size field. */
	params = (struct ph_context_params){.size = offsetof(struct ph_context_params, interface)};
	ctx = ph_context_new(&params);
	assert_non_null(ctx);
	ph_context_unref(ctx);

	assert_non_null(ph_version());
	assert_int_equal(sscanf(ph_version(), "%u.%u.%u", &major, &minor, &patch), 3);

	/* Log priority. */
	ctx = new_context(PH_CONTEXT_NO_VIRTUAL);
	assert_int_equal(ph_context_get_log_priority(ctx), PH_LOG_WARNING);
	ph_context_set_log_priority(ctx, PH_LOG_DEBUG);
	assert_int_equal(ph_context_get_log_priority(ctx), PH_LOG_DEBUG);
	ph_context_unref(ctx);
}

static void test_hotplug_events(void **state)
{
	struct ph_context *ctx;
	struct ph_event *ev;
	struct ph_camera *cam;

	/* Without the virtual camera: nothing at all, but a working context. */
	ctx = new_context(PH_CONTEXT_NO_VIRTUAL);
	assert_non_null(ctx);
	assert_int_equal(ph_context_camera_count(ctx), 0);
	assert_null(ph_context_camera_at(ctx, 0));
	assert_null(ph_context_get_camera(ctx, "0"));
	assert_null(ph_context_next_event(ctx));
	assert_true(ph_context_get_fd(ctx) >= 0);
	assert_int_equal(ph_context_dispatch(ctx), 0);
	ph_context_unref(ctx);

	/* With it: one CAMERA_ADDED, queued at creation. */
	ctx = new_context(0);
	assert_non_null(ctx);
	assert_int_equal(ph_context_camera_count(ctx), 1);
	cam = ph_context_camera_at(ctx, 0);
	assert_non_null(cam);
	assert_string_equal(ph_camera_get_id(cam), "virtual:0");
	ev = ph_context_next_event(ctx);
	assert_non_null(ev);
	assert_int_equal(ph_event_get_type(ev), PH_EVENT_CAMERA_ADDED);
	assert_ptr_equal(ph_event_get_camera(ev), cam);
	assert_null(ph_event_get_request(ev));
	assert_int_equal(ph_event_get_error(ev), 0);
	assert_non_null(strstr(ph_event_get_message(ev), "virtual:0"));
	ph_event_free(ev);
	assert_null(ph_context_next_event(ctx));
	assert_false(ph_camera_is_removed(cam));

	/* Lookup by id, unique prefix, index. */
	assert_ptr_equal(ph_context_get_camera(ctx, "virtual:0"), cam);
	assert_ptr_equal(ph_context_get_camera(ctx, "virtual"), cam);
	assert_ptr_equal(ph_context_get_camera(ctx, "virt"), cam);
	assert_ptr_equal(ph_context_get_camera(ctx, "0"), cam);
	assert_null(ph_context_get_camera(ctx, "1"));
	assert_null(ph_context_get_camera(ctx, "virtual:1"));
	assert_null(ph_context_get_camera(ctx, "virtual:0x"));
	assert_null(ph_context_get_camera(ctx, "uvc"));
	assert_null(ph_context_get_camera(ctx, ""));
	assert_null(ph_context_get_camera(ctx, "-1"));
	assert_null(ph_context_get_camera(ctx, NULL));
	assert_null(ph_context_get_camera(NULL, "0"));
	ph_context_unref(ctx);
}

static void test_properties_and_controls(void **state)
{
	struct fixture *fx = *state;
	const struct ph_control_list *props = ph_camera_get_properties(fx->cam);
	struct ph_control_value v;
	const struct ph_control_info *info;

	assert_non_null(props);
	assert_non_null(ph_control_list_get_string(props, PH_PROPERTY_MODEL));
	assert_int_equal(ph_control_list_get(props, PH_PROPERTY_PIXEL_ARRAY_SIZE, &v), 0);
	assert_int_equal(v.i32[0], 320);
	assert_int_equal(v.i32[1], 240);

	assert_true(ph_camera_control_count(fx->cam) > 0);
	for (unsigned i = 0; i < ph_camera_control_count(fx->cam); i++) {
		info = ph_camera_control_at(fx->cam, i);
		assert_non_null(info);
		assert_ptr_equal(ph_camera_find_control(fx->cam, info->desc->id), info);
	}
	assert_null(ph_camera_control_at(fx->cam, ph_camera_control_count(fx->cam)));
	assert_null(ph_camera_find_control(fx->cam, PH_CONTROL_COLOUR_CORRECTION_MATRIX));
	info = ph_camera_find_control(fx->cam, PH_CONTROL_EXPOSURE_TIME);
	assert_non_null(info);
	assert_true(info->min.i32[0] <= info->def.i32[0] && info->def.i32[0] <= info->max.i32[0]);
}

/* Format every control's range and default, parse it back: the same value. */
static void test_control_value_round_trip(void **state)
{
	struct fixture *fx = *state;

	for (unsigned i = 0; i < ph_camera_control_count(fx->cam); i++) {
		const struct ph_control_info *info = ph_camera_control_at(fx->cam, i);
		const struct ph_control_value *vals[] = {&info->min, &info->max, &info->def};

		for (unsigned k = 0; k < 3; k++) {
			struct ph_control_value back;
			char text[512];

			assert_true(ph_control_value_format(vals[k], text, sizeof(text)) > 0);
			if (ph_control_value_parse(info->desc->id, text, &back) != 0)
				fail_msg("%s: cannot parse back '%s'", info->desc->name, text);
			assert_int_equal(back.type, vals[k]->type);
			assert_int_equal(back.count, vals[k]->count);
			if (back.type != PH_CONTROL_TYPE_FLOAT) {
				assert_memory_equal(
					&back.i64, &vals[k]->i64,
					back.count * (back.type == PH_CONTROL_TYPE_INT64   ? 8
						      : back.type == PH_CONTROL_TYPE_INT32 ? 4
											   : 1));
			} else {
				for (unsigned e = 0; e < back.count; e++) {
					double a = back.f[e], b = vals[k]->f[e];

					/* %g keeps 6 significant digits */
					assert_true(a == b || (a - b) * (a - b) <= 1e-10 * b * b);
				}
			}
		}
	}
}

static void test_acquire_release(void **state)
{
	struct fixture *fx = *state;

	log_reset();
	assert_int_equal(ph_camera_release(fx->cam), -EACCES);
	expect_log_consume("virtual:0");
	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	assert_int_equal(ph_camera_acquire(fx->cam), -EBUSY);
	expect_log_consume("already acquired");
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_camera_release(fx->cam), -EACCES);
	expect_log_consume("virtual:0");
	/* Again, to see the cycle repeats. */
	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(log_errors, 0);
}

static void test_state_machine(void **state)
{
	struct fixture *fx = *state;
	enum ph_stream_role role = PH_ROLE_VIEWFINDER;
	struct ph_config *config = ph_camera_generate_config(fx->cam, &role, 1);
	struct ph_request *req;

	/* generate_config works without acquiring. */
	assert_non_null(config);
	assert_int_equal(ph_camera_stream_count(fx->cam), 0);

	log_reset();
	assert_int_equal(ph_camera_configure(fx->cam, config), -EACCES);
	expect_log_consume("ph_camera_configure");
	assert_int_equal(ph_camera_start(fx->cam, NULL), -EACCES);
	expect_log_consume("ph_camera_start");
	assert_int_equal(ph_camera_stop(fx->cam), -EACCES);
	expect_log_consume("ph_camera_stop");
	assert_null(ph_camera_create_request(fx->cam, 0));
	expect_log_consume("not configured");

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	assert_int_equal(ph_camera_start(fx->cam, NULL), -EINVAL);
	expect_log_consume("ph_camera_start");
	assert_int_equal(ph_camera_stop(fx->cam), -EINVAL);
	expect_log_consume("not running");
	assert_null(ph_camera_create_request(fx->cam, 0));
	expect_log_consume("not configured");

	assert_int_equal(ph_camera_configure(fx->cam, config), 0);
	assert_int_equal(ph_camera_stream_count(fx->cam), 1);
	/* Configure again while configured: allowed. */
	assert_int_equal(ph_camera_configure(fx->cam, config), 0);
	assert_int_equal(ph_camera_stream_count(fx->cam), 1);
	assert_int_equal(ph_camera_stop(fx->cam), -EINVAL);
	expect_log_consume("not running");

	req = ph_camera_create_request(fx->cam, 1);
	assert_non_null(req);
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_IDLE);
	/* Queue before start. */
	assert_int_equal(ph_stream_allocate_buffers(ph_camera_stream_at(fx->cam, 0), 1), 1);
	assert_int_equal(
		ph_request_add_buffer(req, ph_camera_stream_at(fx->cam, 0),
				      ph_stream_buffer_at(ph_camera_stream_at(fx->cam, 0), 0)),
		0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EPERM);
	expect_log_consume("not running");
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_IDLE);

	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_start(fx->cam, NULL), -EBUSY);
	expect_log_consume("already running");
	assert_int_equal(ph_camera_configure(fx->cam, config), -EBUSY);
	expect_log_consume("running");
	assert_int_equal(ph_camera_acquire(fx->cam), -EBUSY);
	expect_log_consume("already acquired");
	assert_int_equal(ph_stream_allocate_buffers(ph_camera_stream_at(fx->cam, 0), 1), -EBUSY);
	expect_log_consume("running");

	assert_int_equal(ph_camera_stop(fx->cam), 0);
	assert_int_equal(ph_camera_stop(fx->cam), -EINVAL);
	expect_log_consume("not running");
	/* Start and stop again: the cycle repeats. */
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_stop(fx->cam), 0);

	assert_int_equal(ph_request_free(req), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_camera_stream_count(fx->cam), 0);
	assert_null(ph_camera_stream_at(fx->cam, 0));
	ph_config_free(config);
}

static void test_configure_invalid(void **state)
{
	struct fixture *fx = *state;
	enum ph_stream_role roles[2] = {PH_ROLE_VIEWFINDER, PH_ROLE_RAW};
	struct ph_config *config = ph_camera_generate_config(fx->cam, roles, 1);
	struct ph_config *two = ph_camera_generate_config(fx->cam, roles, 2);
	struct ph_stream_config *sc;

	assert_non_null(config);
	assert_non_null(two);
	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	assert_int_equal(ph_camera_configure(fx->cam, config), 0);

	/* Changed after validation: configure validates again and refuses. */
	sc = ph_config_stream_at(config, 0);
	sc->width = 100000;
	log_reset();
	assert_int_equal(ph_camera_configure(fx->cam, config), -EINVAL);
	expect_log_consume("not valid");
	/* The earlier configuration stays applied. */
	assert_int_equal(ph_camera_stream_count(fx->cam), 1);
	assert_int_equal(ph_stream_get_config(ph_camera_stream_at(fx->cam, 0))->width, 320);

	/* That validation adjusted it: now it is valid. */
	assert_int_equal(sc->width, 320);
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	assert_int_equal(ph_camera_configure(fx->cam, config), 0);

	/* An invalid one (two raw streams) never applies. */
	sc = ph_config_stream_at(two, 0);
	sc->role = PH_ROLE_RAW;
	sc->pixel_format = ph_config_stream_at(two, 1)->pixel_format;
	assert_int_equal(ph_camera_configure(fx->cam, two), -EINVAL);
	expect_log_consume("raw");
	assert_int_equal(ph_camera_stream_count(fx->cam), 1);
	assert_int_equal(ph_camera_configure(fx->cam, NULL), -EINVAL);
	expect_log_consume("ph_camera_configure");

	/* Still configured: it starts. */
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	ph_config_free(config);
	ph_config_free(two);
}

static void test_validate(void **state)
{
	struct fixture *fx = *state;
	const enum ph_stream_role all[] = {PH_ROLE_RAW, PH_ROLE_STILL, PH_ROLE_VIDEO,
					   PH_ROLE_VIEWFINDER};
	enum ph_stream_role roles[3];
	struct ph_config *config;
	struct ph_stream_config *sc;
	struct ph_size_range range;
	uint32_t stride;

	/* Every role alone: generated configs are valid, with stride and frame size. */
	for (unsigned i = 0; i < 4; i++) {
		config = ph_camera_generate_config(fx->cam, &all[i], 1);
		assert_non_null(config);
		assert_int_equal(ph_config_stream_count(config), 1);
		assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
		assert_string_equal(ph_config_get_message(config), "");
		sc = ph_config_stream_at(config, 0);
		assert_int_equal(sc->role, all[i]);
		assert_int_equal(sc->adjusted, 0);
		assert_true(sc->stride > 0 && sc->frame_size >= sc->stride * sc->height);
		assert_true(sc->buffer_count >= 1);
		assert_true(ph_config_format_count(config, 0) > 0);
		assert_int_equal(ph_config_size_range(config, 0, sc->pixel_format, &range), 0);
		assert_true(range.min_width <= sc->width && sc->width <= range.max_width);
		assert_int_equal(ph_format_is_raw(sc->pixel_format), all[i] == PH_ROLE_RAW);
		ph_config_free(config);
	}
	assert_null(ph_config_stream_at(NULL, 0));

	roles[0] = PH_ROLE_VIEWFINDER;
	config = ph_camera_generate_config(fx->cam, roles, 1);
	sc = ph_config_stream_at(config, 0);
	assert_int_equal(sc->pixel_format, PH_FORMAT_RGB888);
	assert_int_equal(sc->width, 320);
	stride = sc->stride;
	assert_true(stride >= 320 * 3);
	assert_int_equal(sc->frame_size, stride * 240);
	assert_null(ph_config_stream_at(config, 1));
	assert_int_equal(ph_config_format_at(config, 0, 1000), 0);
	assert_int_equal(ph_config_size_range(config, 0, PH_FOURCC('X', 'X', 'X', 'X'), &range),
			 -EINVAL);
	assert_int_equal(ph_config_size_range(config, 1, PH_FORMAT_RGB888, &range), -EINVAL);

	/* Bad size: too large, odd, too small. */
	sc->width = 100000;
	sc->height = 241;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_SIZE);
	assert_non_null(strstr(ph_config_get_message(config), "size"));
	assert_true(sc->width <= 320 && sc->height <= 240);
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	assert_int_equal(sc->adjusted, 0);
	assert_string_equal(ph_config_get_message(config), "");
	sc->width = 201;
	sc->height = 151;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->width % 2, 0);
	assert_int_equal(sc->height % 2, 0);
	sc->width = 2;
	sc->height = 0;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_true(sc->width >= 64 && sc->height >= 64);
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);

	/* Bad format. (The stride is that of the last validation: clear it with the size.) */
	sc->width = 320;
	sc->height = 240;
	sc->stride = 0;
	sc->pixel_format = PH_FOURCC('X', 'X', 'X', 'X');
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_FORMAT);
	assert_non_null(strstr(ph_config_get_message(config), "format"));
	assert_int_equal(sc->pixel_format, PH_FORMAT_RGB888);
	/* A valid other format: accepted, and its stride and frame size follow. */
	sc->pixel_format = PH_FORMAT_NV12;
	sc->stride = 0;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	assert_true(sc->stride >= 320);
	assert_int_equal(sc->frame_size, sc->stride * 240 * 3 / 2);

	/* Bad buffer counts. */
	sc->buffer_count = 0;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_BUFFER_COUNT);
	assert_true(sc->buffer_count >= 1);
	assert_non_null(strstr(ph_config_get_message(config), "buffer count"));
	sc->buffer_count = 1000;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_BUFFER_COUNT);
	assert_true(sc->buffer_count < 1000 && sc->buffer_count >= 1);

	/* Bad stride. */
	stride = sc->stride;
	sc->stride = 17;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_STRIDE);
	assert_int_equal(sc->stride, stride);
	assert_non_null(strstr(ph_config_get_message(config), "stride"));

	/* Several at once: each flag, one line each. */
	sc->stride = 3;
	sc->buffer_count = 0;
	sc->width = 7;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted,
			 PH_ADJUSTED_STRIDE | PH_ADJUSTED_BUFFER_COUNT | PH_ADJUSTED_SIZE);
	{
		const char *m = ph_config_get_message(config);
		unsigned lines = 0;

		for (; *m; m++)
			lines += *m == '\n';
		assert_int_equal(lines, 3);
	}
	/* An invalid role. */
	sc->role = (enum ph_stream_role)99;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_INVALID);
	assert_non_null(strstr(ph_config_get_message(config), "role"));
	ph_config_free(config);

	/* Raw: any even size the sensor can scale to, up to the pixel array. */
	roles[0] = PH_ROLE_RAW;
	config = ph_camera_generate_config(fx->cam, roles, 1);
	sc = ph_config_stream_at(config, 0);
	sc->width = 1000;
	sc->height = 63;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_SIZE);
	assert_int_equal(sc->width, 320);
	assert_int_equal(sc->height, 64);
	ph_config_free(config);

	/* Raw sets the sensor mode; a processed stream is the mode or half of it. */
	roles[0] = PH_ROLE_RAW;
	roles[1] = PH_ROLE_VIEWFINDER;
	config = ph_camera_generate_config(fx->cam, roles, 2);
	assert_non_null(config);
	sc = ph_config_stream_at(config, 1);
	sc->width = 100;
	sc->height = 100;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->adjusted, PH_ADJUSTED_SIZE);
	assert_int_equal(sc->width, 160);
	assert_int_equal(sc->height, 120);
	assert_non_null(strstr(ph_config_get_message(config), "sensor mode 320x240"));
	sc->width = 300;
	sc->height = 200;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_ADJUSTED);
	assert_int_equal(sc->width, 320);
	assert_int_equal(sc->height, 240);
	ph_config_free(config);

	/* Too many streams: two raw. */
	roles[0] = PH_ROLE_VIEWFINDER;
	roles[1] = PH_ROLE_RAW;
	config = ph_camera_generate_config(fx->cam, roles, 2);
	assert_non_null(config);
	assert_int_equal(ph_config_validate(config), PH_CONFIG_VALID);
	sc = ph_config_stream_at(config, 0);
	sc->role = PH_ROLE_RAW;
	sc->pixel_format = ph_config_stream_at(config, 1)->pixel_format;
	assert_int_equal(ph_config_validate(config), PH_CONFIG_INVALID);
	assert_non_null(strstr(ph_config_get_message(config), "raw"));
	ph_config_free(config);

	/* Bad role lists. */
	roles[0] = (enum ph_stream_role)0;
	assert_null(ph_camera_generate_config(fx->cam, roles, 1));
	expect_log_consume("role");
	assert_null(ph_camera_generate_config(fx->cam, roles, 0));
	expect_log_consume("roles");
	assert_null(ph_camera_generate_config(fx->cam, NULL, 1));
	expect_log_consume("roles");
	assert_int_equal(ph_config_validate(NULL), PH_CONFIG_INVALID);
	assert_string_equal(ph_config_get_message(NULL), "");

	/* Generating an impossible combination fails, and says why (every failure is logged). */
	roles[0] = roles[1] = roles[2] = PH_ROLE_VIDEO;
	assert_null(ph_camera_generate_config(fx->cam, roles, 3));
	roles[0] = PH_ROLE_RAW;
	roles[1] = PH_ROLE_RAW;
	log_reset();
	assert_null(ph_camera_generate_config(fx->cam, roles, 2));
	expect_log_consume("raw");
}

static void test_request_errors(void **state)
{
	struct fixture *fx = *state;
	const enum ph_stream_role roles[2] = {PH_ROLE_VIEWFINDER, PH_ROLE_RAW};
	struct ph_stream *vf, *raw;
	struct ph_request *a, *b, *empty, *done;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	ph_config_free(configure(fx->cam, roles, 2));
	vf = ph_camera_stream_at(fx->cam, 0);
	raw = ph_camera_stream_at(fx->cam, 1);
	assert_int_equal(ph_stream_allocate_buffers(vf, 2), 2);
	assert_int_equal(ph_stream_allocate_buffers(raw, 2), 2);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);

	a = ph_camera_create_request(fx->cam, 0xa);
	b = ph_camera_create_request(fx->cam, 0xb);
	empty = ph_camera_create_request(fx->cam, 0xe);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(empty);
	assert_true(ph_request_get_cookie(a) == 0xa);

	log_reset();
	/* No buffer. */
	assert_int_equal(ph_camera_queue_request(fx->cam, empty), -EINVAL);
	expect_log_consume("no buffer");
	/* A buffer of another stream. */
	assert_int_equal(ph_request_add_buffer(a, vf, ph_stream_buffer_at(raw, 0)), -EINVAL);
	expect_log_consume("does not belong");
	assert_null(ph_request_find_buffer(a, vf));
	/* Two buffers for one stream. */
	assert_int_equal(ph_request_add_buffer(a, vf, ph_stream_buffer_at(vf, 0)), 0);
	assert_int_equal(ph_request_add_buffer(a, vf, ph_stream_buffer_at(vf, 1)), -EINVAL);
	expect_log_consume("already has a buffer");
	assert_int_equal(ph_request_add_buffer(a, vf, ph_stream_buffer_at(vf, 0)), -EINVAL);
	expect_log_consume("already has a buffer");
	assert_ptr_equal(ph_request_find_buffer(a, vf), ph_stream_buffer_at(vf, 0));
	assert_null(ph_request_find_buffer(a, raw));
	assert_int_equal(ph_request_add_buffer(a, raw, ph_stream_buffer_at(raw, 0)), 0);
	/* Unsupported and output-only controls. */
	assert_int_equal(ph_control_list_set_float_array(
				 ph_request_get_controls(a), PH_CONTROL_COLOUR_CORRECTION_MATRIX,
				 (const float[9]){1, 0, 0, 0, 1, 0, 0, 0, 1}, 9),
			 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, a), -EINVAL);
	expect_log_consume("ColourCorrectionMatrix");
	ph_control_list_clear(ph_request_get_controls(a));
	assert_int_equal(ph_control_list_set_int64(ph_request_get_controls(a),
						   PH_CONTROL_FRAME_DURATION, 1000),
			 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, a), -EINVAL);
	expect_log_consume("FrameDuration");
	ph_control_list_clear(ph_request_get_controls(a));
	assert_int_equal(ph_request_get_status(a), PH_REQUEST_IDLE);

	/* Queue, then everything that a queued request refuses. */
	assert_int_equal(ph_camera_queue_request(fx->cam, a), 0);
	assert_int_equal(ph_request_get_status(a), PH_REQUEST_PENDING);
	assert_int_equal(ph_camera_queue_request(fx->cam, a), -EBUSY);
	expect_log_consume("already queued");
	assert_int_equal(ph_request_free(a), -EBUSY);
	expect_log_consume("queued");
	assert_int_equal(ph_request_reuse(a, 0), -EBUSY);
	expect_log_consume("queued");
	assert_int_equal(ph_request_add_buffer(a, vf, ph_stream_buffer_at(vf, 1)), -EBUSY);
	expect_log_consume("queued");
	assert_int_equal(ph_stream_free_buffers(vf), -EBUSY);
	expect_log_consume("queued");
	/* A buffer already queued in another request. */
	assert_int_equal(ph_request_add_buffer(b, vf, ph_stream_buffer_at(vf, 0)), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, b), -EBUSY);
	expect_log_consume("another request");
	assert_int_equal(ph_request_get_status(b), PH_REQUEST_IDLE);

	/* a completes; then b can go. */
	done = wait_request(fx->ctx);
	assert_ptr_equal(done, a);
	assert_int_equal(ph_request_get_status(a), PH_REQUEST_COMPLETE);
	assert_int_equal(ph_buffer_get_status(ph_stream_buffer_at(vf, 0)), PH_BUFFER_SUCCESS);
	assert_int_equal(ph_buffer_get_status(ph_stream_buffer_at(raw, 0)), PH_BUFFER_SUCCESS);
	assert_int_equal(ph_camera_queue_request(fx->cam, b), 0);
	assert_ptr_equal(wait_request(fx->ctx), b);
	assert_int_equal(ph_request_get_status(b), PH_REQUEST_COMPLETE);
	assert_true(ph_request_get_sequence(b) > ph_request_get_sequence(a));

	/* A completed request cannot be queued again before reuse? It can: reuse is optional. */
	assert_int_equal(ph_camera_stop(fx->cam), 0);
	assert_int_equal(ph_request_free(a), 0);
	assert_int_equal(ph_request_free(b), 0);
	assert_int_equal(ph_request_free(empty), 0);
	assert_int_equal(ph_request_free(NULL), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
}

static void test_request_lifecycle(void **state)
{
	struct fixture *fx = *state;
	struct ph_request *req, *done;
	struct ph_stream *stream;
	struct ph_buffer *buf;
	const struct ph_control_list *md;
	int64_t seq = -1, ts = 0;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_RAW);
	stream = ph_camera_stream_at(fx->cam, 0);
	allocate_all(fx->cam, 1);
	buf = ph_stream_buffer_at(stream, 0);
	assert_ptr_equal(ph_buffer_get_stream(buf), stream);
	assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_IDLE);
	req = make_request(fx->cam, 0, 42);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);

	for (int round = 0; round < 3; round++) {
		assert_int_equal(ph_control_list_set_float(ph_request_get_controls(req),
							   PH_CONTROL_ANALOGUE_GAIN, 2.0f),
				 0);
		assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
		done = wait_request(fx->ctx);
		assert_ptr_equal(done, req);
		assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
		assert_true(ph_request_get_cookie(req) == 42);
		md = ph_request_get_metadata(req);
		assert_int_equal(ph_control_list_get_int64(md, PH_CONTROL_SENSOR_SEQUENCE, &seq),
				 0);
		assert_int_equal((uint32_t)seq, ph_request_get_sequence(req));
		assert_int_equal(ph_buffer_get_sequence(buf), ph_request_get_sequence(req));
		assert_int_equal(ph_control_list_get_int64(md, PH_CONTROL_SENSOR_TIMESTAMP, &ts),
				 0);
		assert_true((uint64_t)ts == ph_buffer_get_timestamp(buf));
		assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_SUCCESS);
		assert_int_equal(ph_buffer_get_bytes_used(buf, 0),
				 ph_buffer_plane_at(buf, 0)->length);

		/* Reuse keeping the buffer: controls and metadata cleared. */
		assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
		assert_int_equal(ph_request_get_status(req), PH_REQUEST_IDLE);
		assert_int_equal(ph_control_list_count(ph_request_get_controls(req)), 0);
		assert_int_equal(ph_control_list_count(ph_request_get_metadata(req)), 0);
		assert_ptr_equal(ph_request_find_buffer(req, stream), buf);
	}
	/* Reuse without the flag detaches the buffers. */
	assert_int_equal(ph_request_reuse(req, 0), 0);
	assert_null(ph_request_find_buffer(req, stream));
	log_reset();
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EINVAL);
	expect_log_consume("no buffer");
	assert_int_equal(ph_request_free(req), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
}

/* Requests made for an earlier configuration: refused until reused. */
static void test_stale_request(void **state)
{
	struct fixture *fx = *state;
	struct ph_request *req, *fresh;
	struct ph_stream *stream;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_VIEWFINDER);
	allocate_all(fx->cam, 2);
	req = make_request(fx->cam, 0, 1);

	/* Reconfigure: streams and buffers are new. */
	configure_one(fx->cam, PH_ROLE_VIEWFINDER);
	allocate_all(fx->cam, 2);
	stream = ph_camera_stream_at(fx->cam, 0);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	log_reset();
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EINVAL);
	expect_log_consume("configured");
	/* Nor can buffers of the new configuration be added to it. */
	assert_int_equal(ph_request_add_buffer(req, stream, ph_stream_buffer_at(stream, 0)),
			 -EINVAL);
	expect_log_consume("current streams");

	/* Reuse (even asking to keep buffers: the old ones are gone) makes it current. */
	assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
	assert_null(ph_request_find_buffer(req, stream));
	assert_int_equal(ph_request_add_buffer(req, stream, ph_stream_buffer_at(stream, 0)), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
	assert_ptr_equal(wait_request(fx->ctx), req);
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);

	/* Release and acquire again: the same. */
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_null(ph_camera_create_request(fx->cam, 0));
	log_reset();
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EACCES);
	expect_log_consume("ph_camera_queue_request");
	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_VIEWFINDER);
	allocate_all(fx->cam, 1);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EINVAL);
	expect_log_consume("configured");
	assert_int_equal(ph_request_reuse(req, 0), 0);
	fresh = make_request(fx->cam, 0, 2);
	assert_int_equal(ph_request_free(fresh), 0);
	stream = ph_camera_stream_at(fx->cam, 0);
	assert_int_equal(ph_request_add_buffer(req, stream, ph_stream_buffer_at(stream, 0)), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
	assert_ptr_equal(wait_request(fx->ctx), req);

	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
}

/* Drain the events queued now (no dispatch); check they cancel @n requests in order. */
static void expect_cancelled(struct ph_context *ctx, struct ph_request **reqs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct ph_event *ev = ph_context_next_event(ctx);

		assert_non_null(ev);
		assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
		assert_ptr_equal(ph_event_get_request(ev), reqs[i]);
		assert_int_equal(ph_request_get_status(reqs[i]), PH_REQUEST_CANCELLED);
		for (unsigned b = 0; b < PH_MAX_STREAMS; b++) {
			struct ph_buffer *buf = ph_request_find_buffer(
				reqs[i], ph_camera_stream_at(ph_event_get_camera(ev), b));

			if (buf)
				assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_CANCELLED);
		}
		ph_event_free(ev);
	}
}

static void test_stop_cancels(void **state)
{
	struct fixture *fx = *state;
	const enum ph_stream_role roles[2] = {PH_ROLE_VIEWFINDER, PH_ROLE_RAW};
	struct ph_request *reqs[4];

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	ph_config_free(configure(fx->cam, roles, 2));
	allocate_all(fx->cam, 4);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	for (unsigned i = 0; i < 4; i++) {
		reqs[i] = make_request(fx->cam, i, i);
		assert_int_equal(ph_camera_queue_request(fx->cam, reqs[i]), 0);
	}
	/* No dispatch: every request is still pending when stop is called. */
	assert_int_equal(ph_camera_stop(fx->cam), 0);
	expect_cancelled(fx->ctx, reqs, 4);
	assert_null(ph_context_next_event(fx->ctx));
	/* Nothing completes later either. */
	usleep(30000);
	assert_int_equal(ph_context_dispatch(fx->ctx), 0);
	assert_null(ph_context_next_event(fx->ctx));
	/* The buffers are back: they can be freed, requests reused. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ph_request_reuse(reqs[i], PH_REQUEST_REUSE_BUFFERS), 0);

	/* Start again, run some, stop with a few in flight. */
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ph_camera_queue_request(fx->cam, reqs[i]), 0);
	assert_ptr_equal(wait_request(fx->ctx), reqs[0]);
	assert_int_equal(ph_request_get_status(reqs[0]), PH_REQUEST_COMPLETE);
	assert_int_equal(ph_camera_stop(fx->cam), 0);
	{
		/* Whatever completed meanwhile comes first, in order, then the cancelled. */
		unsigned i = 1;
		struct ph_event *ev;

		while ((ev = ph_context_next_event(fx->ctx))) {
			assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
			assert_ptr_equal(ph_event_get_request(ev), reqs[i]);
			assert_int_not_equal(ph_request_get_status(reqs[i]), PH_REQUEST_PENDING);
			ph_event_free(ev);
			i++;
		}
		assert_int_equal(i, 4);
		assert_int_equal(ph_request_get_status(reqs[3]), PH_REQUEST_CANCELLED);
	}
	assert_int_equal(ph_stream_free_buffers(ph_camera_stream_at(fx->cam, 0)), 0);

	/* Release while running cancels the same way. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ph_request_free(reqs[i]), 0);
	configure_one(fx->cam, PH_ROLE_RAW);
	allocate_all(fx->cam, 3);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	for (unsigned i = 0; i < 3; i++) {
		reqs[i] = make_request(fx->cam, i, i);
		assert_int_equal(ph_camera_queue_request(fx->cam, reqs[i]), 0);
	}
	assert_int_equal(ph_camera_release(fx->cam), 0);
	for (unsigned i = 0; i < 3; i++) {
		struct ph_event *ev = ph_context_next_event(fx->ctx);

		assert_non_null(ev);
		assert_ptr_equal(ph_event_get_request(ev), reqs[i]);
		assert_int_equal(ph_request_get_status(reqs[i]), PH_REQUEST_CANCELLED);
		ph_event_free(ev);
		assert_int_equal(ph_request_free(reqs[i]), 0);
	}
	assert_null(ph_context_next_event(fx->ctx));
}

static void test_remove(void **state)
{
	struct fixture *fx = *state;
	struct ph_camera *cam = ph_camera_ref(fx->cam);
	enum ph_stream_role role = PH_ROLE_VIEWFINDER;
	struct ph_config *config;
	struct ph_request *reqs[3], *idle;
	struct ph_stream *stream;
	struct ph_event *ev;
	const struct ph_plane plane = {0, 0, 4096, 1024};

	assert_int_equal(ph_camera_acquire(cam), 0);
	config = configure(cam, &role, 1);
	allocate_all(cam, 4);
	stream = ph_camera_stream_at(cam, 0);
	assert_int_equal(ph_camera_start(cam, NULL), 0);
	for (unsigned i = 0; i < 3; i++) {
		reqs[i] = make_request(cam, i, i);
		assert_int_equal(ph_camera_queue_request(cam, reqs[i]), 0);
	}
	idle = make_request(cam, 3, 3);

	ph_camera_remove(cam);
	assert_true(ph_camera_is_removed(cam));
	/* The pending requests cancelled, then the removal, all queued already. */
	expect_cancelled(fx->ctx, reqs, 3);
	ev = ph_context_next_event(fx->ctx);
	assert_non_null(ev);
	assert_int_equal(ph_event_get_type(ev), PH_EVENT_CAMERA_REMOVED);
	assert_ptr_equal(ph_event_get_camera(ev), cam);
	assert_non_null(strstr(ph_event_get_message(ev), "virtual:0"));
	ph_event_free(ev);
	assert_null(ph_context_next_event(fx->ctx));
	assert_int_equal(ph_context_camera_count(fx->ctx), 0);
	assert_null(ph_context_get_camera(fx->ctx, "virtual:0"));
	assert_null(ph_context_camera_at(fx->ctx, 0));

	/* Every call on it now fails with -ENODEV. */
	assert_int_equal(ph_camera_acquire(cam), -ENODEV);
	assert_int_equal(ph_camera_release(cam), -ENODEV);
	assert_int_equal(ph_camera_configure(cam, config), -ENODEV);
	assert_int_equal(ph_camera_start(cam, NULL), -ENODEV);
	assert_int_equal(ph_camera_stop(cam), -ENODEV);
	assert_int_equal(ph_camera_queue_request(cam, idle), -ENODEV);
	assert_int_equal(ph_camera_queue_request(cam, reqs[0]), -ENODEV);
	assert_null(ph_camera_create_request(cam, 0));
	assert_null(ph_camera_generate_config(cam, &role, 1));
	assert_int_equal(ph_config_validate(config), PH_CONFIG_INVALID);
	assert_non_null(strstr(ph_config_get_message(config), "removed"));
	assert_int_equal(ph_camera_stream_count(cam), 0);
	assert_null(ph_camera_stream_at(cam, 0));
	assert_int_equal(ph_stream_allocate_buffers(stream, 1), -ENODEV);
	assert_int_equal(ph_stream_free_buffers(stream), -ENODEV);
	assert_null(ph_stream_import_buffer(stream, &plane, 1));
	assert_int_equal(ph_request_add_buffer(idle, stream, ph_stream_buffer_at(stream, 0)),
			 -ENODEV);
	/* Still readable. */
	assert_string_equal(ph_camera_get_id(cam), "virtual:0");
	assert_non_null(ph_camera_get_properties(cam));
	/* Dispatching has nothing left to do for it. */
	usleep(30000);
	assert_int_equal(ph_context_dispatch(fx->ctx), 0);
	assert_null(ph_context_next_event(fx->ctx));
	/* Removing twice is harmless. */
	ph_camera_remove(cam);
	assert_null(ph_context_next_event(fx->ctx));

	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ph_request_free(reqs[i]), 0);
	assert_int_equal(ph_request_reuse(idle, 0), 0);
	assert_int_equal(ph_request_free(idle), 0);
	ph_config_free(config);
	ph_camera_unref(cam);
}

/* Remove, then the context goes first; the user's references still work. */
static void test_remove_outlives_context(void **state)
{
	struct fixture *fx = *state;
	struct ph_camera *cam = ph_camera_ref(fx->cam);
	struct ph_request *req;

	assert_int_equal(ph_camera_acquire(cam), 0);
	configure_one(cam, PH_ROLE_RAW);
	allocate_all(cam, 1);
	req = make_request(cam, 0, 0);
	assert_int_equal(ph_camera_start(cam, NULL), 0);
	assert_int_equal(ph_camera_queue_request(cam, req), 0);
	/* The context's last reference stops and removes the camera. */
	{
		struct ph_event *ev;

		while ((ev = ph_context_next_event(fx->ctx)))
			ph_event_free(ev);
	}
	ph_context_unref(fx->ctx);
	fx->ctx = new_context(PH_CONTEXT_NO_VIRTUAL); /* for teardown */
	assert_true(ph_camera_is_removed(cam));
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_CANCELLED);
	assert_int_equal(ph_camera_acquire(cam), -ENODEV);
	assert_int_equal(ph_camera_queue_request(cam, req), -ENODEV);
	assert_int_equal(ph_request_free(req), 0);
	ph_camera_unref(cam);
}

static void test_use_after_release(void **state)
{
	struct fixture *fx = *state;
	struct ph_request *req;
	struct ph_stream *stream;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_VIEWFINDER);
	allocate_all(fx->cam, 1);
	stream = ph_camera_stream_at(fx->cam, 0);
	assert_non_null(stream);
	req = make_request(fx->cam, 0, 0);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);

	log_reset();
	assert_null(ph_camera_create_request(fx->cam, 0));
	expect_log_consume("not configured");
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EACCES);
	expect_log_consume("ph_camera_queue_request");
	assert_int_equal(ph_camera_start(fx->cam, NULL), -EACCES);
	expect_log_consume("ph_camera_start");
	assert_int_equal(ph_camera_stop(fx->cam), -EACCES);
	expect_log_consume("ph_camera_stop");
	assert_int_equal(ph_camera_stream_count(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
}

static void test_null_args(void **state)
{
	struct fixture *fx = *state;
	enum ph_stream_role role = PH_ROLE_VIEWFINDER;
	struct ph_plane plane = {-1, 0, 0, 0};
	struct ph_request *req;
	struct ph_stream *stream;
	struct ph_control_value v;
	char buf[8];

	/* Context. */
	assert_null(ph_context_ref(NULL));
	assert_null(ph_context_unref(NULL));
	ph_context_set_log_handler(NULL, NULL, NULL);
	ph_context_set_log_priority(NULL, PH_LOG_DEBUG);
	assert_int_equal(ph_context_get_log_priority(NULL), PH_LOG_WARNING);
	assert_true(ph_context_get_fd(NULL) < 0);
	assert_true(ph_context_dispatch(NULL) < 0);
	assert_null(ph_context_next_event(NULL));
	assert_int_equal(ph_context_camera_count(NULL), 0);
	assert_null(ph_context_camera_at(NULL, 0));
	assert_null(ph_context_get_camera(NULL, NULL));

	/* Events. */
	ph_event_free(NULL);
	assert_int_equal(ph_event_get_type(NULL), 0);
	assert_null(ph_event_get_camera(NULL));
	assert_null(ph_event_get_request(NULL));
	assert_int_equal(ph_event_get_error(NULL), 0);
	assert_non_null(ph_event_get_message(NULL));

	/* Camera. */
	assert_null(ph_camera_ref(NULL));
	assert_null(ph_camera_unref(NULL));
	assert_null(ph_camera_get_id(NULL));
	assert_null(ph_camera_get_properties(NULL));
	assert_int_equal(ph_camera_control_count(NULL), 0);
	assert_null(ph_camera_control_at(NULL, 0));
	assert_null(ph_camera_find_control(NULL, PH_CONTROL_EXPOSURE_TIME));
	assert_true(ph_camera_is_removed(NULL));
	assert_int_equal(ph_camera_acquire(NULL), -EINVAL);
	assert_int_equal(ph_camera_release(NULL), -EINVAL);
	assert_null(ph_camera_generate_config(NULL, &role, 1));
	assert_int_equal(ph_camera_configure(NULL, NULL), -EINVAL);
	assert_int_equal(ph_camera_stream_count(NULL), 0);
	assert_null(ph_camera_stream_at(NULL, 0));
	assert_null(ph_camera_create_request(NULL, 0));
	assert_int_equal(ph_camera_start(NULL, NULL), -EINVAL);
	assert_int_equal(ph_camera_stop(NULL), -EINVAL);
	assert_int_equal(ph_camera_queue_request(NULL, NULL), -EINVAL);

	/* Config. */
	ph_config_free(NULL);
	assert_int_equal(ph_config_stream_count(NULL), 0);
	assert_null(ph_config_stream_at(NULL, 0));
	assert_int_equal(ph_config_format_count(NULL, 0), 0);
	assert_int_equal(ph_config_format_at(NULL, 0, 0), 0);
	assert_int_equal(ph_config_size_range(NULL, 0, PH_FORMAT_RGB888, NULL), -EINVAL);
	assert_int_equal(ph_config_validate(NULL), PH_CONFIG_INVALID);
	assert_non_null(ph_config_get_message(NULL));
	assert_null(ph_stream_role_name((enum ph_stream_role)0));
	assert_int_equal(ph_stream_role_from_name(NULL), 0);
	assert_int_equal(ph_stream_role_from_name("bogus"), 0);
	assert_int_equal(ph_stream_role_from_name("Raw"), PH_ROLE_RAW);

	/* Stream and buffer. */
	assert_null(ph_stream_get_config(NULL));
	assert_int_equal(ph_stream_allocate_buffers(NULL, 1), -EINVAL);
	assert_null(ph_stream_import_buffer(NULL, &plane, 1));
	assert_int_equal(ph_stream_buffer_count(NULL), 0);
	assert_null(ph_stream_buffer_at(NULL, 0));
	assert_int_equal(ph_stream_free_buffers(NULL), -EINVAL);
	assert_null(ph_buffer_get_stream(NULL));
	assert_int_equal(ph_buffer_plane_count(NULL), 0);
	assert_null(ph_buffer_plane_at(NULL, 0));
	assert_int_equal(ph_buffer_get_status(NULL), PH_BUFFER_IDLE);
	assert_int_equal(ph_buffer_get_sequence(NULL), 0);
	assert_true(ph_buffer_get_timestamp(NULL) == 0);
	assert_int_equal(ph_buffer_get_bytes_used(NULL, 0), 0);
	assert_null(ph_buffer_map(NULL, 0));

	/* Request. */
	assert_int_equal(ph_request_free(NULL), 0);
	assert_int_equal(ph_request_add_buffer(NULL, NULL, NULL), -EINVAL);
	assert_null(ph_request_find_buffer(NULL, NULL));
	assert_null(ph_request_get_controls(NULL));
	assert_null(ph_request_get_metadata(NULL));
	assert_int_equal(ph_request_get_status(NULL), PH_REQUEST_IDLE);
	assert_true(ph_request_get_cookie(NULL) == 0);
	assert_int_equal(ph_request_get_sequence(NULL), 0);
	assert_int_equal(ph_request_reuse(NULL, 0), -EINVAL);

	/* Controls and formats. */
	assert_true(ph_control_value_format(NULL, buf, sizeof(buf)) < 0);
	assert_true(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, NULL, &v) < 0);
	assert_null(ph_format_get_info(0));
	assert_null(ph_format_name(0));
	assert_int_equal(ph_format_from_name(NULL), 0);
	assert_false(ph_format_is_raw(0));

	/* NULLs mixed with real objects. */
	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	assert_int_equal(ph_camera_configure(fx->cam, NULL), -EINVAL);
	configure_one(fx->cam, PH_ROLE_VIEWFINDER);
	stream = ph_camera_stream_at(fx->cam, 0);
	assert_int_equal(ph_stream_allocate_buffers(stream, 1), 1);
	assert_null(ph_stream_import_buffer(stream, NULL, 1));
	assert_null(ph_stream_buffer_at(stream, 1));
	assert_null(ph_buffer_plane_at(ph_stream_buffer_at(stream, 0), 5));
	assert_null(ph_buffer_map(ph_stream_buffer_at(stream, 0), 5));
	req = ph_camera_create_request(fx->cam, 0);
	assert_int_equal(ph_request_add_buffer(req, NULL, ph_stream_buffer_at(stream, 0)), -EINVAL);
	assert_int_equal(ph_request_add_buffer(req, stream, NULL), -EINVAL);
	assert_null(ph_request_find_buffer(req, NULL));
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, NULL), -EINVAL);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
}

static void test_buffers(void **state)
{
	struct fixture *fx = *state;
	struct ph_stream *stream;
	const struct ph_stream_config *sc;
	struct ph_buffer *buf;
	const struct ph_plane *p0, *p1;
	struct ph_config *config;
	enum ph_stream_role role = PH_ROLE_VIDEO;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	config = ph_camera_generate_config(fx->cam, &role, 1);
	assert_int_equal(ph_config_stream_at(config, 0)->pixel_format, PH_FORMAT_NV12);
	assert_int_equal(ph_camera_configure(fx->cam, config), 0);
	ph_config_free(config);
	stream = ph_camera_stream_at(fx->cam, 0);
	sc = ph_stream_get_config(stream);
	assert_int_equal(sc->pixel_format, PH_FORMAT_NV12);
	assert_int_equal(sc->adjusted, 0);

	log_reset();
	assert_int_equal(ph_stream_allocate_buffers(stream, 0), -EINVAL);
	expect_log_consume("buffers");
	assert_int_equal(ph_stream_allocate_buffers(stream, 1000), -EINVAL);
	expect_log_consume("buffers");
	assert_int_equal(ph_stream_buffer_count(stream), 0);
	assert_int_equal(ph_stream_allocate_buffers(stream, 2), 2);
	assert_int_equal(ph_stream_allocate_buffers(stream, 1), 1);
	assert_int_equal(ph_stream_buffer_count(stream), 3);

	/* NV12: two planes in one fd, the chroma plane after the luma one. */
	buf = ph_stream_buffer_at(stream, 0);
	assert_int_equal(ph_buffer_plane_count(buf), 2);
	p0 = ph_buffer_plane_at(buf, 0);
	p1 = ph_buffer_plane_at(buf, 1);
	assert_true(p0->fd >= 0);
	assert_int_equal(p0->fd, p1->fd);
	assert_int_equal(p0->offset, 0);
	assert_int_equal(p0->stride, sc->stride);
	assert_int_equal(p0->length, sc->stride * sc->height);
	assert_int_equal(p1->offset, p0->length);
	assert_int_equal(p0->length + p1->length, sc->frame_size);
	assert_true(fcntl(p0->fd, F_GETFD) & FD_CLOEXEC);
	assert_int_not_equal(ph_buffer_plane_at(ph_stream_buffer_at(stream, 1), 0)->fd, p0->fd);
	/* Maps: same address on a second call; plane 1 at its offset. */
	{
		const uint8_t *m0 = ph_buffer_map(buf, 0), *m1 = ph_buffer_map(buf, 1);

		assert_non_null(m0);
		assert_non_null(m1);
		assert_ptr_equal(ph_buffer_map(buf, 0), m0);
		assert_ptr_equal(ph_buffer_map(buf, 1), m1);
		assert_int_equal(m0[0], 0);
		assert_int_equal(m1[p1->length - 1], 0);
	}
	assert_int_equal(ph_stream_free_buffers(stream), 0);
	assert_int_equal(ph_stream_buffer_count(stream), 0);
	assert_null(ph_stream_buffer_at(stream, 0));
	assert_int_equal(ph_stream_allocate_buffers(stream, 64), 64);
	assert_int_equal(ph_stream_allocate_buffers(stream, 1), -EINVAL);
	assert_int_equal(ph_camera_release(fx->cam), 0);
}

/* Viewfinder and raw at once: one frame fills both. */
static void test_multi_stream(void **state)
{
	struct fixture *fx = *state;
	const enum ph_stream_role roles[2] = {PH_ROLE_VIEWFINDER, PH_ROLE_RAW};
	struct ph_request *reqs[4];
	struct ph_stream *vf, *raw;
	unsigned completed = 0;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	ph_config_free(configure(fx->cam, roles, 2));
	assert_int_equal(ph_camera_stream_count(fx->cam), 2);
	vf = ph_camera_stream_at(fx->cam, 0);
	raw = ph_camera_stream_at(fx->cam, 1);
	assert_int_equal(ph_stream_get_config(vf)->role, PH_ROLE_VIEWFINDER);
	assert_int_equal(ph_stream_get_config(raw)->role, PH_ROLE_RAW);
	assert_true(ph_format_is_raw(ph_stream_get_config(raw)->pixel_format));
	allocate_all(fx->cam, 4);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	for (unsigned i = 0; i < 4; i++) {
		reqs[i] = make_request(fx->cam, i, i);
		assert_int_equal(ph_camera_queue_request(fx->cam, reqs[i]), 0);
	}
	while (completed < 8) {
		struct ph_request *req = wait_request(fx->ctx);
		struct ph_buffer *a = ph_request_find_buffer(req, vf);
		struct ph_buffer *b = ph_request_find_buffer(req, raw);
		const uint8_t *pa, *pb;
		uint64_t sum_a = 0, sum_b = 0;

		assert_ptr_equal(req, reqs[completed % 4]);
		assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
		assert_int_equal(ph_buffer_get_status(a), PH_BUFFER_SUCCESS);
		assert_int_equal(ph_buffer_get_status(b), PH_BUFFER_SUCCESS);
		assert_int_equal(ph_buffer_get_sequence(a), ph_request_get_sequence(req));
		assert_int_equal(ph_buffer_get_sequence(b), ph_request_get_sequence(req));
		assert_true(ph_buffer_get_timestamp(a) == ph_buffer_get_timestamp(b));
		assert_int_equal(ph_buffer_get_bytes_used(a, 0),
				 ph_stream_get_config(vf)->frame_size);
		pa = ph_buffer_map(a, 0);
		pb = ph_buffer_map(b, 0);
		assert_non_null(pa);
		assert_non_null(pb);
		for (uint32_t i = 0; i < ph_stream_get_config(vf)->frame_size; i += 97)
			sum_a += pa[i];
		for (uint32_t i = 0; i < ph_stream_get_config(raw)->frame_size; i += 97)
			sum_b += pb[i];
		assert_true(sum_a > 0);
		assert_true(sum_b > 0);
		completed++;
		if (completed <= 4) {
			assert_int_equal(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS), 0);
			assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
		}
	}
	assert_int_equal(ph_camera_release(fx->cam), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ph_request_free(reqs[i]), 0);
}

static int make_memfd(size_t size)
{
	int fd = memfd_create("test-import", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static void test_import(void **state)
{
	struct fixture *fx = *state;
	struct ph_stream *stream;
	const struct ph_stream_config *sc;
	struct ph_buffer *buf;
	struct ph_request *req;
	struct ph_plane planes[2];
	int fd, small, pipefd[2];
	uint8_t *mine;
	size_t changed = 0, size;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_VIEWFINDER);
	stream = ph_camera_stream_at(fx->cam, 0);
	sc = ph_stream_get_config(stream);
	assert_int_equal(sc->pixel_format, PH_FORMAT_RGB888);
	size = sc->frame_size;

	fd = make_memfd(sc->frame_size);
	mine = mmap(NULL, sc->frame_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(mine != MAP_FAILED);
	memset(mine, 0xab, sc->frame_size);
	planes[0] = (struct ph_plane){fd, 0, sc->frame_size, sc->stride};

	log_reset();
	/* Wrong plane counts. */
	planes[1] = planes[0];
	assert_null(ph_stream_import_buffer(stream, planes, 2));
	expect_log_consume("planes");
	assert_null(ph_stream_import_buffer(stream, planes, 0));
	expect_log_consume("planes");
	/* Wrong stride, both ways. */
	planes[0].stride = sc->stride + 64;
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("stride");
	planes[0].stride = sc->stride - 1;
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("stride");
	planes[0].stride = sc->stride;
	/* Too short a plane. */
	planes[0].length = sc->frame_size - 1;
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("length");
	planes[0].length = sc->frame_size;
	/* A plane past the end of the fd. */
	planes[0].offset = 4096;
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("fd size");
	planes[0].offset = 0;
	/* An fd too small for the frame. */
	small = make_memfd(sc->frame_size - 1);
	planes[0].fd = small;
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("fd size");
	close(small);
	/* Bad fds: negative, closed, a pipe. */
	planes[0].fd = -1;
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("bad fd");
	planes[0].fd = small; /* closed now */
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("bad fd");
	assert_int_equal(pipe(pipefd), 0);
	planes[0].fd = pipefd[0];
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("fd");
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(ph_stream_buffer_count(stream), 0);

	/* The right one. */
	planes[0].fd = fd;
	buf = ph_stream_import_buffer(stream, planes, 1);
	assert_non_null(buf);
	assert_int_equal(log_errors, 0);
	assert_int_equal(ph_stream_buffer_count(stream), 1);
	assert_ptr_equal(ph_stream_buffer_at(stream, 0), buf);
	assert_ptr_equal(ph_buffer_get_stream(buf), stream);
	assert_int_equal(ph_buffer_plane_count(buf), 1);
	/* The fd is duplicated: ours can go. */
	assert_int_not_equal(ph_buffer_plane_at(buf, 0)->fd, fd);
	assert_int_equal(ph_buffer_plane_at(buf, 0)->stride, sc->stride);
	close(fd);

	req = ph_camera_create_request(fx->cam, 7);
	assert_int_equal(ph_request_add_buffer(req, stream, buf), 0);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
	assert_ptr_equal(wait_request(fx->ctx), req);
	assert_int_equal(ph_request_get_status(req), PH_REQUEST_COMPLETE);
	assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_SUCCESS);
	/* The frame landed in our memory. */
	for (size_t i = 0; i < sc->frame_size; i++)
		changed += mine[i] != 0xab;
	assert_true(changed > sc->frame_size / 2);
	assert_memory_equal(ph_buffer_map(buf, 0), mine, sc->frame_size);

	assert_int_equal(ph_camera_stop(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	munmap(mine, size);
}

/* Two planes sharing one user fd (NV12). */
static void test_import_two_planes(void **state)
{
	struct fixture *fx = *state;
	enum ph_stream_role role = PH_ROLE_VIDEO;
	struct ph_config *config;
	struct ph_stream *stream;
	struct ph_stream_config sc;
	struct ph_plane planes[2];
	struct ph_buffer *buf;
	struct ph_request *req;
	int fd;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	config = configure(fx->cam, &role, 1);
	ph_config_free(config);
	stream = ph_camera_stream_at(fx->cam, 0);
	sc = *ph_stream_get_config(stream);
	assert_int_equal(sc.pixel_format, PH_FORMAT_NV12);
	fd = make_memfd(sc.frame_size);
	planes[0] = (struct ph_plane){fd, 0, sc.stride * sc.height, sc.stride};
	planes[1] =
		(struct ph_plane){fd, sc.stride * sc.height, sc.stride * sc.height / 2, sc.stride};
	log_reset();
	assert_null(ph_stream_import_buffer(stream, planes, 1));
	expect_log_consume("planes");
	planes[1].length--;
	assert_null(ph_stream_import_buffer(stream, planes, 2));
	expect_log_consume("plane 1");
	planes[1].length++;
	buf = ph_stream_import_buffer(stream, planes, 2);
	assert_non_null(buf);
	close(fd);
	/* One duplicate, shared by both planes. */
	assert_int_equal(ph_buffer_plane_at(buf, 0)->fd, ph_buffer_plane_at(buf, 1)->fd);
	req = ph_camera_create_request(fx->cam, 0);
	assert_int_equal(ph_request_add_buffer(req, stream, buf), 0);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
	assert_ptr_equal(wait_request(fx->ctx), req);
	assert_int_equal(ph_buffer_get_status(buf), PH_BUFFER_SUCCESS);
	{
		const uint8_t *y = ph_buffer_map(buf, 0), *uv = ph_buffer_map(buf, 1);

		assert_non_null(y);
		assert_non_null(uv);
		/* Limited-range BT.601: luma 16..235, chroma near 128 for a grey-ish scene. */
		assert_true(y[sc.stride * (sc.height / 2) + sc.width / 2] >= 16);
		assert_true(uv[0] >= 16 && uv[0] <= 240);
	}
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
}

/* Start controls are checked like request controls. */
static void test_start_controls(void **state)
{
	struct fixture *fx = *state;
	struct ph_control_list *controls = ph_control_list_new();
	struct ph_request *req;
	float gain = 0;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_RAW);
	allocate_all(fx->cam, 1);
	assert_int_equal(
		ph_control_list_set_float_array(controls, PH_CONTROL_COLOUR_CORRECTION_MATRIX,
						(const float[9]){1, 0, 0, 0, 1, 0, 0, 0, 1}, 9),
		0);
	log_reset();
	assert_int_equal(ph_camera_start(fx->cam, controls), -EINVAL);
	expect_log_consume("ColourCorrectionMatrix");
	ph_control_list_clear(controls);
	assert_int_equal(ph_control_list_set_int64(controls, PH_CONTROL_SENSOR_TIMESTAMP, 1), 0);
	assert_int_equal(ph_camera_start(fx->cam, controls), -EINVAL);
	expect_log_consume("SensorTimestamp");
	ph_control_list_clear(controls);
	assert_int_equal(ph_control_list_set_float(controls, PH_CONTROL_ANALOGUE_GAIN, 3.0f), 0);
	assert_int_equal(ph_camera_start(fx->cam, controls), 0);
	ph_control_list_free(controls);
	/* In effect from the first frame. */
	req = make_request(fx->cam, 0, 0);
	assert_int_equal(ph_camera_queue_request(fx->cam, req), 0);
	assert_ptr_equal(wait_request(fx->ctx), req);
	assert_int_equal(ph_control_list_get_float(ph_request_get_metadata(req),
						   PH_CONTROL_ANALOGUE_GAIN, &gain),
			 0);
	assert_true(gain == 3.0f);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
}

/*
 * Freeing a stream's buffers (without reconfiguring) while an idle
 * request still holds one: queueing that request must be refused, not
 * touch the freed buffer.
 */
static void test_request_after_free_buffers(void **state)
{
	struct fixture *fx = *state;
	struct ph_stream *stream;
	struct ph_request *req;

	assert_int_equal(ph_camera_acquire(fx->cam), 0);
	configure_one(fx->cam, PH_ROLE_RAW);
	allocate_all(fx->cam, 1);
	stream = ph_camera_stream_at(fx->cam, 0);
	req = make_request(fx->cam, 0, 0);
	assert_int_equal(ph_stream_free_buffers(stream), 0);
	assert_int_equal(ph_stream_allocate_buffers(stream, 1), 1);
	assert_int_equal(ph_camera_start(fx->cam, NULL), 0);
	log_reset();
	assert_int_equal(ph_camera_queue_request(fx->cam, req), -EINVAL);
	assert_true(log_errors > 0);
	assert_int_equal(ph_camera_release(fx->cam), 0);
	assert_int_equal(ph_request_free(req), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_params),
		cmocka_unit_test(test_hotplug_events),
		cmocka_unit_test_setup_teardown(test_properties_and_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_value_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_outlives_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_use_after_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_two_planes, setup, teardown),
		/* Last: it touches freed memory if the library does not catch the case. */
		cmocka_unit_test_setup_teardown(test_request_after_free_buffers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
