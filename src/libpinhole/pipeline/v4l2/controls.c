/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pinhole controls on V4L2 controls. Units (doc/pipelines.md):
 *  - Brightness -1..1: the device's range either side of its default;
 *  - Contrast, Saturation, AnalogueGain: multipliers of the device's default value;
 *  - ExposureTime: microseconds, V4L2's exposure_time_absolute is in 100 us;
 *  - ColourTemperature: kelvin on both sides;
 *  - AeEnable: exposure_auto (manual or aperture priority) and autogain;
 *    AwbEnable: white_balance_automatic. Setting ExposureTime, AnalogueGain
 *    or ColourTemperature switches the matching automatic mode off first.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pipeline/v4l2/v4l2-ctrls.h"

static const struct {
	uint32_t ph_id, v4l2_id;
	enum ph_v4l2_ctrl_kind kind;
} candidates[] = {
	{PH_CONTROL_BRIGHTNESS, V4L2_CID_BRIGHTNESS, PH_V4L2_CTRL_OFFSET},
	{PH_CONTROL_CONTRAST, V4L2_CID_CONTRAST, PH_V4L2_CTRL_SCALE},
	{PH_CONTROL_SATURATION, V4L2_CID_SATURATION, PH_V4L2_CTRL_SCALE},
	{PH_CONTROL_ANALOGUE_GAIN, V4L2_CID_ANALOGUE_GAIN, PH_V4L2_CTRL_SCALE},
	{PH_CONTROL_ANALOGUE_GAIN, V4L2_CID_GAIN, PH_V4L2_CTRL_SCALE},
	{PH_CONTROL_EXPOSURE_TIME, V4L2_CID_EXPOSURE_ABSOLUTE, PH_V4L2_CTRL_EXPOSURE_100US},
	{PH_CONTROL_COLOUR_TEMPERATURE, V4L2_CID_WHITE_BALANCE_TEMPERATURE, PH_V4L2_CTRL_DIRECT},
	{PH_CONTROL_AWB_ENABLE, V4L2_CID_AUTO_WHITE_BALANCE, PH_V4L2_CTRL_BOOL},
};

static double scale_base(const struct ph_v4l2_control *c)
{
	if (c->def > 0)
		return (double)c->def;
	return c->max > 1 ? (double)(c->min + c->max) / 2.0 : 1.0;
}

struct ph_control_value ph_v4l2_ctrl_to_ph(const struct ph_v4l2_ctrl_map *m, int64_t v)
{
	const struct ph_v4l2_control *c = &m->v4l2;

	switch (m->kind) {
	case PH_V4L2_CTRL_OFFSET: {
		double span = v >= c->def ? (double)(c->max - c->def) : (double)(c->def - c->min);

		return ph_control_value_float(span > 0 ? (float)((double)(v - c->def) / span)
						       : 0.0f);
	}
	case PH_V4L2_CTRL_SCALE:
		return ph_control_value_float((float)((double)v / scale_base(c)));
	case PH_V4L2_CTRL_EXPOSURE_100US:
		return ph_control_value_int32((int32_t)(v * 100));
	case PH_V4L2_CTRL_BOOL:
		return ph_control_value_bool(v != 0);
	case PH_V4L2_CTRL_DIRECT:
	default:
		return ph_control_value_int32((int32_t)v);
	}
}

int64_t ph_v4l2_ctrl_to_v4l2(const struct ph_v4l2_ctrl_map *m, const struct ph_control_value *pv)
{
	const struct ph_v4l2_control *c = &m->v4l2;
	double v;
	int64_t out;

	switch (m->kind) {
	case PH_V4L2_CTRL_OFFSET:
		v = pv->f[0] >= 0 ? c->def + pv->f[0] * (double)(c->max - c->def)
				  : c->def + pv->f[0] * (double)(c->def - c->min);
		break;
	case PH_V4L2_CTRL_SCALE:
		v = pv->f[0] * scale_base(c);
		break;
	case PH_V4L2_CTRL_EXPOSURE_100US:
		v = pv->i32[0] / 100.0;
		break;
	case PH_V4L2_CTRL_BOOL:
		v = pv->b[0] ? 1 : 0;
		break;
	case PH_V4L2_CTRL_DIRECT:
	default:
		v = pv->i32[0];
		break;
	}
	out = llround(v);
	if (c->step > 1)
		out = c->min + (out - c->min + c->step / 2) / c->step * c->step;
	return out < c->min ? c->min : out > c->max ? c->max : out;
}

