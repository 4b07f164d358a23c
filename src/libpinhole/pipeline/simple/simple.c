/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa/ipa.h"
#include "isp/isp.h"
#include "pipeline/simple/simple.h"

#define EXPOSURE_DELAY	      2 /* a sensor the sensor database does not know */
#define GAIN_DELAY	      1
#define STATS_ZONES_X	      16
#define STATS_ZONES_Y	      12
#define EXPOSURE_MARGIN_LINES 4
#define DEFAULT_BUFFERS	      8

struct ph_simple_isp {
	struct ph_camera *camera;
	struct ph_v4l2_ctrls *ctrls; /* the node's, owned by the camera */
	char model[32];
	const struct ph_sensor_db_entry *sensor;
	unsigned exposure_delay, gain_delay;
	struct ph_simple_mode mode;
	uint32_t interval_us;
	struct ph_isp *isp;
	struct ph_isp_stats *stats;
	struct ph_ipa *ipa;
	bool ipa_tried;
	struct ph_ipa_stats *ipa_stats;
	struct ph_control_list *ipa_controls;
	struct ph_ipa_isp_params params;
	struct ph_delayed_control exposure, gain;
	uint64_t last_timestamp_ns;
};

struct ph_simple_isp *ph_simple_isp_new(struct ph_camera *camera, struct ph_v4l2_ctrls *ctrls,
					const char *model)
{
	struct ph_simple_isp *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->camera = camera;
	s->ctrls = ctrls;
	snprintf(s->model, sizeof(s->model), "%s", model);
	s->sensor = ph_sensor_db_find(s->model);
	s->exposure_delay = s->sensor ? s->sensor->exposure_delay : EXPOSURE_DELAY;
	s->gain_delay = s->sensor ? s->sensor->gain_delay : GAIN_DELAY;
	if (s->exposure_delay > PH_DELAYED_MAX)
		s->exposure_delay = PH_DELAYED_MAX;
	if (s->gain_delay > PH_DELAYED_MAX)
		s->gain_delay = PH_DELAYED_MAX;
	return s;
}

void ph_simple_isp_free(struct ph_simple_isp *s)
{
	if (!s)
		return;
	ph_isp_free(s->isp);
	free(s->stats);
	ph_ipa_free(s->ipa);
	free(s->ipa_stats);
	ph_control_list_free(s->ipa_controls);
	free(s);
}

static bool is_raw_v4l2(uint32_t v4l2)
{
	uint32_t f = ph_v4l2_format_to_ph(v4l2);
	const struct ph_format_info *info = ph_format_get_info(f);

	/* The ISP takes Bayer sensor data; monochrome nodes stay with the processed path. */
	return info && info->bayer <= PH_BAYER_BGGR;
}

const struct ph_v4l2_format_desc *ph_simple_default_raw(const struct ph_v4l2_format_desc *formats,
							unsigned count)
{
	static const unsigned depths[] = {10, 12, 8, 14, 16};

	for (unsigned d = 0; d < 5; d++)
		for (unsigned i = 0; i < count; i++)
			if (is_raw_v4l2(formats[i].fourcc) &&
			    ph_format_get_info(formats[i].fourcc)->bit_depth == depths[d] &&
			    formats[i].size_count)
				return &formats[i];
	return NULL;
}

static const struct ph_v4l2_format_desc *find_raw(const struct ph_v4l2_format_desc *formats,
						  unsigned count, uint32_t fourcc)
{
	for (unsigned i = 0; i < count; i++)
		if (formats[i].fourcc == fourcc && is_raw_v4l2(fourcc) && formats[i].size_count)
			return &formats[i];
	return NULL;
}

int ph_simple_add_formats(const struct ph_v4l2_format_desc *formats, unsigned count,
			  struct ph_config *config, unsigned index, enum ph_stream_role role)
{
	const struct ph_v4l2_format_desc *def = ph_simple_default_raw(formats, count);
	struct ph_size_range r;
	int ret = 0;

	if (!def)
		return -EINVAL;
	if (role == PH_ROLE_RAW) {
		for (unsigned i = 0; i < count && ret == 0; i++) {
			if (!is_raw_v4l2(formats[i].fourcc) || !formats[i].size_count)
				continue;
			ph_v4l2_size_range(&formats[i], &r);
			ret = ph_config_add_format(config, index, formats[i].fourcc, &r);
		}
		return ret;
	}
	ph_v4l2_size_range(def, &r);
	for (unsigned i = 0; i < ph_soft_isp_format_count; i++) {
		bool listed = false;

		for (unsigned k = 0; k < ph_config_format_count(config, index); k++)
			listed |= ph_config_format_at(config, index, k) == ph_soft_isp_formats[i];
		if (!listed &&
		    (ret = ph_config_add_format(config, index, ph_soft_isp_formats[i], &r)))
			return ret;
	}
	return 0;
}

