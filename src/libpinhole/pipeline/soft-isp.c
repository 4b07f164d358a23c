/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "pipeline/soft-isp.h"

void ph_delayed_reset(struct ph_delayed_control *dc, double value)
{
	dc->current = value;
	dc->count = 0;
}

void ph_delayed_set(struct ph_delayed_control *dc, uint64_t from, double value)
{
	while (dc->count && dc->queue[dc->count - 1].from >= from)
		dc->count--;
	if (dc->count == PH_DELAYED_MAX + 1) {
		dc->current = dc->queue[0].value;
		memmove(dc->queue, dc->queue + 1, --dc->count * sizeof(dc->queue[0]));
	}
	dc->queue[dc->count].from = from;
	dc->queue[dc->count++].value = value;
}

double ph_delayed_at(struct ph_delayed_control *dc, uint64_t frame)
{
	while (dc->count && dc->queue[0].from <= frame) {
		dc->current = dc->queue[0].value;
		memmove(dc->queue, dc->queue + 1, --dc->count * sizeof(dc->queue[0]));
	}
	return dc->current;
}

const uint32_t ph_soft_isp_formats[] = {
	PH_FORMAT_RGB888, PH_FORMAT_BGR888, PH_FORMAT_XRGB8888, PH_FORMAT_XBGR8888,
	PH_FORMAT_RGB565, PH_FORMAT_RGB48,  PH_FORMAT_NV12,	PH_FORMAT_NV21,
	PH_FORMAT_YUV420, PH_FORMAT_YUYV,   PH_FORMAT_UYVY,
};
const unsigned ph_soft_isp_format_count = sizeof(ph_soft_isp_formats) / sizeof(uint32_t);

bool ph_soft_isp_writes(uint32_t fourcc)
{
	for (unsigned i = 0; i < ph_soft_isp_format_count; i++)
		if (ph_soft_isp_formats[i] == fourcc)
			return true;
	return false;
}

void ph_soft_isp_params_from_ipa(struct ph_isp_params *out, const struct ph_ipa_isp_params *in)
{
	memcpy(out->black_level, in->black_level, sizeof(out->black_level));
	memcpy(out->wb_gains, in->wb_gains, sizeof(out->wb_gains));
	memcpy(out->ccm, in->ccm, sizeof(out->ccm));
	memcpy(out->ccm_offsets, in->ccm_offsets, sizeof(out->ccm_offsets));
	out->gamma = in->gamma == PH_IPA_GAMMA_SRGB;
	out->brightness = in->brightness;
	out->contrast = in->contrast;
	out->saturation = in->saturation;
}

void ph_soft_isp_ipa_stats(const struct ph_isp_stats *in, uint32_t full_scale,
			   struct ph_ipa_stats *out)
{
	uint32_t zones = in->zones_x * in->zones_y;

	out->size = sizeof(*out);
	out->zones_x = in->zones_x;
	out->zones_y = in->zones_y;
	out->full_scale = full_scale;
	for (uint32_t z = 0; z < zones && z < PH_IPA_STATS_MAX_ZONES; z++)
		out->zones[z] = (struct ph_ipa_zone){in->zones[z].sum_r, in->zones[z].sum_g,
						     in->zones[z].sum_b, in->zones[z].counted,
						     in->zones[z].saturated};
	memcpy(out->histogram, in->histogram, sizeof(out->histogram));
	out->quads = in->quads;
}

bool ph_soft_isp_output(struct ph_buffer *buf, const struct ph_stream_config *sc,
			uint32_t mode_width, struct ph_isp_output *out)
{
	*out = (struct ph_isp_output){
		.fourcc = sc->pixel_format,
		.width = sc->width,
		.height = sc->height,
		.binning = sc->width != mode_width,
		.colorspace = sc->colorspace == PH_COLORSPACE_REC709 ? PH_ISP_BT709 : PH_ISP_BT601,
		.full_range = sc->colorspace != PH_COLORSPACE_REC709 &&
			      sc->colorspace != PH_COLORSPACE_SMPTE170M,
	};
	for (unsigned p = 0; p < buf->plane_count; p++) {
		out->planes[p] = ph_buffer_map_write(buf, p);
		out->strides[p] = buf->planes[p].stride;
		if (!out->planes[p])
			return false;
	}
	return true;
}

void ph_soft_isp_finish_buffer(struct ph_buffer *buf, uint32_t sequence, uint64_t timestamp_ns,
			       int ret)
{
	buf->status = ret < 0 ? PH_BUFFER_ERROR : PH_BUFFER_SUCCESS;
	buf->sequence = sequence;
	buf->timestamp = timestamp_ns;
	for (unsigned p = 0; p < buf->plane_count; p++)
		buf->bytes_used[p] = ret < 0 ? 0 : buf->planes[p].length;
}

static enum ph_colorspace stream_colorspace(const struct ph_stream_config *sc)
{
	const struct ph_format_info *info = ph_format_get_info(sc->pixel_format);

	if (sc->role == PH_ROLE_RAW)
		return PH_COLORSPACE_RAW;
	if (!info || info->hsub != 2) /* RGB */
		return PH_COLORSPACE_SRGB;
	if (sc->colorspace >= PH_COLORSPACE_JPEG && sc->colorspace <= PH_COLORSPACE_REC709)
		return sc->colorspace;
	return sc->role == PH_ROLE_STILL ? PH_COLORSPACE_JPEG : PH_COLORSPACE_REC709;
}