void ph_v4l2_ctrls_init(struct ph_v4l2_ctrls *s, const struct ph_v4l2_control *controls,
			unsigned count, uint64_t wanted)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		const struct ph_v4l2_control *c =
			ph_v4l2_find_control(controls, count, candidates[i].v4l2_id);
		bool taken = false;

		if (!c || !(wanted & (1ull << candidates[i].ph_id)) ||
		    (c->flags & (V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY)))
			continue;
		for (unsigned j = 0; j < s->count; j++)
			taken |= s->map[j].ph_id == candidates[i].ph_id;
		if (taken || s->count == PH_V4L2_MAX_MAPPED)
			continue;
		s->map[s->count++] =
			(struct ph_v4l2_ctrl_map){candidates[i].ph_id, *c, candidates[i].kind};
	}
	if (wanted & (1ull << PH_CONTROL_AE_ENABLE)) {
		const struct ph_v4l2_control *c;

		c = ph_v4l2_find_control(controls, count, V4L2_CID_EXPOSURE_AUTO);
		if (c)
			s->exposure_auto = *c;
		c = ph_v4l2_find_control(controls, count, V4L2_CID_AUTOGAIN);
		if (c)
			s->autogain = *c;
	}
}

const struct ph_v4l2_ctrl_map *ph_v4l2_ctrls_find(const struct ph_v4l2_ctrls *s, uint32_t ph_id)
{
	for (unsigned i = 0; i < s->count; i++)
		if (s->map[i].ph_id == ph_id)
			return &s->map[i];
	return NULL;
}

bool ph_v4l2_ctrls_has_ae(const struct ph_v4l2_ctrls *s)
{
	return s->exposure_auto.id || s->autogain.id;
}

int ph_v4l2_ctrls_declare(const struct ph_v4l2_ctrls *s, struct ph_camera *cam)
{
	int ret = 0;

	for (unsigned i = 0; i < s->count && ret == 0; i++) {
		const struct ph_v4l2_ctrl_map *m = &s->map[i];
		struct ph_control_value min = ph_v4l2_ctrl_to_ph(m, m->v4l2.min);
		struct ph_control_value max = ph_v4l2_ctrl_to_ph(m, m->v4l2.max);
		struct ph_control_value def = ph_v4l2_ctrl_to_ph(m, m->v4l2.def);

		if (m->kind == PH_V4L2_CTRL_OFFSET) {
			min = ph_control_value_float(-1.0f);
			max = ph_control_value_float(1.0f);
		}
		ret = ph_camera_add_control(cam, m->ph_id, &min, &max, &def);
	}
	if (ret == 0 && ph_v4l2_ctrls_has_ae(s)) {
		struct ph_control_value f = ph_control_value_bool(false),
					t = ph_control_value_bool(true);
		bool def = s->exposure_auto.id ? s->exposure_auto.def != V4L2_EXPOSURE_MANUAL
					       : s->autogain.def != 0;
		struct ph_control_value d = ph_control_value_bool(def);

		ret = ph_camera_add_control(cam, PH_CONTROL_AE_ENABLE, &f, &t, &d);
	}
	return ret;
}

/* The automatic mode exposure_auto takes for AeEnable=true. */
static int64_t exposure_auto_on(const struct ph_v4l2_control *c)
{
	if (c->def != V4L2_EXPOSURE_MANUAL)
		return c->def;
	return c->max >= V4L2_EXPOSURE_APERTURE_PRIORITY ? V4L2_EXPOSURE_APERTURE_PRIORITY
							 : V4L2_EXPOSURE_AUTO;
}