enum ph_config_status ph_simple_validate(struct ph_camera *cam,
					 const struct ph_v4l2_format_desc *formats, unsigned count,
					 struct ph_config *config, struct ph_simple_mode *mode)
{
	unsigned n = ph_config_stream_count(config), raw = 0, processed = 0;
	struct ph_stream_config *raw_sc = NULL;
	const struct ph_v4l2_format_desc *raw_desc;
	uint32_t mw = 0, mh = 0;
	bool raw_drives = true;
	enum ph_config_status status = PH_CONFIG_VALID;

	for (unsigned i = 0; i < n; i++) {
		struct ph_stream_config *sc = ph_config_stream_at(config, i);

		if (!ph_stream_role_name(sc->role)) {
			ph_config_message(config, "stream %u: invalid role %d", i, sc->role);
			return PH_CONFIG_INVALID;
		}
		if (sc->role == PH_ROLE_RAW) {
			raw++;
			raw_sc = sc;
		} else {
			processed++;
		}
	}
	if (raw > 1 || processed > 2) {
		ph_config_message(config,
				  "%u raw and %u processed streams asked; camera %s has at most 1 "
				  "raw and 2 processed streams",
				  raw, processed, cam->id);
		return PH_CONFIG_INVALID;
	}

	/* The raw format: the raw stream's if the node offers it. */
	raw_desc = raw_sc ? find_raw(formats, count, raw_sc->pixel_format) : NULL;
	if (raw_sc && !raw_desc) {
		raw_desc = ph_simple_default_raw(formats, count);
		if (!raw_desc)
			return PH_CONFIG_INVALID;
		ph_config_message(config, "raw stream: format %s is not offered; using %s",
				  ph_format_name(raw_sc->pixel_format)
					  ? ph_format_name(raw_sc->pixel_format)
					  : "(unknown)",
				  ph_format_name(raw_desc->fourcc));
		raw_sc->pixel_format = raw_desc->fourcc;
		raw_sc->adjusted |= PH_ADJUSTED_FORMAT;
	}
	if (!raw_desc)
		raw_desc = ph_simple_default_raw(formats, count);
	if (!raw_desc)
		return PH_CONFIG_INVALID;

	/* The mode: the raw stream's size when every processed stream is it or half
	 * of it, else the largest processed stream's. */
	for (unsigned i = 0; raw_sc && i < n; i++) {
		const struct ph_stream_config *sc = ph_config_stream_at(config, i);

		if (sc->role != PH_ROLE_RAW &&
		    !(sc->width == raw_sc->width && sc->height == raw_sc->height) &&
		    !(sc->width == raw_sc->width / 2 && sc->height == raw_sc->height / 2))
			raw_drives = false;
	}
	if (raw_sc && raw_drives) {
		mw = raw_sc->width;
		mh = raw_sc->height;
	} else {
		for (unsigned i = 0; i < n; i++) {
			const struct ph_stream_config *sc = ph_config_stream_at(config, i);

			if (sc->role != PH_ROLE_RAW &&
			    (uint64_t)sc->width * sc->height > (uint64_t)mw * mh) {
				mw = sc->width;
				mh = sc->height;
			}
		}
	}
	ph_v4l2_nearest_size(raw_desc, &mw, &mh);
	*mode = (struct ph_simple_mode){raw_desc->fourcc, mw, mh,
					ph_format_min_stride(raw_desc->fourcc, mw)};

	for (unsigned i = 0; i < n; i++) {
		struct ph_stream_config *sc = ph_config_stream_at(config, i);
		bool is_raw = sc->role == PH_ROLE_RAW;

		if (!is_raw && !ph_soft_isp_writes(sc->pixel_format)) {
			ph_config_message(
				config, "stream %u: format %s is not offered; using RGB888", i,
				ph_format_name(sc->pixel_format) ? ph_format_name(sc->pixel_format)
								 : "(unknown)");
			sc->pixel_format = PH_FORMAT_RGB888;
			sc->adjusted |= PH_ADJUSTED_FORMAT;
		}
		if (!ph_soft_isp_fit_stream(config, i, mw, mh, 1, DEFAULT_BUFFERS))
			return PH_CONFIG_INVALID;
		if (sc->adjusted)
			status = PH_CONFIG_ADJUSTED;
	}
	return status;
}

