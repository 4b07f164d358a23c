/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "virtual" pipeline handler: a simulated raw sensor (sim.c) behind the
 * same interface as the hardware pipelines. It runs a real frame clock
 * (timerfd), applies sensor controls with the delays real sensors have
 * (exposure two frames, gain one), and reports in metadata what each frame
 * was really taken with.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "core/internal.h"
#include "ipa/ipa.h"
#include "pipeline/virtual/virtual.h"
#include "isp/isp.h"
#include "pipeline/soft-isp.h"
#include "pipeline/virtual/sim.h"

/* Frames from writing exposure or gain to a frame taken with it, for a
 * sensor the sensor database does not know; PH_DELAYED_MAX bounds any. */
#define EXPOSURE_DELAY	      2
#define GAIN_DELAY	      1
#define VBLANK_MIN_LINES      20 /* lines of vertical blanking at the fastest frame rate */
#define EXPOSURE_MARGIN_LINES 4
#define MAX_CATCH_UP	      4 /* late frames rendered at once before the rest count as dropped */
#define DEFAULT_BUFFERS	      4

struct virtual_options {
	struct ph_sim_params sim;
	bool packed;		       /* preferred raw format is CSI-2 packed */
	int64_t min_frame_duration_us; /* fastest the sensor can run */
	int64_t default_frame_duration_us;
	bool render; /* false: skip pixels (request path benchmark) */
	bool ipa;    /* run the IPA module (3A); false: fixed ISP defaults */
	int32_t location, rotation;
	uint64_t disconnect_after; /* unplug after this many frames of a capture; 0: never */
};

struct virtual_camera {
	struct ph_camera *camera;
	struct virtual_options opt;
	/* The modelled sensor's entry in the sensor database (shared with the
	 * IPA), or NULL: control delays, gain codes, pixel size. */
	const struct ph_sensor_db_entry *sensor;
	unsigned exposure_delay, gain_delay;
	struct ph_sim_scene *scene;
	int timer_fd;
	struct ph_source *source;

	/* Sensor state while running */
	uint64_t sequence;	 /* next frame's number */
	uint64_t frame_start_ns; /* start of the next frame */
	double line_time_ns;
	struct ph_delayed_control exposure_lines;
	struct ph_delayed_control gain;
	struct ph_delayed_control test_pattern;
	int64_t fdl[2];	       /* FrameDurationLimits in effect, us */
	float colour_gains[2]; /* ISP controls: applied to the frame itself, no delay */
	float brightness, contrast, saturation;

	/* The configured sensor mode and the software ISP behind it */
	uint32_t mode_width, mode_height;
	uint32_t raw_fourcc, raw_stride;
	uint8_t *raw_frame; /* the mode's raw frame when no raw stream is asked */
	struct ph_isp *isp;
	struct ph_isp_stats *stats;

	/* The IPA module (3A), loaded at the first configure; NULL: fixed defaults. */
	struct ph_ipa *ipa;
	bool ipa_tried;
	struct ph_ipa_stats *ipa_stats;	      /* owned by the IPA */
	struct ph_control_list *ipa_controls; /* sensor controls out of the IPA */
	struct ph_ipa_isp_params ipa_params;  /* the last the IPA gave */
};

/* ---- configuration file and environment ---- */

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") ||
		 !strcasecmp(v, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_num(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi)
		return -EINVAL;
	*out = d;
	return 0;
}

/*
 * Set one option. @return 0, or -EINVAL with @why describing the accepted
 * values, or -ENOENT for an unknown key.
 */
static int set_option(struct virtual_options *o, const char *key, const char *value,
		      const char **why)
{
	struct ph_sim_params *p = &o->sim;
	double d;

#define NUM(name, lo, hi, field, desc)                                                             \
	if (!strcmp(key, name)) {                                                                  \
		*why = desc;                                                                       \
		if (parse_num(value, lo, hi, &d) < 0)                                              \
			return -EINVAL;                                                            \
		field;                                                                             \
		return 0;                                                                          \
	}

	if (!strcmp(key, "model")) {
		*why = "a name of 1 to 31 characters";
		if (!*value || strlen(value) >= sizeof(p->model))
			return -EINVAL;
		strcpy(p->model, value);
		return 0;
	}
	if (!strcmp(key, "bayer")) {
		static const char *const orders[] = {"RGGB", "GRBG", "GBRG", "BGGR"};

		*why = "RGGB, GRBG, GBRG or BGGR";
		for (unsigned i = 0; i < 4; i++) {
			if (!strcasecmp(value, orders[i])) {
				p->order = (enum ph_bayer_order)i;
				return 0;
			}
		}
		return -EINVAL;
	}
	if (!strcmp(key, "scene")) {
		*why = "chart or flat";
		if (!strcasecmp(value, "chart"))
			p->scene = PH_SIM_SCENE_CHART;
		else if (!strcasecmp(value, "flat"))
			p->scene = PH_SIM_SCENE_FLAT;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "noise")) {
		*why = "true or false";
		return parse_bool(value, &p->noise);
	}
	if (!strcmp(key, "packed")) {
		*why = "true or false";
		return parse_bool(value, &o->packed);
	}
	if (!strcmp(key, "render")) {
		*why = "true or false";
		return parse_bool(value, &o->render);
	}
	if (!strcmp(key, "ipa")) {
		*why = "true or false";
		return parse_bool(value, &o->ipa);
	}
	NUM("width", 64, 8192, p->width = (uint32_t)d & ~1u, "an even number from 64 to 8192");
	NUM("height", 64, 8192, p->height = (uint32_t)d & ~1u, "an even number from 64 to 8192");
	NUM("bit-depth", 10, 12, p->bit_depth = (unsigned)d, "10 or 12");
	NUM("black-level", 0, 1024, p->black_level = (uint32_t)d, "0 to 1024 (DN)");
	NUM("full-well", 100, 1e6, p->full_well = (float)d, "100 to 1000000 (electrons)");
	NUM("read-noise", 0, 100, p->read_noise = (float)d, "0 to 100 (electrons)");
	NUM("lux", 0.01, 1e6, p->lux = (float)d, "0.01 to 1000000");
	NUM("colour-temperature", 1500, 15000, p->colour_temperature = (uint32_t)d,
	    "1500 to 15000 (kelvin)");
	NUM("vignetting", 0, 0.9, p->vignetting = (float)d, "0 to 0.9");
	NUM("object-speed", 0, 100, p->object_speed = (float)d, "0 to 100 (widths per second)");
	NUM("seed", 0, 1e15, p->seed = (uint64_t)d, "a non-negative integer");
	NUM("frame-rate", 0.5, 100000, o->default_frame_duration_us = (int64_t)(1e6 / d),
	    "0.5 to 100000 (frames per second)");
	NUM("max-frame-rate", 0.5, 100000, o->min_frame_duration_us = (int64_t)(1e6 / d),
	    "0.5 to 100000 (frames per second)");
	NUM("location", 0, 2, o->location = (int32_t)d, "0 (front), 1 (back) or 2 (external)");
	NUM("rotation", 0, 270, o->rotation = (int32_t)d, "0, 90, 180 or 270");
	NUM("disconnect-after", 0, 1e15, o->disconnect_after = (uint64_t)d,
	    "a non-negative number of frames (0: never)");