int ph_v4l2_ctrls_apply(struct ph_v4l2_ctrls *s, int fd, const struct ph_control_list *list,
			int request_fd)
{
	uint32_t ids[PH_V4L2_MAX_MAPPED + 3];
	int64_t values[PH_V4L2_MAX_MAPPED + 3];
	unsigned n = 0;
	bool ae_set = false, ae = false, manual_exposure = false, manual_gain = false,
	     manual_wb = false;
	int ret;

	if (!list || ph_control_list_count(list) == 0)
		return 0;
	if (ph_control_list_get_bool(list, PH_CONTROL_AE_ENABLE, &ae) == 0)
		ae_set = true;
	manual_exposure = ph_control_list_contains(list, PH_CONTROL_EXPOSURE_TIME) &&
			  ph_v4l2_ctrls_find(s, PH_CONTROL_EXPOSURE_TIME);
	manual_gain = ph_control_list_contains(list, PH_CONTROL_ANALOGUE_GAIN) &&
		      ph_v4l2_ctrls_find(s, PH_CONTROL_ANALOGUE_GAIN);
	manual_wb = ph_control_list_contains(list, PH_CONTROL_COLOUR_TEMPERATURE) &&
		    !ph_control_list_contains(list, PH_CONTROL_AWB_ENABLE);

	/* Automatic modes first: drivers refuse manual values while they are on. */
	if (s->exposure_auto.id && (ae_set || manual_exposure)) {
		ids[n] = V4L2_CID_EXPOSURE_AUTO;
		values[n++] = ae_set && ae && !manual_exposure ? exposure_auto_on(&s->exposure_auto)
							       : V4L2_EXPOSURE_MANUAL;
	}
	if (s->autogain.id && (ae_set || manual_gain)) {
		ids[n] = V4L2_CID_AUTOGAIN;
		values[n++] = ae_set && ae && !manual_gain;
	}
	if (manual_wb && ph_v4l2_ctrls_find(s, PH_CONTROL_AWB_ENABLE)) {
		ids[n] = V4L2_CID_AUTO_WHITE_BALANCE;
		values[n++] = 0;
	}
	for (unsigned i = 0; i < s->count; i++) {
		const struct ph_v4l2_ctrl_map *m = &s->map[i];
		struct ph_control_value v;

		if (ph_control_list_get(list, m->ph_id, &v) < 0)
			continue;
		ids[n] = m->v4l2.id;
		values[n++] = ph_v4l2_ctrl_to_v4l2(m, &v);
	}
	ret = ph_v4l2_set_controls(fd, ids, values, n, request_fd);
	if (ret < 0)
		return ret;
	/* What the frames will be taken with, for metadata. */
	for (unsigned k = 0; k < n; k++) {
		for (unsigned i = 0; i < s->count; i++)
			if (s->map[i].v4l2.id == ids[k])
				s->current[i] = values[k];
		if (ids[k] == V4L2_CID_EXPOSURE_AUTO)
			s->ae_current = values[k] != V4L2_EXPOSURE_MANUAL;
		else if (ids[k] == V4L2_CID_AUTOGAIN && !s->exposure_auto.id)
			s->ae_current = values[k] != 0;
	}
	return 0;
}

void ph_v4l2_ctrls_read(struct ph_v4l2_ctrls *s, int fd)
{
	int64_t v;

	for (unsigned i = 0; i < s->count; i++)
		s->current[i] =
			ph_v4l2_get_control(fd, s->map[i].v4l2.id, s->map[i].v4l2.type, &v) == 0
				? v
				: s->map[i].v4l2.def;
	if (s->exposure_auto.id &&
	    ph_v4l2_get_control(fd, V4L2_CID_EXPOSURE_AUTO, s->exposure_auto.type, &v) == 0)
		s->ae_current = v != V4L2_EXPOSURE_MANUAL;
	else if (s->autogain.id &&
		 ph_v4l2_get_control(fd, V4L2_CID_AUTOGAIN, s->autogain.type, &v) == 0)
		s->ae_current = v != 0;
}

void ph_v4l2_ctrls_metadata(const struct ph_v4l2_ctrls *s, struct ph_control_list *md)
{
	for (unsigned i = 0; i < s->count; i++) {
		struct ph_control_value v = ph_v4l2_ctrl_to_ph(&s->map[i], s->current[i]);

		ph_control_list_set(md, s->map[i].ph_id, &v);
	}
	if (ph_v4l2_ctrls_has_ae(s))
		ph_control_list_set_bool(md, PH_CONTROL_AE_ENABLE, s->ae_current);
}