/* The analogue gain range the IPA may use: unity and up. */
static void gain_range(const struct ph_simple_isp *s, float *lo, float *hi)
{
	const struct ph_v4l2_ctrl_map *g = ph_v4l2_ctrls_find(s->ctrls, PH_CONTROL_ANALOGUE_GAIN);

	*lo = *hi = 1.0f;
	if (g) {
		struct ph_control_value max = ph_v4l2_ctrl_to_ph(g, g->v4l2.max);

		*hi = max.f[0] > 1.0f ? max.f[0] : 1.0f;
	}
}

static void exposure_range(const struct ph_simple_isp *s, int32_t *lo, int32_t *hi)
{
	const struct ph_v4l2_ctrl_map *e = ph_v4l2_ctrls_find(s->ctrls, PH_CONTROL_EXPOSURE_TIME);

	if (e) {
		*lo = ph_v4l2_ctrl_to_ph(e, e->v4l2.min).i32[0];
		*hi = ph_v4l2_ctrl_to_ph(e, e->v4l2.max).i32[0];
		if (*lo < 1)
			*lo = 1;
		return;
	}
	/* No exposure control: the sensor integrates for the whole frame. */
	*lo = *hi = (int32_t)s->interval_us;
}

int ph_simple_isp_configure(struct ph_simple_isp *s, const struct ph_simple_mode *mode,
			    uint32_t interval_us)
{
	const struct ph_format_info *info = ph_format_get_info(mode->fourcc);
	struct ph_camera *cam = s->camera;

	s->mode = *mode;
	s->interval_us = interval_us ? interval_us : 33333;
	if (!s->isp)
		s->isp = ph_isp_new(0);
	if (!s->stats)
		s->stats = malloc(sizeof(*s->stats));
	if (!s->ipa_stats)
		s->ipa_stats = malloc(sizeof(*s->ipa_stats));
	if (!s->ipa_controls)
		s->ipa_controls = ph_control_list_new();
	if (!s->isp || !s->stats || !s->ipa_stats || !s->ipa_controls || !info)
		return -ENOMEM;
	if (!s->ipa_tried) {
		struct ph_ipa_sensor_info si = {
			.size = sizeof(si),
			.width = mode->width,
			.height = mode->height,
			.bit_depth = info->bit_depth,
			.cfa = (uint32_t)info->bayer,
			.black_level = s->sensor ? ph_sensor_db_black_level16(s->sensor) : 0,
			.exposure_delay = s->exposure_delay,
			.gain_delay = s->gain_delay,
		};

		s->ipa_tried = true;
		snprintf(si.model, sizeof(si.model), "%s", s->model);
		gain_range(s, &si.min_gain, &si.max_gain);
		exposure_range(s, &si.min_exposure_us, &si.max_exposure_us);
		s->ipa = ph_ipa_load(cam->ctx, NULL, "simple", &si);
		if (s->ipa)
			ph_ipa_set_camera(s->ipa, cam); /* its failure events name the camera */
		else
			ph_warn(cam->ctx, "%s: no IPA module: running without 3A\n", cam->id);
	}
	if (s->ipa) {
		struct ph_ipa_config c = {
			.size = sizeof(c),
			.width = mode->width,
			.height = mode->height,
			.line_time_us = (double)s->interval_us / (mode->height + 20),
			.min_frame_duration_us = s->interval_us,
			.max_frame_duration_us = s->interval_us,
			.zones_x = STATS_ZONES_X,
			.zones_y = STATS_ZONES_Y,
			.exposure_margin_lines = EXPOSURE_MARGIN_LINES,
		};
		int ret = ph_ipa_configure(s->ipa, &c);

		if (ret < 0) {
			ph_warn(cam->ctx, "%s: the IPA refused the mode (%s); running without 3A\n",
				cam->id, strerror(-ret));
			ph_ipa_free(s->ipa);
			s->ipa = NULL;
		}
	}
	s->params = (struct ph_ipa_isp_params){
		.size = sizeof(s->params),
		.wb_gains = {1.0f, 1.0f, 1.0f},
		.ccm = {1, 0, 0, 0, 1, 0, 0, 0, 1},
		.gamma = PH_IPA_GAMMA_SRGB,
		.contrast = 1.0f,
		.saturation = 1.0f,
	};
	return 0;
}

/* The sensor's gain and exposure as the IPA sees them now. */
static double current_gain(const struct ph_simple_isp *s)
{
	const struct ph_v4l2_ctrl_map *g = ph_v4l2_ctrls_find(s->ctrls, PH_CONTROL_ANALOGUE_GAIN);

	if (!g)
		return 1.0;
	return ph_v4l2_ctrl_to_ph(g, s->ctrls->current[g - s->ctrls->map]).f[0];
}