bool ph_soft_isp_fit_stream(struct ph_config *config, unsigned i, uint32_t mw, uint32_t mh,
			    uint32_t stride_align, uint32_t default_buffers)
{
	struct ph_stream_config *sc = ph_config_stream_at(config, i);
	struct ph_plane_layout planes[PH_MAX_PLANES];
	uint32_t w = sc->width, h = sc->height, stride;
	bool halves = !(mw / 2 % 2) && !(mh / 2 % 2) && mw / 2 >= 64 && mh / 2 >= 64;
	enum ph_colorspace cs = stream_colorspace(sc);
	unsigned plane_count;

	if (!(w == mw && h == mh) &&
	    !(sc->role != PH_ROLE_RAW && halves && w == mw / 2 && h == mh / 2)) {
		bool half = sc->role != PH_ROLE_RAW && halves && w * 4 <= mw * 3;

		w = half ? mw / 2 : mw;
		h = half ? mh / 2 : mh;
	}
	if (w != sc->width || h != sc->height) {
		ph_config_message(config,
				  "stream %u: size %ux%u adjusted to %ux%u (sensor mode "
				  "%ux%u; processed streams are the mode or half of it)",
				  i, sc->width, sc->height, w, h, mw, mh);
		sc->width = w;
		sc->height = h;
		sc->adjusted |= PH_ADJUSTED_SIZE;
	}
	if (sc->colorspace && cs != sc->colorspace) {
		ph_config_message(config, "stream %u: colour space %s adjusted to %s", i,
				  ph_colorspace_name(sc->colorspace)
					  ? ph_colorspace_name(sc->colorspace)
					  : "(invalid)",
				  ph_colorspace_name(cs));
		sc->adjusted |= PH_ADJUSTED_COLORSPACE;
	}
	sc->colorspace = cs;
	if (sc->buffer_count < 1 || sc->buffer_count > 16) {
		uint32_t c = sc->buffer_count < 1 ? default_buffers : 16;

		ph_config_message(config, "stream %u: buffer count %u adjusted to %u", i,
				  sc->buffer_count, c);
		sc->buffer_count = c;
		sc->adjusted |= PH_ADJUSTED_BUFFER_COUNT;
	}
	stride = ph_format_min_stride(sc->pixel_format, sc->width);
	stride = (stride + stride_align - 1) / stride_align * stride_align;
	if (sc->stride && sc->stride != stride) {
		ph_config_message(config, "stream %u: stride %u adjusted to %u", i, sc->stride,
				  stride);
		sc->adjusted |= PH_ADJUSTED_STRIDE;
	}
	sc->stride = stride;
	if (ph_format_layout(sc->pixel_format, sc->width, sc->height, stride, planes, &plane_count,
			     &sc->frame_size) < 0) {
		ph_config_message(config, "stream %u: cannot lay out the format", i);
		return false;
	}
	return true;
}

static int add_control(struct ph_camera *cam, uint32_t id, struct ph_control_value min,
		       struct ph_control_value max, struct ph_control_value def)
{
	if (ph_camera_find_control(cam, id))
		return 0;
	return ph_camera_add_control(cam, id, &min, &max, &def);
}

int ph_soft_isp_add_controls(struct ph_camera *cam, const float colour_gains[2])
{
	struct ph_control_value cg_min = {PH_CONTROL_TYPE_FLOAT, 2, .f = {0.0f, 0.0f}};
	struct ph_control_value cg_max = {PH_CONTROL_TYPE_FLOAT, 2, .f = {8.0f, 8.0f}};
	struct ph_control_value cg_def = {PH_CONTROL_TYPE_FLOAT, 2,
					  .f = {colour_gains[0], colour_gains[1]}};
	struct ph_control_value off = ph_control_value_bool(false),
				on = ph_control_value_bool(true);
	int ret;

	ret = add_control(cam, PH_CONTROL_COLOUR_GAINS, cg_min, cg_max, cg_def);
	if (!ret)
		ret = add_control(cam, PH_CONTROL_BRIGHTNESS, ph_control_value_float(-1.0f),
				  ph_control_value_float(1.0f), ph_control_value_float(0.0f));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_CONTRAST, ph_control_value_float(0.0f),
				  ph_control_value_float(4.0f), ph_control_value_float(1.0f));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_SATURATION, ph_control_value_float(0.0f),
				  ph_control_value_float(4.0f), ph_control_value_float(1.0f));
	/* 3A, run by the IPA module (without one they are accepted and do nothing). */
	if (!ret)
		ret = add_control(cam, PH_CONTROL_AE_ENABLE, off, on, on);
	if (!ret)
		ret = add_control(cam, PH_CONTROL_AWB_ENABLE, off, on, on);
	if (!ret)
		ret = add_control(cam, PH_CONTROL_COLOUR_TEMPERATURE, ph_control_value_int32(1500),
				  ph_control_value_int32(15000), ph_control_value_int32(5000));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_AE_METERING_MODE, ph_control_value_int32(0),
				  ph_control_value_int32(2), ph_control_value_int32(0));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_AE_FLICKER_MODE, ph_control_value_int32(0),
				  ph_control_value_int32(1), ph_control_value_int32(0));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_AE_FLICKER_PERIOD, ph_control_value_int32(100),
				  ph_control_value_int32(1000000), ph_control_value_int32(10000));
	if (!ret)
		ret = add_control(cam, PH_CONTROL_EXPOSURE_VALUE, ph_control_value_float(-8.0f),
				  ph_control_value_float(8.0f), ph_control_value_float(0.0f));
	return ret;
}