#undef NUM
	return -ENOENT;
}

static int apply_option(struct ph_context *ctx, struct virtual_options *o, const char *where,
			unsigned line, const char *key, const char *value)
{
	const char *why = "";
	int ret = set_option(o, key, value, &why);

	if (ret == -ENOENT)
		ph_err(ctx, "%s:%u: unknown key '%s' (see doc/virtual-camera.md)\n", where, line,
		       key);
	else if (ret < 0)
		ph_err(ctx, "%s:%u: key '%s': invalid value '%s', expected %s\n", where, line, key,
		       value, why);
	return ret;
}

/* Read a YAML file holding one flat mapping of keys to scalars. */
static int load_file(struct ph_context *ctx, struct virtual_options *o, const char *path)
{
	yaml_parser_t parser;
	yaml_event_t event;
	char *key = NULL;
	unsigned key_line = 0;
	int depth = 0, ret = 0;
	bool done = false;
	FILE *f = fopen(path, "re");

	if (!f) {
		ph_err(ctx, "virtual camera: cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	while (!done && ret == 0) {
		if (!yaml_parser_parse(&parser, &event)) {
			ph_err(ctx, "%s:%zu: YAML error: %s\n", path, parser.problem_mark.line + 1,
			       parser.problem ? parser.problem : "malformed");
			ret = -EINVAL;
			break;
		}
		unsigned line = (unsigned)event.start_mark.line + 1;

		switch (event.type) {
		case YAML_MAPPING_START_EVENT:
			if (++depth > 1) {
				ph_err(ctx, "%s:%u: key '%s': nested mappings are not allowed\n",
				       path, line, key ? key : "?");
				ret = -EINVAL;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
			ph_err(ctx, "%s:%u: key '%s': lists are not allowed\n", path, line,
			       key ? key : "?");
			ret = -EINVAL;
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)event.data.scalar.value;

			if (depth != 1) {
				ph_err(ctx, "%s:%u: expected a mapping of keys to values\n", path,
				       line);
				ret = -EINVAL;
			} else if (!key) {
				key = strdup(s);
				key_line = line;
				if (!key)
					ret = -ENOMEM;
			} else {
				ret = apply_option(ctx, o, path, key_line, key, s);
				free(key);
				key = NULL;
			}
			break;
		}
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	free(key);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

/* $PINHOLE_VIRTUAL: "key=value,key=value", applied over the file. */
static int load_env(struct ph_context *ctx, struct virtual_options *o, const char *env)
{
	char *copy = strdup(env), *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (char *item = strtok_r(copy, ",", &save); item && ret == 0;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq) {
			ph_err(ctx, "PINHOLE_VIRTUAL: '%s' is not key=value\n", item);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		ret = apply_option(ctx, o, "PINHOLE_VIRTUAL", 1, item, eq + 1);
	}
	free(copy);
	return ret;
}

static void options_default(struct virtual_options *o)
{
	memset(o, 0, sizeof(*o));
	ph_sim_params_default(&o->sim);
	o->packed = false;
	o->min_frame_duration_us = 1000000 / 60;
	o->default_frame_duration_us = 1000000 / 30;
	o->render = true;
	o->ipa = true;
	o->location = 2;
}

/* ---- formats ---- */

static uint32_t raw_format(const struct ph_sim_params *p, bool packed)
{
	return ph_format_raw(p->order, p->bit_depth, packed);
}

#define STRIDE_ALIGN 64 /* a cache line: keeps every row aligned for SIMD */

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) / a * a;
}

static int add_formats(struct virtual_camera *vc, struct ph_config *config, unsigned index,
		       enum ph_stream_role role)
{
	const struct ph_sim_params *p = &vc->opt.sim;
	int ret = 0;

	if (role == PH_ROLE_RAW) {
		struct ph_size_range r = {64, 64, p->width, p->height, 2, 2};

		ret = ph_config_add_format(config, index, raw_format(p, false), &r);
		if (!ret)
			ret = ph_config_add_format(config, index, raw_format(p, true), &r);
		return ret;
	}
	for (unsigned i = 0; i < ph_soft_isp_format_count; i++) {
		struct ph_size_range r = {64, 64, p->width, p->height, 2, 2};

		ret = ph_config_add_format(config, index, ph_soft_isp_formats[i], &r);
		if (ret)
			return ret;
	}
	return 0;
}

static int virtual_generate_config(struct ph_camera *cam, struct ph_config *config,
				   const enum ph_stream_role *roles, unsigned count)
{
	struct virtual_camera *vc = cam->priv;
	const struct ph_sim_params *p = &vc->opt.sim;

	for (unsigned i = 0; i < count; i++) {
		struct ph_stream_config sc = {.role = roles[i], .buffer_count = DEFAULT_BUFFERS};
		int index, ret;

		switch (roles[i]) {
		case PH_ROLE_RAW:
			sc.pixel_format = raw_format(p, vc->opt.packed);
			sc.width = p->width;
			sc.height = p->height;
			break;
		case PH_ROLE_STILL:
			sc.pixel_format = PH_FORMAT_RGB888;
			sc.width = p->width;
			sc.height = p->height;
			break;
		case PH_ROLE_VIDEO:
			sc.pixel_format = PH_FORMAT_NV12;
			sc.width = p->width < 1920 ? p->width : 1920;
			sc.height = p->height < 1080 ? p->height : 1080;
			break;
		case PH_ROLE_VIEWFINDER:
		default:
			sc.pixel_format = PH_FORMAT_RGB888;
			sc.width = p->width < 1280 ? p->width : 1280;
			sc.height = p->height < 720 ? p->height : 720;
			break;
		}
		index = ph_config_add_stream(config, &sc);
		if (index < 0)
			return index;
		ret = add_formats(vc, config, (unsigned)index, roles[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static uint32_t clamp_even(uint32_t v, uint32_t max)
{
	return v < 64 ? 64 : v > max ? max : v & ~1u;
}

/*
 * The simulated sensor scales its whole field of view to one output size,
 * the mode: the raw stream's size if there is one, else the largest
 * processed stream's. The ISP does not scale, so each processed stream is
 * the mode, or half of it (binned).
 */
static void mode_size(const struct virtual_camera *vc, struct ph_config *config, uint32_t *mw,
		      uint32_t *mh)
{
	const struct ph_sim_params *p = &vc->opt.sim;
	uint64_t best = 0;

	*mw = p->width;
	*mh = p->height;
	for (unsigned i = 0; i < ph_config_stream_count(config); i++) {
		struct ph_stream_config *sc = ph_config_stream_at(config, i);
		uint32_t w = clamp_even(sc->width, p->width), h = clamp_even(sc->height, p->height);

		if (sc->role == PH_ROLE_RAW) {
			*mw = w;
			*mh = h;
			return;
		}
		if ((uint64_t)w * h > best) {
			best = (uint64_t)w * h;
			*mw = w;
			*mh = h;
		}
	}
}

static enum ph_config_status virtual_validate(struct ph_camera *cam, struct ph_config *config)
{
	struct virtual_camera *vc = cam->priv;
	const struct ph_sim_params *p = &vc->opt.sim;
	unsigned raw = 0, processed = 0, n = ph_config_stream_count(config);
	enum ph_config_status status = PH_CONFIG_VALID;
	uint32_t mw, mh;

	for (unsigned i = 0; i < n; i++) {
		struct ph_stream_config *sc = ph_config_stream_at(config, i);

		if (sc->role == PH_ROLE_RAW)
			raw++;
		else
			processed++;
	}
	if (raw > 1 || processed > 2) {
		ph_config_message(config,
				  "%u raw and %u processed streams asked; the virtual camera has "
				  "at most 1 raw and 2 processed streams",
				  raw, processed);
		return PH_CONFIG_INVALID;
	}

	mode_size(vc, config, &mw, &mh);
	for (unsigned i = 0; i < n; i++) {
		struct ph_stream_config *sc = ph_config_stream_at(config, i);
		bool is_raw = sc->role == PH_ROLE_RAW;
		uint32_t fmt_ok = 0;

		if (!ph_stream_role_name(sc->role)) {
			ph_config_message(config, "stream %u: invalid role %d", i, sc->role);
			return PH_CONFIG_INVALID;
		}
		for (unsigned f = 0; f < ph_config_format_count(config, i); f++)
			fmt_ok |= ph_config_format_at(config, i, f) == sc->pixel_format;
		if (ph_config_format_count(config, i) == 0) {
			/* Streams the pipeline did not generate: offer the role's formats. */
			if (add_formats(vc, config, i, sc->role) < 0)
				return PH_CONFIG_INVALID;
			for (unsigned f = 0; f < ph_config_format_count(config, i); f++)
				fmt_ok |= ph_config_format_at(config, i, f) == sc->pixel_format;
		}
		if (!fmt_ok) {
			uint32_t def = is_raw ? raw_format(p, vc->opt.packed) : PH_FORMAT_RGB888;
			const char *asked = ph_format_name(sc->pixel_format);

			ph_config_message(
				config, "stream %u: format %s%s%s is not offered for %s; using %s",
				i, asked ? asked : "", asked ? "" : "0x", asked ? "" : "(unknown)",
				ph_stream_role_name(sc->role), ph_format_name(def));
			sc->pixel_format = def;
			sc->adjusted |= PH_ADJUSTED_FORMAT;
		}

		if (!ph_soft_isp_fit_stream(config, i, mw, mh, STRIDE_ALIGN, DEFAULT_BUFFERS))
			return PH_CONFIG_INVALID;
		if (sc->adjusted)
			status = PH_CONFIG_ADJUSTED;
	}
	return status;
}

#define STATS_ZONES_X 16
#define STATS_ZONES_Y 12

/*
 * Load the IPA module on first use (not when listing cameras) and give it
 * the sensor mode. Without a module the camera still works, with the fixed
 * ISP defaults of render().
 */
static int configure_ipa(struct virtual_camera *vc)
{
	struct ph_camera *cam = vc->camera;
	const struct ph_sim_params *p = &vc->opt.sim;
	const struct ph_control_info *exp = ph_camera_find_control(cam, PH_CONTROL_EXPOSURE_TIME);
	const struct ph_control_info *gain = ph_camera_find_control(cam, PH_CONTROL_ANALOGUE_GAIN);

	/* No pixels (render=false), no statistics: nothing for 3A to do. */
	if (!vc->opt.ipa || !vc->opt.render)
		return 0;
	if (!vc->ipa_tried) {
		struct ph_ipa_sensor_info info = {
			.size = sizeof(info),
			.width = p->width,
			.height = p->height,
			.bit_depth = p->bit_depth,
			.cfa = (uint32_t)p->order,
			.black_level = p->black_level << (16 - p->bit_depth),
			.exposure_delay = vc->exposure_delay,
			.gain_delay = vc->gain_delay,
			.min_gain = gain->min.f[0],
			.max_gain = gain->max.f[0],
			.min_exposure_us = exp->min.i32[0],
			.max_exposure_us = exp->max.i32[0],
		};

		vc->ipa_tried = true;
		snprintf(info.model, sizeof(info.model), "%s", p->model);
		vc->ipa_controls = ph_control_list_new();
		if (!vc->ipa_controls)
			return -ENOMEM;
		vc->ipa = ph_ipa_load(cam->ctx, NULL, "virtual", &info);
		if (vc->ipa) {
			ph_ipa_set_camera(vc->ipa, cam);
			/* Statistics go straight to the module (shared memory when isolated). */
			vc->ipa_stats = ph_ipa_stats_buffer(vc->ipa);
		} else
			ph_warn(cam->ctx,
				"%s: no IPA module: running without 3A, on fixed ISP defaults\n",
				cam->id);
	}
	if (vc->ipa) {
		struct ph_ipa_config config = {
			.size = sizeof(config),
			.width = vc->mode_width,
			.height = vc->mode_height,
			.line_time_us = vc->line_time_ns / 1000.0,
			.min_frame_duration_us = vc->opt.min_frame_duration_us,
			.max_frame_duration_us = vc->opt.default_frame_duration_us,
			.zones_x = STATS_ZONES_X,
			.zones_y = STATS_ZONES_Y,
			.exposure_margin_lines = EXPOSURE_MARGIN_LINES,
		};
		int ret = ph_ipa_configure(vc->ipa, &config);
		uint16_t black = (uint16_t)(p->black_level << (16 - p->bit_depth));

		/* Until the module's first parameters: what render() does without one. */
		vc->ipa_params = (struct ph_ipa_isp_params){
			.size = sizeof(vc->ipa_params),
			.black_level = {black, black, black, black},
			.wb_gains = {1.0f, 1.0f, 1.0f},
			.ccm = {1, 0, 0, 0, 1, 0, 0, 0, 1},
			.gamma = PH_IPA_GAMMA_SRGB,
			.contrast = 1.0f,
			.saturation = 1.0f,
		};
		ph_sim_params_ideal_colour_gains(p, vc->ipa_params.wb_gains);
		vc->ipa_params.wb_gains[2] = vc->ipa_params.wb_gains[1];
		vc->ipa_params.wb_gains[1] = 1.0f;

		if (ret < 0) {
			ph_warn(cam->ctx,
				"%s: IPA module refused the configuration (%s); running "
				"without 3A\n",
				cam->id, strerror(-ret));
			ph_ipa_free(vc->ipa);
			vc->ipa = NULL;
			vc->ipa_stats = NULL;
		}
	}
	return 0;
}

/*
 * Set the sensor mode and the ISP up for the configured streams. The scene
 * and the ISP are built on first use, so that listing cameras stays cheap.
 */
static int virtual_configure(struct ph_camera *cam)
{
	struct virtual_camera *vc = cam->priv;
	struct ph_sim_params mode = vc->opt.sim;
	struct ph_stream *raw = NULL;
	uint64_t area = 0;

	for (unsigned i = 0; i < cam->stream_count; i++) {
		const struct ph_stream_config *sc = &cam->streams[i]->config;

		if (sc->role == PH_ROLE_RAW)
			raw = cam->streams[i];
		if (!raw && (uint64_t)sc->width * sc->height > area) {
			area = (uint64_t)sc->width * sc->height;
			mode.width = sc->width;
			mode.height = sc->height;
		}
	}
	if (raw) {
		mode.width = raw->config.width;
		mode.height = raw->config.height;
	}

	free(vc->raw_frame);
	vc->raw_frame = NULL;
	vc->raw_fourcc = raw ? raw->config.pixel_format : raw_format(&mode, false);
	vc->raw_stride =
		raw ? raw->config.stride
		    : align_up(ph_format_min_stride(vc->raw_fourcc, mode.width), STRIDE_ALIGN);
	if (!raw && vc->opt.render) {
		vc->raw_frame = malloc((size_t)vc->raw_stride * mode.height);
		if (!vc->raw_frame)
			return -ENOMEM;
	}

	if (!vc->scene || vc->mode_width != mode.width || vc->mode_height != mode.height) {
		ph_sim_scene_free(vc->scene);
		vc->scene = ph_sim_scene_new(&mode);
		if (!vc->scene)
			return -ENOMEM;
	}
	vc->mode_width = mode.width;
	vc->mode_height = mode.height;

	if (!vc->isp)
		vc->isp = ph_isp_new(0);
	if (!vc->stats)
		vc->stats = malloc(sizeof(*vc->stats));
	if (!vc->isp || !vc->stats)
		return -ENOMEM;
	return configure_ipa(vc);
}

/* ---- the frame clock ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int arm_timer(struct virtual_camera *vc, uint64_t when_ns)
{
	struct itimerspec its = {
		.it_value = {(time_t)(when_ns / 1000000000ull), (long)(when_ns % 1000000000ull)}};

	return timerfd_settime(vc->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

static double max_exposure_lines(const struct virtual_camera *vc)
{
	double frame_lines = (double)vc->fdl[1] * 1000.0 / vc->line_time_ns;

	return frame_lines - EXPOSURE_MARGIN_LINES;
}

/* Duration of a frame taken with @exposure_lines under the current limits. */
static uint64_t frame_duration_ns(const struct virtual_camera *vc, double exposure_lines)
{
	double needed = (exposure_lines + EXPOSURE_MARGIN_LINES) * vc->line_time_ns;
	double lo = (double)vc->fdl[0] * 1000.0, hi = (double)vc->fdl[1] * 1000.0;

	return (uint64_t)(needed < lo ? lo : needed > hi ? hi : needed);
}

/* Controls the IPA module decides when there is one: it sees the request's values. */
static bool ipa_owned(uint32_t id)
{
	switch (id) {
	case PH_CONTROL_EXPOSURE_TIME:
	case PH_CONTROL_ANALOGUE_GAIN:
	case PH_CONTROL_COLOUR_GAINS:
	case PH_CONTROL_BRIGHTNESS:
	case PH_CONTROL_CONTRAST:
	case PH_CONTROL_SATURATION:
		return true;
	default:
		return false;
	}
}

/*
 * Apply a request's controls to the sensor at frame @frame; record ISP-side
 * ones. @skip_ipa: leave the controls the IPA module owns to it.
 */
static void apply_controls(struct virtual_camera *vc, const struct ph_control_list *controls,
			   uint64_t frame, struct ph_control_list *metadata, bool skip_ipa)
{
	struct ph_camera *cam = vc->camera;
	unsigned n = ph_control_list_count(controls);

	/* Two passes: frame duration limits first, as they bound the exposure. */
	for (unsigned k = 0; k < 2 * n; k++) {
		uint32_t id = ph_control_list_id_at(controls, k % n);

		if ((k < n) != (id == PH_CONTROL_FRAME_DURATION_LIMITS))
			continue;
		const struct ph_control_info *info = ph_camera_find_control(cam, id);
		struct ph_control_value v;

		if (!info || ph_control_list_get(controls, id, &v) < 0)
			continue;
		if (skip_ipa && ipa_owned(id))
			continue;
		if (ph_control_clamp(info, &v))
			ph_dbg(cam->ctx, "%s: control %s out of range, clamped\n", cam->id,
			       info->desc->name);
		switch (id) {
		case PH_CONTROL_EXPOSURE_TIME: {
			double lines = round(v.i32[0] * 1000.0 / vc->line_time_ns);
			double max = max_exposure_lines(vc);

			lines = lines < 1 ? 1 : lines > max ? max : lines;
			ph_delayed_set(&vc->exposure_lines, frame + vc->exposure_delay, lines);
			break;
		}
		case PH_CONTROL_ANALOGUE_GAIN: {
			double gain = v.f[0];

			/* A real sensor takes a register code: the gain is one of its steps. */
			if (vc->sensor)
				gain = ph_sensor_db_gain_from_code(
					vc->sensor, ph_sensor_db_code_from_gain(vc->sensor, gain));
			ph_delayed_set(&vc->gain, frame + vc->gain_delay, gain);
			break;
		}
		case PH_CONTROL_TEST_PATTERN_MODE:
			ph_delayed_set(&vc->test_pattern, frame + 1, v.i32[0]);
			break;
		case PH_CONTROL_FRAME_DURATION_LIMITS:
			if (v.i64[1] < v.i64[0])
				v.i64[1] = v.i64[0];
			vc->fdl[0] = v.i64[0];
			vc->fdl[1] = v.i64[1];
			ph_control_list_set(metadata, id, &v);
			break;
		case PH_CONTROL_COLOUR_GAINS:
			vc->colour_gains[0] = v.f[0];
			vc->colour_gains[1] = v.f[1];
			break;
		case PH_CONTROL_BRIGHTNESS:
			vc->brightness = v.f[0];
			break;
		case PH_CONTROL_CONTRAST:
			vc->contrast = v.f[0];
			break;
		case PH_CONTROL_SATURATION:
			vc->saturation = v.f[0];
			break;
		default:
			break;
		}
	}
}

static void finish_buffer(struct ph_buffer *buf, const struct ph_sim_frame *frame, int ret)
{
	ph_soft_isp_finish_buffer(buf, frame->sequence, frame->timestamp_ns, ret);
}

/*
 * One frame through the sensor model and the ISP: the raw frame goes to
 * the raw stream's buffer (or a private one), and every processed stream
 * is made from it by the software ISP, as on a camera without a hardware
 * ISP.
 */
static bool render(struct virtual_camera *vc, struct ph_request *req,
		   const struct ph_sim_frame *frame, const struct ph_ipa_isp_params *ipa_params)
{
	struct ph_buffer *processed[2];
	struct ph_isp_output outputs[2];
	unsigned n = 0;
	bool still = false;
	uint8_t *raw = vc->raw_frame;
	int ret = 0;

	if (!vc->opt.render) {
		for (unsigned i = 0; i < req->buffer_count; i++)
			finish_buffer(req->buffers[i].buffer, frame, 0);
		return false;
	}

	for (unsigned i = 0; i < req->buffer_count; i++) {
		struct ph_buffer *buf = req->buffers[i].buffer;
		const struct ph_stream_config *sc = &req->buffers[i].stream->config;

		if (sc->role == PH_ROLE_RAW) {
			raw = ph_buffer_map_write(buf, 0);
			ret = raw ? ph_sim_render_raw(vc->scene, frame, sc->pixel_format, raw,
						      sc->stride)
				  : -ENOMEM;
			finish_buffer(buf, frame, ret);
		} else if (n < 2) {
			still |= sc->role == PH_ROLE_STILL;
			if (ph_soft_isp_output(buf, sc, vc->mode_width, &outputs[n]))
				processed[n++] = buf;
			else
				finish_buffer(buf, frame, -ENOMEM);
		}
	}
	/* Raw only: statistics for the IPA still come from the ISP. */
	if (n == 0 && (!ipa_params || raw == vc->raw_frame || ret < 0))
		return false;

	if (raw == vc->raw_frame)
		ret = ph_sim_render_raw(vc->scene, frame, vc->raw_fourcc, raw, vc->raw_stride);
	if (ret == 0 && raw) {
		const struct ph_sim_params *p = &vc->opt.sim;
		uint16_t black = (uint16_t)(p->black_level << (16 - p->bit_depth));
		struct ph_isp_input in = {
			.fourcc = vc->raw_fourcc,
			.width = vc->mode_width,
			.height = vc->mode_height,
			.stride = vc->raw_stride,
			.data = raw,
		};
		struct ph_isp_params params;
		struct ph_isp_stats_config stats_config = {STATS_ZONES_X, STATS_ZONES_Y, 2};

		ph_isp_params_identity(&params);
		if (ipa_params) {
			ph_soft_isp_params_from_ipa(&params, ipa_params);
		} else {
			/* No IPA module: the sensor's black level, the requested
			 * colour gains, sRGB primaries (the model's). */
			for (unsigned c = 0; c < 4; c++)
				params.black_level[c] = black;
			params.wb_gains[0] = vc->colour_gains[0];
			params.wb_gains[2] = vc->colour_gains[1];
			params.gamma = true;
			params.brightness = vc->brightness;
			params.contrast = vc->contrast;
			params.saturation = vc->saturation;
		}
		params.demosaic = still ? PH_ISP_DEMOSAIC_HQ : PH_ISP_DEMOSAIC_FAST;
		ret = ph_isp_process(vc->isp, &in, &params, n ? outputs : NULL, n, &stats_config,
				     vc->stats);
	}
	for (unsigned i = 0; i < n; i++)
		finish_buffer(processed[i], frame, raw ? ret : -ENOMEM);
	return ret == 0 && raw;
}

/* The ISP's statistics in the module ABI's layout. */
static void ipa_stats(struct virtual_camera *vc)
{
	const struct ph_sim_params *p = &vc->opt.sim;
	uint32_t shift = 16 - p->bit_depth;

	ph_soft_isp_ipa_stats(vc->stats,
			      (((1u << p->bit_depth) - 1) << shift) - (p->black_level << shift),
			      vc->ipa_stats);
}

/* One frame of the sensor: fill the oldest pending request, if any. */
static void capture_frame(struct virtual_camera *vc, uint64_t duration_ns, double lines,
			  double gain, int pattern)
{
	struct ph_camera *cam = vc->camera;
	struct ph_request *req = ph_list_first(&cam->pending, struct ph_request, link);
	const struct ph_sim_params *p = &vc->opt.sim;
	uint64_t seq = vc->sequence;
	struct ph_sim_frame frame = {
		.exposure_us = lines * vc->line_time_ns / 1000.0,
		.gain = gain,
		.timestamp_ns = vc->frame_start_ns,
		.sequence = (uint32_t)seq,
		.test_pattern = pattern,
	};
	struct ph_control_list *md;
	int32_t black = (int32_t)(p->black_level << (16 - p->bit_depth));

	if (!req) {
		ph_dbg(cam->ctx, "%s: frame %llu dropped: no request queued\n", cam->id,
		       (unsigned long long)seq);
		return;
	}
	md = req->metadata;
	if (vc->ipa) {
		struct ph_ipa_isp_params params = {.size = sizeof(params)};
		struct ph_ipa_frame_info taken = {
			.size = sizeof(taken),
			.sequence = seq,
			.exposure_us = (int32_t)lround(frame.exposure_us),
			.gain = (float)gain,
			.frame_duration_us = (int64_t)(duration_ns / 1000),
		};
		bool have_stats;

		/* The request's controls to the IPA, the rest to the sensor; then the
		 * IPA's sensor controls through the same delays as the user's. */
		ph_ipa_queue_request(vc->ipa, seq, req->controls);
		apply_controls(vc, req->controls, seq, md, true);
		ph_control_list_clear(vc->ipa_controls);
		if (ph_ipa_prepare(vc->ipa, seq, &params, vc->ipa_controls) == 0) {
			apply_controls(vc, vc->ipa_controls, seq, md, false);
			vc->ipa_params = params;
		}
		have_stats = render(vc, req, &frame, &vc->ipa_params);
		if (have_stats)
			ipa_stats(vc);
		ph_ipa_process_stats(vc->ipa, seq, &taken, have_stats ? vc->ipa_stats : NULL, md);
	} else {
		apply_controls(vc, req->controls, seq, md, false);
		render(vc, req, &frame, NULL);
	}

	req->sequence = (uint32_t)seq;
	ph_control_list_set_int64(md, PH_CONTROL_SENSOR_TIMESTAMP, (int64_t)frame.timestamp_ns);
	ph_control_list_set_int64(md, PH_CONTROL_SENSOR_SEQUENCE, (int64_t)seq);
	ph_control_list_set_int32(md, PH_CONTROL_EXPOSURE_TIME, (int32_t)lround(frame.exposure_us));
	ph_control_list_set_float(md, PH_CONTROL_ANALOGUE_GAIN, (float)gain);
	ph_control_list_set_int64(md, PH_CONTROL_FRAME_DURATION, (int64_t)(duration_ns / 1000));
	ph_control_list_set_int32_array(md, PH_CONTROL_SENSOR_BLACK_LEVELS,
					(const int32_t[]){black, black, black, black}, 4);
	ph_control_list_set_int32(md, PH_CONTROL_TEST_PATTERN_MODE, pattern);
	if (!vc->ipa) {
		/* Without an IPA the ISP ran on these; with one, it reported what it applied. */
		ph_control_list_set_float_array(md, PH_CONTROL_COLOUR_GAINS, vc->colour_gains, 2);
		ph_control_list_set_float(md, PH_CONTROL_BRIGHTNESS, vc->brightness);
		ph_control_list_set_float(md, PH_CONTROL_CONTRAST, vc->contrast);
		ph_control_list_set_float(md, PH_CONTROL_SATURATION, vc->saturation);
		ph_control_list_set_float(md, PH_CONTROL_LUX, ph_sim_scene_lux(vc->scene));
	}
	ph_camera_complete_request(cam, req, PH_REQUEST_COMPLETE);
}

static void on_frame(struct ph_source *source, int fd, uint32_t events, void *data)
{
	struct virtual_camera *vc = data;
	uint64_t expirations, now = now_ns();
	unsigned frames = 0;

	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return; /* spurious wake-up */

	/* Every frame whose readout ended by now; late ones are caught up or dropped. */
	for (;;) {
		uint64_t seq = vc->sequence;
		double lines = ph_delayed_at(&vc->exposure_lines, seq);
		double gain = ph_delayed_at(&vc->gain, seq);
		int pattern = (int)ph_delayed_at(&vc->test_pattern, seq);
		uint64_t duration = frame_duration_ns(vc, lines);

		if (vc->frame_start_ns + duration > now)
			break;
		if (frames++ < MAX_CATCH_UP)
			capture_frame(vc, duration, lines, gain, pattern);
		vc->frame_start_ns += duration;
		vc->sequence++;
		if (vc->opt.disconnect_after && vc->sequence >= vc->opt.disconnect_after) {
			/* Simulated unplug, for tests of applications: frees vc. */
			ph_camera_remove(vc->camera);
			return;
		}
	}
	if (vc->camera->state == PH_CAMERA_RUNNING) {
		double lines = ph_delayed_at(&vc->exposure_lines, vc->sequence);

		arm_timer(vc, vc->frame_start_ns + frame_duration_ns(vc, lines));
	}
}

static int virtual_start(struct ph_camera *cam, const struct ph_control_list *controls)
{
	struct virtual_camera *vc = cam->priv;
	const struct ph_control_info *exp = ph_camera_find_control(cam, PH_CONTROL_EXPOSURE_TIME);
	const struct ph_control_info *gain = ph_camera_find_control(cam, PH_CONTROL_ANALOGUE_GAIN);
	struct ph_control_list *scratch = ph_control_list_new();
	int ret;

	if (!scratch)
		return -ENOMEM;
	vc->sequence = 0;
	vc->fdl[0] = vc->fdl[1] = vc->opt.default_frame_duration_us;
	ph_sim_ideal_colour_gains(vc->scene, vc->colour_gains);
	vc->brightness = 0.0f;
	vc->contrast = 1.0f;
	vc->saturation = 1.0f;
	ph_delayed_reset(&vc->exposure_lines, round(exp->def.i32[0] * 1000.0 / vc->line_time_ns));
	ph_delayed_reset(&vc->gain, gain->def.f[0]);
	ph_delayed_reset(&vc->test_pattern, 0);
	/* Start controls are in effect from the first frame: no delay before streaming. */
	if (controls) {
		apply_controls(vc, controls, 0, scratch, false);
		ph_delayed_reset(&vc->exposure_lines,
				 ph_delayed_at(&vc->exposure_lines, UINT64_MAX));
		ph_delayed_reset(&vc->gain, ph_delayed_at(&vc->gain, UINT64_MAX));
		ph_delayed_reset(&vc->test_pattern, ph_delayed_at(&vc->test_pattern, UINT64_MAX));
	}
	ph_control_list_free(scratch);
	if (vc->ipa) {
		struct ph_ipa_frame_info sensor = {
			.size = sizeof(sensor),
			.exposure_us = (int32_t)lround(ph_delayed_at(&vc->exposure_lines, 0) *
						       vc->line_time_ns / 1000.0),
			.gain = (float)ph_delayed_at(&vc->gain, 0),
		};

		ret = ph_ipa_start(vc->ipa, &sensor, controls);
		if (ret < 0)
			return ret;
	}

	vc->source =
		ph_loop_add_fd(ph_context_get_loop(cam->ctx), vc->timer_fd, EPOLLIN, on_frame, vc);
	if (!vc->source)
		return -errno;
	vc->frame_start_ns = now_ns();
	ret = arm_timer(vc, vc->frame_start_ns +
				    frame_duration_ns(vc, ph_delayed_at(&vc->exposure_lines, 0)));
	if (ret < 0) {
		ph_loop_remove(vc->source);
		vc->source = NULL;
	}
	return ret;
}

static void virtual_stop(struct ph_camera *cam)
{
	struct virtual_camera *vc = cam->priv;
	struct itimerspec off = {0};

	timerfd_settime(vc->timer_fd, 0, &off, NULL);
	ph_loop_remove(vc->source);
	vc->source = NULL;
	if (vc->ipa)
		ph_ipa_stop(vc->ipa);
}

static int virtual_queue_request(struct ph_camera *cam, struct ph_request *req)
{
	return 0; /* the request waits in cam->pending for its frame */
}

static void virtual_destroy(struct ph_camera *cam)
{
	struct virtual_camera *vc = cam->priv;

	if (!vc)
		return;
	if (vc->source)
		ph_loop_remove(vc->source);
	if (vc->timer_fd >= 0)
		close(vc->timer_fd);
	ph_sim_scene_free(vc->scene);
	ph_isp_free(vc->isp);
	free(vc->stats);
	ph_ipa_free(vc->ipa);
	ph_control_list_free(vc->ipa_controls);
	free(vc->raw_frame);
	free(vc);
	cam->priv = NULL;
}

static const struct ph_pipeline_ops virtual_ops = {
	.name = "virtual",
	.destroy = virtual_destroy,
	.generate_config = virtual_generate_config,
	.validate = virtual_validate,
	.configure = virtual_configure,
	.start = virtual_start,
	.stop = virtual_stop,
	.queue_request = virtual_queue_request,
};

static int add_control(struct ph_camera *cam, uint32_t id, struct ph_control_value min,
		       struct ph_control_value max, struct ph_control_value def)
{
	return ph_camera_add_control(cam, id, &min, &max, &def);
}

static int add_properties_and_controls(struct virtual_camera *vc)
{
	struct ph_camera *cam = vc->camera;
	const struct ph_sim_params *p = &vc->opt.sim;
	struct ph_control_list *props = cam->properties;
	int32_t w = (int32_t)p->width, h = (int32_t)p->height;
	int64_t max_fd = 1000000;
	float ideal[2];
	int ret = 0;

	ret |= ph_control_list_set_string(props, PH_PROPERTY_MODEL, p->model);
	ret |= ph_control_list_set_int32(props, PH_PROPERTY_LOCATION, vc->opt.location);
	ret |= ph_control_list_set_int32(props, PH_PROPERTY_ROTATION, vc->opt.rotation);
	ret |= ph_control_list_set_int32_array(props, PH_PROPERTY_PIXEL_ARRAY_SIZE,
					       (const int32_t[]){w, h}, 2);
	ret |= ph_control_list_set_int32_array(props, PH_PROPERTY_PIXEL_ARRAY_ACTIVE_AREA,
					       (const int32_t[]){0, 0, w, h}, 4);
	ret |= ph_control_list_set_int32_array(
		props, PH_PROPERTY_UNIT_CELL_SIZE,
		vc->sensor ? (const int32_t[]){(int32_t)vc->sensor->unit_cell_nm[0],
					       (int32_t)vc->sensor->unit_cell_nm[1]}
			   : (const int32_t[]){1120, 1120},
		2);
	ret |= ph_control_list_set_int32(props, PH_PROPERTY_COLOR_FILTER_ARRANGEMENT, p->order);
	ret |= ph_control_list_set_int32(props, PH_PROPERTY_SENSOR_BIT_DEPTH,
					 (int32_t)p->bit_depth);
	if (ret)
		return -ENOMEM;

	/* Exposure can grow to the longest frame, less the sensor's margin. */
	int32_t max_exp = (int32_t)(max_fd - EXPOSURE_MARGIN_LINES * vc->line_time_ns / 1000.0);
	int32_t def_exp = 10000;
	struct ph_control_value fdl_min = {
		PH_CONTROL_TYPE_INT64, 2,
		.i64 = {vc->opt.min_frame_duration_us, vc->opt.min_frame_duration_us}};
	struct ph_control_value fdl_max = {PH_CONTROL_TYPE_INT64, 2, .i64 = {max_fd, max_fd}};
	struct ph_control_value fdl_def = {
		PH_CONTROL_TYPE_INT64, 2,
		.i64 = {vc->opt.default_frame_duration_us, vc->opt.default_frame_duration_us}};

	ph_sim_params_ideal_colour_gains(&vc->opt.sim, ideal);
	if (def_exp > vc->opt.default_frame_duration_us * 9 / 10)
		def_exp = (int32_t)(vc->opt.default_frame_duration_us * 9 / 10);

	ret = add_control(cam, PH_CONTROL_EXPOSURE_TIME, ph_control_value_int32(10),
			  ph_control_value_int32(max_exp), ph_control_value_int32(def_exp));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_ANALOGUE_GAIN, ph_control_value_float(1.0f),
				  ph_control_value_float(16.0f), ph_control_value_float(1.0f));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_FRAME_DURATION_LIMITS, fdl_min, fdl_max, fdl_def);
	if (!ret)
		ret = add_control(cam, PH_CONTROL_TEST_PATTERN_MODE, ph_control_value_int32(0),
				  ph_control_value_int32(2), ph_control_value_int32(0));
	if (!ret)
		ret = ph_soft_isp_add_controls(cam, ideal);
	return ret;
}

int ph_virtual_set_scene_lux(struct ph_camera *cam, float lux)
{
	struct virtual_camera *vc;
	struct ph_sim_params mode;
	struct ph_sim_scene *scene;

	if (!cam || cam->ops != &virtual_ops || !(lux >= 0.01f && lux <= 1e6f))
		return -EINVAL;
	vc = cam->priv;
	vc->opt.sim.lux = lux;
	if (!vc->scene)
		return 0; /* the first configure builds it */
	/* Frames are rendered on the context's thread, as this is called: swap the scene. */
	mode = vc->opt.sim;
	mode.width = vc->mode_width;
	mode.height = vc->mode_height;
	scene = ph_sim_scene_new(&mode);
	if (!scene)
		return -ENOMEM;
	ph_sim_scene_free(vc->scene);
	vc->scene = scene;
	return 0;
}

int ph_pipeline_virtual_match(struct ph_context *ctx)
{
	struct virtual_camera *vc = calloc(1, sizeof(*vc));
	const char *env = getenv("PINHOLE_VIRTUAL");
	int ret = 0;

	if (!vc)
		return -ENOMEM;
	vc->timer_fd = -1;
	options_default(&vc->opt);
	if (ctx->virtual_config)
		ret = load_file(ctx, &vc->opt, ctx->virtual_config);
	if (!ret && env && *env)
		ret = load_env(ctx, &vc->opt, env);
	if (!ret && vc->opt.sim.black_level >= (1u << vc->opt.sim.bit_depth) - 1) {
		ph_err(ctx, "virtual camera: black-level %u must be below the %u-bit white level\n",
		       vc->opt.sim.black_level, vc->opt.sim.bit_depth);
		ret = -EINVAL;
	}
	if (!ret && vc->opt.min_frame_duration_us > vc->opt.default_frame_duration_us)
		vc->opt.default_frame_duration_us = vc->opt.min_frame_duration_us;
	if (ret < 0) {
		ph_err(ctx, "virtual camera: configuration rejected; the camera is not created\n");
		free(vc);
		return ret;
	}
	/* A sensor the database knows brings its control delays and gain steps. */
	vc->sensor = ph_sensor_db_find(vc->opt.sim.model);
	vc->exposure_delay = vc->sensor ? vc->sensor->exposure_delay : EXPOSURE_DELAY;
	vc->gain_delay = vc->sensor ? vc->sensor->gain_delay : GAIN_DELAY;
	if (vc->exposure_delay > PH_DELAYED_MAX)
		vc->exposure_delay = PH_DELAYED_MAX;
	if (vc->gain_delay > PH_DELAYED_MAX)
		vc->gain_delay = PH_DELAYED_MAX;

	/* Lines of the fastest frame: the pixel array plus minimum blanking. */
	vc->line_time_ns =
		vc->opt.min_frame_duration_us * 1000.0 / (vc->opt.sim.height + VBLANK_MIN_LINES);

	vc->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	vc->camera = ph_camera_new(ctx, &virtual_ops, "virtual:0", vc);
	if (vc->timer_fd < 0 || !vc->camera) {
		ret = vc->timer_fd < 0 ? -errno : -ENOMEM;
		ph_err(ctx, "virtual camera: cannot create: %s\n", strerror(-ret));
		if (vc->camera)
			ph_camera_unref(vc->camera); /* destroys vc */
		else
			virtual_destroy(&(struct ph_camera){.priv = vc});
		return ret;
	}
	ret = add_properties_and_controls(vc);
	if (!ret)
		ret = ph_camera_add(vc->camera);
	if (ret < 0) {
		ph_err(ctx, "virtual camera: cannot create: %s\n", strerror(-ret));
		ph_camera_unref(vc->camera);
	}
	return ret;
}