static double current_exposure(const struct ph_simple_isp *s)
{
	const struct ph_v4l2_ctrl_map *e = ph_v4l2_ctrls_find(s->ctrls, PH_CONTROL_EXPOSURE_TIME);

	if (!e)
		return s->interval_us;
	return ph_v4l2_ctrl_to_ph(e, s->ctrls->current[e - s->ctrls->map]).i32[0];
}

/* Write the sensor controls of @list (ExposureTime, AnalogueGain) at frame @frame. */
static void write_sensor(struct ph_simple_isp *s, int fd, const struct ph_control_list *list,
			 uint64_t frame)
{
	struct ph_control_list *sensor = ph_control_list_new();
	struct ph_control_value v;

	if (!sensor)
		return;
	if (ph_control_list_get(list, PH_CONTROL_EXPOSURE_TIME, &v) == 0 &&
	    ph_v4l2_ctrls_find(s->ctrls, PH_CONTROL_EXPOSURE_TIME))
		ph_control_list_set(sensor, PH_CONTROL_EXPOSURE_TIME, &v);
	if (ph_control_list_get(list, PH_CONTROL_ANALOGUE_GAIN, &v) == 0 &&
	    ph_v4l2_ctrls_find(s->ctrls, PH_CONTROL_ANALOGUE_GAIN))
		ph_control_list_set(sensor, PH_CONTROL_ANALOGUE_GAIN, &v);
	if (ph_control_list_count(sensor) && ph_v4l2_ctrls_apply(s->ctrls, fd, sensor, -1) == 0) {
		ph_delayed_set(&s->exposure, frame + s->exposure_delay, current_exposure(s));
		ph_delayed_set(&s->gain, frame + s->gain_delay, current_gain(s));
	}
	ph_control_list_free(sensor);
}

int ph_simple_isp_start(struct ph_simple_isp *s, int fd, const struct ph_control_list *controls,
			uint32_t interval_us)
{
	struct ph_control_list *manual = ph_control_list_new();
	int ret = 0;

	if (!manual)
		return -ENOMEM;
	s->interval_us = interval_us ? interval_us : s->interval_us;
	s->last_timestamp_ns = 0;
	/* The IPA runs exposure: the node's own automatic modes off. */
	ph_control_list_set_bool(manual, PH_CONTROL_AE_ENABLE, false);
	if (ph_v4l2_ctrls_has_ae(s->ctrls)) {
		ret = ph_v4l2_ctrls_apply(s->ctrls, fd, manual, -1);
		/*
		 * Switched to manual, a driver keeps the gain and exposure its
		 * automatic mode had reached then (vivid's changes every second):
		 * what frame 0 is taken with and the IPA starts from, not the
		 * values read when the camera was opened.
		 */
		if (ret == 0)
			ph_v4l2_ctrls_read(s->ctrls, fd);
	}
	ph_control_list_free(manual);
	if (ret < 0)
		return ret;
	if (controls)
		write_sensor(s, fd, controls, 0);
	ph_delayed_reset(&s->exposure, current_exposure(s));
	ph_delayed_reset(&s->gain, current_gain(s));
	if (s->ipa) {
		struct ph_ipa_frame_info sensor = {
			.size = sizeof(sensor),
			.exposure_us = (int32_t)lround(current_exposure(s)),
			.gain = (float)current_gain(s),
		};

		ret = ph_ipa_start(s->ipa, &sensor, controls);
	}
	return ret;
}

void ph_simple_isp_stop(struct ph_simple_isp *s)
{
	if (s->ipa)
		ph_ipa_stop(s->ipa);
}

/* Raw stream: the frame copied; processed streams: the ISP. @return stats taken. */
static bool process(struct ph_simple_isp *s, struct ph_request *req, const uint8_t *raw,
		    const struct ph_v4l2_buffer *b)
{
	const struct ph_simple_mode *m = &s->mode;
	struct ph_isp_output outputs[2];
	struct ph_buffer *processed[2];
	unsigned n = 0;
	bool still = false;
	int ret = b->flags & V4L2_BUF_FLAG_ERROR ? -EIO : 0;

	for (unsigned i = 0; i < req->buffer_count; i++) {
		struct ph_buffer *buf = req->buffers[i].buffer;
		const struct ph_stream_config *sc = &req->buffers[i].stream->config;

		if (sc->role == PH_ROLE_RAW) {
			uint8_t *dst = ph_buffer_map_write(buf, 0);
			int r = dst ? ret : -ENOMEM;

			for (uint32_t y = 0; r == 0 && y < m->height; y++)
				memcpy(dst + (size_t)y * sc->stride, raw + (size_t)y * m->stride,
				       m->stride < sc->stride ? m->stride : sc->stride);
			ph_soft_isp_finish_buffer(buf, b->sequence, b->timestamp_ns, r);
			continue;
		}
		if (n == 2)
			continue;
		still |= sc->role == PH_ROLE_STILL;
		if (ph_soft_isp_output(buf, sc, m->width, &outputs[n]))
			processed[n++] = buf;
		else
			ph_soft_isp_finish_buffer(buf, b->sequence, b->timestamp_ns, -ENOMEM);
	}
	if (ret == 0) {
		struct ph_isp_input in = {
			.fourcc = m->fourcc,
			.width = m->width,
			.height = m->height,
			.stride = m->stride,
			.data = raw,
		};
		struct ph_isp_params params;
		struct ph_isp_stats_config stats_config = {STATS_ZONES_X, STATS_ZONES_Y, 2};

		ph_isp_params_identity(&params);
		ph_soft_isp_params_from_ipa(&params, &s->params);
		params.demosaic = still ? PH_ISP_DEMOSAIC_HQ : PH_ISP_DEMOSAIC_FAST;
		ret = ph_isp_process(s->isp, &in, &params, n ? outputs : NULL, n, &stats_config,
				     s->stats);
	}
	for (unsigned i = 0; i < n; i++)
		ph_soft_isp_finish_buffer(processed[i], b->sequence, b->timestamp_ns, ret);
	return ret == 0;
}

void ph_simple_isp_frame(struct ph_simple_isp *s, int fd, struct ph_request *req,
			 const uint8_t *raw, const struct ph_v4l2_buffer *b)
{
	struct ph_control_list *md = req->metadata;
	uint64_t seq = b->sequence;
	double exposure = ph_delayed_at(&s->exposure, seq), gain = ph_delayed_at(&s->gain, seq);
	int64_t duration = s->interval_us;
	const struct ph_format_info *info = ph_format_get_info(s->mode.fourcc);

	if (s->last_timestamp_ns && b->timestamp_ns > s->last_timestamp_ns)
		duration = (int64_t)(b->timestamp_ns - s->last_timestamp_ns) / 1000;
	s->last_timestamp_ns = b->timestamp_ns;

	if (s->ipa) {
		struct ph_ipa_isp_params params = {.size = sizeof(params)};
		struct ph_ipa_frame_info taken = {
			.size = sizeof(taken),
			.sequence = seq,
			.exposure_us = (int32_t)lround(exposure),
			.gain = (float)gain,
			.frame_duration_us = duration,
		};
		bool have_stats;

		ph_ipa_queue_request(s->ipa, seq, req->controls);
		ph_control_list_clear(s->ipa_controls);
		if (ph_ipa_prepare(s->ipa, seq, &params, s->ipa_controls) == 0) {
			write_sensor(s, fd, s->ipa_controls, seq);
			s->params = params;
		}
		have_stats = process(s, req, raw, b);
		if (have_stats) {
			uint32_t depth = info ? info->bit_depth : 8;

			ph_soft_isp_ipa_stats(s->stats,
					      (((1u << depth) - 1) << (16 - depth)) -
						      s->params.black_level[0],
					      s->ipa_stats);
		}
		ph_ipa_process_stats(s->ipa, seq, &taken, have_stats ? s->ipa_stats : NULL, md);
	} else {
		process(s, req, raw, b);
	}
	req->sequence = b->sequence;
	ph_control_list_set_int64(md, PH_CONTROL_SENSOR_TIMESTAMP, (int64_t)b->timestamp_ns);
	ph_control_list_set_int64(md, PH_CONTROL_SENSOR_SEQUENCE, (int64_t)seq);
	ph_control_list_set_int32(md, PH_CONTROL_EXPOSURE_TIME, (int32_t)lround(exposure));
	ph_control_list_set_float(md, PH_CONTROL_ANALOGUE_GAIN, (float)gain);
	ph_control_list_set_int64(md, PH_CONTROL_FRAME_DURATION, duration);
	ph_control_list_set_int32_array(
		md, PH_CONTROL_SENSOR_BLACK_LEVELS,
		(const int32_t[]){s->params.black_level[0], s->params.black_level[1],
				  s->params.black_level[2], s->params.black_level[3]},
		4);
	ph_camera_complete_request(s->camera, req, PH_REQUEST_COMPLETE);
}
