/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "uvc" pipeline handler: one capture node that delivers processed
 * frames (uvcvideo webcams, vivid). Frames the device delivers in the
 * asked format go to the user without a copy: the Pinhole buffers are the
 * V4L2 buffers exported as dma-bufs, or the user's dma-bufs queued with
 * V4L2_MEMORY_DMABUF. An uncompressed format the device offers only as
 * Motion-JPEG at that size is decoded with libjpeg-turbo into memfd buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/simple/simple.h"
#include "pipeline/uvc/mjpeg.h"
#include "pipeline/v4l2/v4l2-camera.h"
#include "pipeline/v4l2/v4l2-ctrls.h"

#define DEFAULT_BUFFERS	 8
#define INTERNAL_SLOTS	 4
#define MAX_BUFFER_COUNT 16

struct uvc_camera {
	char *devnode; /* first: see pipeline/v4l2/match.c */
	struct ph_camera *camera;
	struct ph_v4l2_format_desc *formats;
	unsigned format_count;
	struct ph_v4l2_control *controls;
	unsigned control_count;
	struct ph_v4l2_ctrls ctrls;
	int64_t min_interval_us, max_interval_us; /* over every format and size */

	struct ph_v4l2_device *dev; /* open while acquired */
	struct ph_v4l2_queue queue;
	/* The media device, for requests: per-frame controls (NULL without). */
	struct ph_media_device *media;
	/* A media-controller-centric node: its sub-device route (open while
	 * acquired) and the formats it delivers through it. */
	struct ph_v4l2_route_mode modes[PH_V4L2_ROUTE_MAX_MODES];
	unsigned mode_count;
	struct ph_v4l2_route route;
	uint32_t major, minor;
	char bus_info[64];
	/* With requests, the control values each slot's frame is taken with. */
	int64_t slot_values[PH_V4L2_MAX_SLOTS][PH_V4L2_MAX_MAPPED];
	bool slot_ae[PH_V4L2_MAX_SLOTS];

	/* The configuration */
	uint32_t device_fourcc; /* what the device delivers */
	bool decode;		/* Motion-JPEG decoded into the stream's format */
	bool isp_mode;		/* raw frames through the software ISP */
	/* A raw sensor node ("simple"): raw streams and the ISP path. NULL for "uvc". */
	struct ph_simple_isp *isp;
	struct ph_simple_mode validated_mode; /* of the last ISP-path validation */
	struct ph_mjpeg *mjpeg;
	uint32_t interval_us;
	uint64_t last_timestamp_ns;
};

static const struct ph_v4l2_format_desc *find_desc(const struct uvc_camera *uc, uint32_t fourcc)
{
	for (unsigned i = 0; i < uc->format_count; i++)
		if (uc->formats[i].fourcc == fourcc)
			return &uc->formats[i];
	return NULL;
}

static const struct ph_v4l2_format_desc *mjpeg_desc(const struct uvc_camera *uc)
{
	const struct ph_v4l2_format_desc *d = find_desc(uc, V4L2_PIX_FMT_MJPEG);

	return d ? d : find_desc(uc, V4L2_PIX_FMT_JPEG);
}

/* A processed format the device gives directly (not raw sensor data). */
/* Where the camera's controls are: the sensor sub-device of a route, else the node. */
static int control_fd(const struct uvc_camera *uc)
{
	return uc->mode_count ? ph_v4l2_route_sensor(&uc->route)->fd : uc->dev->fd;
}

/* Set the route's formats for @fourcc at @w x @h; a no-op without a route. */
static int configure_route(struct uvc_camera *uc, uint32_t fourcc, uint32_t w, uint32_t h)
{
	uint32_t rw = w, rh = h;
	int ret;

	for (unsigned m = 0; m < uc->mode_count; m++) {
		if (uc->modes[m].fourcc != fourcc)
			continue;
		ret = ph_v4l2_route_configure(&uc->route, &uc->modes[m], &rw, &rh);
		if (ret == 0 && (rw != w || rh != h)) {
			ph_err(uc->camera->ctx, "%s: the sub-devices make %ux%u, not %ux%u\n",
			       uc->camera->id, rw, rh, w, h);
			ret = -EINVAL;
		}
		return ret;
	}
	return uc->mode_count ? -EINVAL : 0;
}

static bool native_processed(uint32_t v4l2)
{
	uint32_t f = ph_v4l2_format_to_ph(v4l2);

	return f && !ph_format_is_raw(f);
}

/* @r widened to cover @o too. */
static void range_union(struct ph_size_range *r, const struct ph_size_range *o)
{
	r->min_width = o->min_width < r->min_width ? o->min_width : r->min_width;
	r->min_height = o->min_height < r->min_height ? o->min_height : r->min_height;
	r->max_width = o->max_width > r->max_width ? o->max_width : r->max_width;
	r->max_height = o->max_height > r->max_height ? o->max_height : r->max_height;
}

/*
 * Formats offered: the device's processed ones, then those decoded from
 * Motion-JPEG. A format both ways (YUYV from most webcams) is listed once,
 * with the sizes of both.
 */
static int add_formats(struct uvc_camera *uc, struct ph_config *config, unsigned index)
{
	const struct ph_v4l2_format_desc *mj = mjpeg_desc(uc);
	struct ph_size_range jpeg_range;
	int ret = 0;

	if (mj)
		ph_v4l2_size_range(mj, &jpeg_range);
	for (unsigned i = 0; i < uc->format_count && ret == 0; i++) {
		struct ph_size_range r;

		if (!native_processed(uc->formats[i].fourcc))
			continue;
		ph_v4l2_size_range(&uc->formats[i], &r);
		if (mj && ph_mjpeg_can_decode_to(uc->formats[i].fourcc))
			range_union(&r, &jpeg_range);
		ret = ph_config_add_format(config, index, uc->formats[i].fourcc, &r);
	}
	for (unsigned i = 0; mj && i < ph_mjpeg_format_count() && ret == 0; i++) {
		uint32_t f = ph_mjpeg_format_at(i);

		if (find_desc(uc, f) && native_processed(f))
			continue; /* listed above */
		ret = ph_config_add_format(config, index, f, &jpeg_range);
	}
	/* A raw sensor node also makes every format the ISP writes. */
	if (ret == 0 && uc->isp)
		ret = ph_simple_add_formats(uc->formats, uc->format_count, config, index,
					    PH_ROLE_VIEWFINDER);
	return ret;
}

static bool offered(const struct uvc_camera *uc, uint32_t fourcc)
{
	return (find_desc(uc, fourcc) && native_processed(fourcc)) ||
	       (mjpeg_desc(uc) && ph_mjpeg_can_decode_to(fourcc));
}

static uint32_t preferred_format(const struct uvc_camera *uc, enum ph_stream_role role)
{
	static const uint32_t video[] = {PH_FORMAT_NV12, PH_FORMAT_YUYV, PH_FORMAT_YUV420,
					 PH_FORMAT_UYVY, PH_FORMAT_RGB888};
	static const uint32_t other[] = {PH_FORMAT_YUYV, PH_FORMAT_NV12, PH_FORMAT_RGB888,
					 PH_FORMAT_UYVY, PH_FORMAT_YUV420};
	const uint32_t *list = role == PH_ROLE_VIDEO ? video : other;

	/* Native first: no decoding cost. */
	for (unsigned i = 0; i < 5; i++)
		if (find_desc(uc, list[i]))
			return list[i];
	for (unsigned i = 0; i < uc->format_count; i++)
		if (native_processed(uc->formats[i].fourcc))
			return uc->formats[i].fourcc;
	return mjpeg_desc(uc) ? PH_FORMAT_YUYV : 0;
}

/*
 * Where @fourcc at about @w x @h comes from: the device's own format, or
 * Motion-JPEG decoded. Picks the exact size if either offers it, the
 * device's format first; else the nearest size. False if neither can.
 */
static bool plan(const struct uvc_camera *uc, uint32_t fourcc, uint32_t *w, uint32_t *h,
		 bool *decode)
{
	const struct ph_v4l2_format_desc *native =
		native_processed(fourcc) ? find_desc(uc, fourcc) : NULL;
	const struct ph_v4l2_format_desc *mj =
		ph_mjpeg_can_decode_to(fourcc) ? mjpeg_desc(uc) : NULL;
	uint32_t nw = *w, nh = *h, mw = *w, mh = *h;
	bool have_n = native && ph_v4l2_nearest_size(native, &nw, &nh);
	bool have_m = mj && ph_v4l2_nearest_size(mj, &mw, &mh);

	if (have_n && (nw == *w && nh == *h))
		have_m = false;
	else if (have_m && mw == *w && mh == *h)
		have_n = false;
	if (have_n) {
		*w = nw;
		*h = nh;
		*decode = false;
		return true;
	}
	if (have_m) {
		*w = mw;
		*h = mh;
		*decode = true;
		return true;
	}
	return false;
}

/* A raw sensor node takes the ISP path for raw streams, several streams, or
 * a format it does not deliver itself. */
static bool needs_isp_roles(const struct uvc_camera *uc, const enum ph_stream_role *roles,
			    unsigned count)
{
	bool raw = false;

	for (unsigned i = 0; i < count; i++)
		raw |= roles[i] == PH_ROLE_RAW;
	return count > 1 || raw || !preferred_format(uc, roles[0]);
}

static bool needs_isp(const struct uvc_camera *uc, struct ph_config *config)
{
	unsigned n = ph_config_stream_count(config);
	const struct ph_stream_config *sc;

	if (!uc->isp)
		return false;
	if (n != 1)
		return true;
	sc = ph_config_stream_at(config, 0);
	return sc->role == PH_ROLE_RAW ||
	       !(find_desc(uc, sc->pixel_format) && native_processed(sc->pixel_format));
}

static int isp_generate_config(struct uvc_camera *uc, struct ph_config *config,
			       const enum ph_stream_role *roles, unsigned count)
{
	const struct ph_v4l2_format_desc *raw =
		ph_simple_default_raw(uc->formats, uc->format_count);

	if (!raw)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		struct ph_stream_config sc = {.role = roles[i], .buffer_count = DEFAULT_BUFFERS};
		uint32_t w = roles[i] == PH_ROLE_VIEWFINDER ? 1280 : 1920;
		uint32_t h = roles[i] == PH_ROLE_VIEWFINDER ? 720 : 1080;
		int index, ret;

		ph_v4l2_nearest_size(raw, &w, &h);
		sc.width = w;
		sc.height = h;
		sc.pixel_format = roles[i] == PH_ROLE_RAW     ? raw->fourcc
				  : roles[i] == PH_ROLE_VIDEO ? PH_FORMAT_NV12
							      : PH_FORMAT_RGB888;
		index = ph_config_add_stream(config, &sc);
		if (index < 0)
			return index;
		ret = ph_simple_add_formats(uc->formats, uc->format_count, config, (unsigned)index,
					    roles[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int uvc_generate_config(struct ph_camera *cam, struct ph_config *config,
			       const enum ph_stream_role *roles, unsigned count)
{
	struct uvc_camera *uc = cam->priv;

	if (uc->isp && needs_isp_roles(uc, roles, count))
		return isp_generate_config(uc, config, roles, count);
	if (count != 1)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		struct ph_stream_config sc = {.role = roles[i], .buffer_count = DEFAULT_BUFFERS};
		uint32_t w, h;
		bool decode;
		int index, ret;

		if (roles[i] == PH_ROLE_RAW)
			return -EINVAL; /* a processed-frames camera */
		sc.pixel_format = preferred_format(uc, roles[i]);
		if (!sc.pixel_format)
			return -EINVAL;
		w = roles[i] == PH_ROLE_STILL ? 16384 : roles[i] == PH_ROLE_VIDEO ? 1920 : 1280;
		h = roles[i] == PH_ROLE_STILL ? 16384 : roles[i] == PH_ROLE_VIDEO ? 1080 : 720;
		if (!plan(uc, sc.pixel_format, &w, &h, &decode))
			return -EINVAL;
		sc.width = w;
		sc.height = h;
		index = ph_config_add_stream(config, &sc);
		if (index < 0)
			return index;
		ret = add_formats(uc, config, (unsigned)index);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The colour space the frames of @fourcc come in. */
static enum ph_colorspace produced_colorspace(const struct uvc_camera *uc, uint32_t fourcc,
					      bool decode)
{
	const struct ph_v4l2_format_desc *d = find_desc(uc, fourcc);
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	if (info && info->hsub != 2)
		return PH_COLORSPACE_SRGB;
	if (decode)
		return PH_COLORSPACE_JPEG; /* JFIF: BT.601 full range */
	if (d && d->tried.fourcc)
		return ph_v4l2_colorspace_to_ph(&d->tried);
	return PH_COLORSPACE_SMPTE170M;
}

static enum ph_config_status uvc_validate(struct ph_camera *cam, struct ph_config *config)
{
	struct uvc_camera *uc = cam->priv;
	struct ph_stream_config *sc;
	struct ph_plane_layout planes[PH_MAX_PLANES];
	unsigned plane_count;
	uint32_t w, h, stride;
	enum ph_colorspace cs;
	bool decode;

	if (needs_isp(uc, config)) {
		for (unsigned i = 0; i < ph_config_stream_count(config); i++) {
			const struct ph_stream_config *s = ph_config_stream_at(config, i);

			if (ph_config_format_count(config, i) == 0 &&
			    ph_simple_add_formats(uc->formats, uc->format_count, config, i,
						  s->role) < 0)
				return PH_CONFIG_INVALID;
		}
		return ph_simple_validate(cam, uc->formats, uc->format_count, config,
					  &uc->validated_mode);
	}
	if (ph_config_stream_count(config) != 1) {
		ph_config_message(config, "%u streams asked; camera %s has one",
				  ph_config_stream_count(config), cam->id);
		return PH_CONFIG_INVALID;
	}
	sc = ph_config_stream_at(config, 0);
	if (!ph_stream_role_name(sc->role) || sc->role == PH_ROLE_RAW) {
		ph_config_message(config, "stream 0: role %s is not offered by camera %s",
				  ph_stream_role_name(sc->role) ? ph_stream_role_name(sc->role)
								: "(invalid)",
				  cam->id);
		return PH_CONFIG_INVALID;
	}
	if (ph_config_format_count(config, 0) == 0 && add_formats(uc, config, 0) < 0)
		return PH_CONFIG_INVALID;
	if (!offered(uc, sc->pixel_format)) {
		uint32_t def = preferred_format(uc, sc->role);
		const char *asked = ph_format_name(sc->pixel_format);

		ph_config_message(config, "stream 0: format %s is not offered; using %s",
				  asked ? asked : "(unknown)", ph_format_name(def));
		sc->pixel_format = def;
		sc->adjusted |= PH_ADJUSTED_FORMAT;
	}
	w = sc->width;
	h = sc->height;
	if (!plan(uc, sc->pixel_format, &w, &h, &decode)) {
		ph_config_message(config, "stream 0: no size offered for %s",
				  ph_format_name(sc->pixel_format));
		return PH_CONFIG_INVALID;
	}
	if (w != sc->width || h != sc->height) {
		ph_config_message(config, "stream 0: size %ux%u adjusted to %ux%u", sc->width,
				  sc->height, w, h);
		sc->width = w;
		sc->height = h;
		sc->adjusted |= PH_ADJUSTED_SIZE;
	}
	cs = produced_colorspace(uc, sc->pixel_format, decode);
	if (sc->colorspace && sc->colorspace != cs) {
		ph_config_message(config, "stream 0: colour space %s adjusted to %s",
				  ph_colorspace_name(sc->colorspace)
					  ? ph_colorspace_name(sc->colorspace)
					  : "(invalid)",
				  ph_colorspace_name(cs));
		sc->adjusted |= PH_ADJUSTED_COLORSPACE;
	}
	sc->colorspace = cs;
	if (sc->buffer_count < 1 || sc->buffer_count > MAX_BUFFER_COUNT) {
		uint32_t c = sc->buffer_count < 1 ? DEFAULT_BUFFERS : MAX_BUFFER_COUNT;

		ph_config_message(config, "stream 0: buffer count %u adjusted to %u",
				  sc->buffer_count, c);
		sc->buffer_count = c;
		sc->adjusted |= PH_ADJUSTED_BUFFER_COUNT;
	}
	/* The device's lines are packed (checked again by S_FMT at configure). */
	stride = ph_format_min_stride(sc->pixel_format, sc->width);
	if (sc->stride && sc->stride != stride) {
		ph_config_message(config, "stream 0: stride %u adjusted to %u", sc->stride, stride);
		sc->adjusted |= PH_ADJUSTED_STRIDE;
	}
	sc->stride = stride;
	if (ph_format_layout(sc->pixel_format, sc->width, sc->height, stride, planes, &plane_count,
			     &sc->frame_size) < 0) {
		ph_config_message(config, "stream 0: cannot lay out the format");
		return PH_CONFIG_INVALID;
	}
	return sc->adjusted ? PH_CONFIG_ADJUSTED : PH_CONFIG_VALID;
}

/* The raw mode of the last validation, captured into private buffers for the ISP. */
static int configure_isp(struct uvc_camera *uc)
{
	const struct ph_simple_mode *m = &uc->validated_mode;
	struct ph_v4l2_pix pix = {.fourcc = m->fourcc, .width = m->width, .height = m->height};
	int ret = configure_route(uc, m->fourcc, m->width, m->height);

	if (ret == 0)
		ret = ph_v4l2_set_format(uc->dev, &pix, true);
	if (ret < 0)
		return ret;
	if (pix.fourcc != m->fourcc || pix.width != m->width || pix.height != m->height ||
	    pix.bytesperline < m->stride) {
		ph_err(uc->camera->ctx, "%s: the device refused the raw mode %.4s %ux%u\n",
		       uc->camera->id, (const char *)&m->fourcc, m->width, m->height);
		return -EINVAL;
	}
	uc->validated_mode.stride = pix.bytesperline;
	uc->isp_mode = true;
	ret = ph_v4l2_queue_internal(&uc->queue, INTERNAL_SLOTS);
	if (ret == 0)
		ret = ph_simple_isp_configure(uc->isp, &uc->validated_mode,
					      (uint32_t)uc->min_interval_us);
	return ret;
}

static int uvc_configure(struct ph_camera *cam)
{
	struct uvc_camera *uc = cam->priv;
	const struct ph_stream_config *sc = &cam->streams[0]->config;
	uint32_t w = sc->width, h = sc->height;
	struct ph_v4l2_pix pix;
	int ret;

	ph_v4l2_queue_reset(&uc->queue);
	uc->isp_mode = false;
	uc->decode = false;
	if (uc->isp && (cam->stream_count > 1 || sc->role == PH_ROLE_RAW ||
			!(find_desc(uc, sc->pixel_format) && native_processed(sc->pixel_format))))
		return configure_isp(uc);
	if (!plan(uc, sc->pixel_format, &w, &h, &uc->decode))
		return -EINVAL;
	uc->device_fourcc = uc->decode ? mjpeg_desc(uc)->fourcc : sc->pixel_format;
	pix = (struct ph_v4l2_pix){.fourcc = uc->device_fourcc,
				   .width = w,
				   .height = h,
				   .bytesperline = uc->decode ? 0 : sc->stride};
	ret = configure_route(uc, uc->device_fourcc, w, h);
	if (ret == 0)
		ret = ph_v4l2_set_format(uc->dev, &pix, true);
	if (ret < 0)
		return ret;
	if (pix.fourcc != uc->device_fourcc || pix.width != w || pix.height != h) {
		ph_err(cam->ctx, "%s: the device set %.4s %ux%u instead of %.4s %ux%u\n", cam->id,
		       (const char *)&pix.fourcc, pix.width, pix.height,
		       (const char *)&uc->device_fourcc, w, h);
		return -EINVAL;
	}
	if (!uc->decode && (pix.bytesperline != sc->stride || pix.sizeimage < sc->frame_size)) {
		ph_err(cam->ctx,
		       "%s: the device lays out %ux%u with %u bytes a line, %u in all;"
		       " Pinhole needs %u and %u\n",
		       cam->id, w, h, pix.bytesperline, pix.sizeimage, sc->stride, sc->frame_size);
		return -EINVAL;
	}
	if (uc->decode) {
		if (!uc->mjpeg && !(uc->mjpeg = ph_mjpeg_new()))
			return -ENOMEM;
		ret = ph_v4l2_queue_internal(&uc->queue, INTERNAL_SLOTS);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- buffers ---- */

static int uvc_allocate_buffers(struct ph_stream *stream, unsigned count)
{
	struct uvc_camera *uc = stream->camera->priv;

	if (uc->decode || uc->isp_mode) /* the decoder or the ISP writes plain memory */
		return ph_stream_add_memfds(stream, count);
	return ph_v4l2_queue_export(&uc->queue, stream, count);
}

static int uvc_import_buffer(struct ph_stream *stream, struct ph_buffer *buf)
{
	struct uvc_camera *uc = stream->camera->priv;

	if (uc->decode || uc->isp_mode)
		return 0;
	if (uc->queue.streaming)
		return -EBUSY;
	/* V4L2 takes one dma-buf per frame, planes where the format puts them. */
	for (unsigned i = 0; i < buf->plane_count; i++) {
		if (buf->planes[i].fd != buf->planes[0].fd ||
		    buf->planes[i].offset != stream->layout[i].offset) {
			ph_err(stream->camera->ctx,
			       "camera %s: an imported buffer must hold every plane in one fd "
			       "at the format's offsets (plane %u at %u, needs %u)\n",
			       stream->camera->id, i, buf->planes[i].offset,
			       stream->layout[i].offset);
			return -EINVAL;
		}
	}
	return 0;
}

static void uvc_free_buffers(struct ph_stream *stream)
{
	struct uvc_camera *uc = stream->camera->priv;

	if (!uc->decode && !uc->isp_mode)
		ph_v4l2_queue_reset(&uc->queue);
}

/* ---- streaming ---- */

/* Give free decode slots to requests still waiting for one. */
static int feed_decoder(struct uvc_camera *uc)
{
	struct ph_request *req, *tmp;

	ph_list_for_each_safe(req, tmp, &uc->camera->pending, struct ph_request, link)
	{
		int ret;

		if (req->priv)
			continue;
		ret = ph_v4l2_queue_buffer(&uc->queue, NULL, req, NULL, NULL);
		if (ret == -ENOBUFS)
			return 0; /* every slot busy: it waits */
		if (ret < 0)
			return ret;
		req->priv = uc;
	}
	return 0;
}

static void finish_request(struct uvc_camera *uc, struct ph_request *req,
			   const struct ph_v4l2_buffer *b, int status)
{
	struct ph_buffer *buf = req->buffers[0].buffer;
	struct ph_control_list *md = req->metadata;
	int64_t duration = uc->interval_us;

	buf->status = status < 0 || (b->flags & V4L2_BUF_FLAG_ERROR) ? PH_BUFFER_ERROR
								     : PH_BUFFER_SUCCESS;
	buf->sequence = b->sequence;
	buf->timestamp = b->timestamp_ns;
	for (unsigned p = 0; p < buf->plane_count; p++)
		buf->bytes_used[p] = buf->status == PH_BUFFER_SUCCESS ? buf->planes[p].length : 0;
	if (uc->last_timestamp_ns && b->timestamp_ns > uc->last_timestamp_ns)
		duration = (int64_t)(b->timestamp_ns - uc->last_timestamp_ns) / 1000;
	uc->last_timestamp_ns = b->timestamp_ns;
	req->sequence = b->sequence;
	ph_control_list_set_int64(md, PH_CONTROL_SENSOR_TIMESTAMP, (int64_t)b->timestamp_ns);
	ph_control_list_set_int64(md, PH_CONTROL_SENSOR_SEQUENCE, b->sequence);
	ph_control_list_set_int64(md, PH_CONTROL_FRAME_DURATION, duration);
	if (uc->queue.use_requests && b->index < PH_V4L2_MAX_SLOTS) {
		/* The values staged in this frame's own request. */
		struct ph_v4l2_ctrls taken = uc->ctrls;

		memcpy(taken.current, uc->slot_values[b->index], sizeof(taken.current));
		taken.ae_current = uc->slot_ae[b->index];
		ph_v4l2_ctrls_metadata(&taken, md);
	} else {
		ph_v4l2_ctrls_metadata(&uc->ctrls, md);
	}
	ph_camera_complete_request(uc->camera, req, PH_REQUEST_COMPLETE);
}

static void on_frame(void *data, unsigned slot, const struct ph_v4l2_buffer *b)
{
	struct uvc_camera *uc = data;
	struct ph_request *req = uc->queue.slots[slot].owner;
	int ret = 0;

	uc->queue.slots[slot].owner = NULL;
	if (!req)
		return;
	if (uc->isp_mode) {
		ph_v4l2_queue_cpu_access(&uc->queue, slot, true);
		ph_simple_isp_frame(uc->isp, control_fd(uc), req, uc->queue.slots[slot].map, b);
		ph_v4l2_queue_cpu_access(&uc->queue, slot, false);
		ret = feed_decoder(uc);
		if (ret < 0)
			ph_camera_fail(uc->camera, ret, "cannot queue a buffer");
		return;
	}
	if (uc->decode) {
		const struct ph_stream_config *sc = &req->buffers[0].stream->config;
		struct ph_buffer *buf = req->buffers[0].buffer;
		uint8_t *planes[3] = {NULL};
		uint32_t strides[3] = {0};

		for (unsigned p = 0; p < buf->plane_count && ret == 0; p++) {
			planes[p] = ph_buffer_map_write(buf, p);
			strides[p] = buf->planes[p].stride;
			if (!planes[p])
				ret = -ENOMEM;
		}
		if (ret == 0 && !(b->flags & V4L2_BUF_FLAG_ERROR)) {
			ph_v4l2_queue_cpu_access(&uc->queue, slot, true);
			ret = ph_mjpeg_decode(uc->mjpeg, uc->queue.slots[slot].map, b->bytesused,
					      sc->pixel_format, sc->width, sc->height, planes,
					      strides);
			ph_v4l2_queue_cpu_access(&uc->queue, slot, false);
			if (ret < 0)
				ph_warn(uc->camera->ctx, "%s: frame %u: corrupt Motion-JPEG\n",
					uc->camera->id, b->sequence);
		}
	}
	finish_request(uc, req, b, ret);
	if (uc->decode) {
		ret = feed_decoder(uc);
		if (ret < 0)
			ph_camera_fail(uc->camera, ret, "cannot queue a buffer");
	}
}

static void on_error(void *data, int error)
{
	struct uvc_camera *uc = data;

	if (error == -ENODEV) {
		ph_info(uc->camera->ctx, "%s: device gone\n", uc->camera->id);
		ph_camera_remove(uc->camera);
		return;
	}
	ph_camera_fail(uc->camera, error, "streaming failed");
}

/* FrameDurationLimits: the slowest interval the device offers within the limits. */
static int set_frame_rate(struct uvc_camera *uc, const struct ph_control_list *controls)
{
	struct ph_control_value v = {.i64 = {uc->min_interval_us, uc->min_interval_us}};
	uint32_t want;
	int ret;

	if (controls)
		ph_control_list_get(controls, PH_CONTROL_FRAME_DURATION_LIMITS, &v);
	want = (uint32_t)(v.i64[0] > 0 ? v.i64[0] : uc->min_interval_us);
	if (!want)
		return 0;

	ret = ph_v4l2_set_frame_interval(uc->dev, &want);
	if (ret < 0 && ret != -ENOTTY)
		return ret;
	if (ret == 0)
		uc->interval_us = want;
	return 0;
}

static int uvc_start(struct ph_camera *cam, const struct ph_control_list *controls)
{
	struct uvc_camera *uc = cam->priv;
	int ret;

	uc->last_timestamp_ns = 0;
	ret = set_frame_rate(uc, controls);
	if (ret == 0 && uc->isp_mode)
		ret = ph_simple_isp_start(uc->isp, control_fd(uc), controls, uc->interval_us);
	else if (ret == 0)
		ret = ph_v4l2_ctrls_apply(&uc->ctrls, control_fd(uc), controls, -1);
	if (ret == 0 && !uc->decode && !uc->isp_mode)
		ret = ph_v4l2_queue_prepare(&uc->queue, cam->streams[0]);
	/* Requests carry the node's controls; a route's controls are on the sensor. */
	if (ret == 0 && !uc->decode && !uc->isp_mode && !uc->mode_count)
		ph_v4l2_queue_use_requests(&uc->queue, uc->media);
	if (ret == 0)
		ret = ph_v4l2_queue_start(&uc->queue);
	return ret;
}

static void uvc_stop(struct ph_camera *cam)
{
	struct uvc_camera *uc = cam->priv;
	struct ph_request *req, *tmp;

	ph_v4l2_queue_stop(&uc->queue);
	if (uc->isp_mode)
		ph_simple_isp_stop(uc->isp);
	ph_list_for_each_safe(req, tmp, &cam->pending, struct ph_request, link)
	{
		req->priv = NULL;
	}
}

static int uvc_queue_request(struct ph_camera *cam, struct ph_request *req)
{
	struct uvc_camera *uc = cam->priv;
	int ret;

	/* FrameDurationLimits only take effect at start: V4L2 sets the rate while stopped.
	 * On the ISP path the IPA takes the controls with the frame; with media
	 * requests they go in the buffer's request and apply to that frame. */
	if (!uc->isp_mode && !uc->queue.use_requests) {
		ret = ph_v4l2_ctrls_apply(&uc->ctrls, control_fd(uc), req->controls, -1);
		if (ret < 0)
			return ret;
	}
	req->priv = NULL;
	if (uc->decode || uc->isp_mode)
		return feed_decoder(uc);
	ret = ph_v4l2_queue_buffer(&uc->queue, req->buffers[0].buffer, req, &uc->ctrls,
				   req->controls);
	if (ret < 0)
		return ret;
	memcpy(uc->slot_values[ret], uc->ctrls.current, sizeof(uc->slot_values[ret]));
	uc->slot_ae[ret] = uc->ctrls.ae_current;
	req->priv = uc;
	return 0;
}

static void uvc_release(struct ph_camera *cam);

static int uvc_acquire(struct ph_camera *cam)
{
	struct uvc_camera *uc = cam->priv;
	int ret;

	uc->dev = ph_v4l2_open(cam->ctx, uc->devnode);
	if (!uc->dev)
		return -errno;
	uc->queue.dev = uc->dev;
	ret = ph_v4l2_select_camera_input(uc->dev);
	if (ret < 0) {
		ph_v4l2_close(uc->dev);
		uc->dev = NULL;
		return ret;
	}
	/* The media device: for requests (optional), for the route (needed). */
	uc->media = ph_media_device_of_node(cam->ctx, uc->bus_info, uc->major, uc->minor);
	if (uc->media)
		ph_dbg(cam->ctx, "%s: media device %s\n", cam->id, uc->media->info.model);
	ret = uc->mode_count && !uc->media ? -ENODEV : 0;
	if (ret == 0 && uc->mode_count)
		ret = ph_v4l2_route_open(cam->ctx, uc->media, uc->major, uc->minor, &uc->route);
	if (ret < 0) {
		ph_err(cam->ctx, "%s: cannot open its sub-devices: %s\n", cam->id, strerror(-ret));
		uvc_release(cam);
		return ret;
	}
	ph_v4l2_ctrls_read(&uc->ctrls, control_fd(uc));
	return 0;
}

static void uvc_release(struct ph_camera *cam)
{
	struct uvc_camera *uc = cam->priv;

	ph_v4l2_queue_reset(&uc->queue);
	ph_v4l2_queue_use_requests(&uc->queue, NULL);
	uc->queue.dev = NULL;
	ph_v4l2_close(uc->dev);
	uc->dev = NULL;
	ph_v4l2_route_close(&uc->route);
	ph_media_device_close(uc->media);
	uc->media = NULL;
}

static void uvc_destroy(struct ph_camera *cam)
{
	struct uvc_camera *uc = cam->priv;

	if (!uc)
		return;
	if (uc->dev)
		uvc_release(cam);
	ph_mjpeg_free(uc->mjpeg);
	ph_simple_isp_free(uc->isp);
	ph_v4l2_free_formats(uc->formats, uc->format_count);
	free(uc->controls);
	free(uc->devnode);
	free(uc);
	cam->priv = NULL;
}

/* One implementation, named for the pipeline that took the node. */
#define SINGLE_NODE_OPS(pipeline_name)                                                             \
	{                                                                                          \
		.name = pipeline_name, .destroy = uvc_destroy,                                     \
		.generate_config = uvc_generate_config, .validate = uvc_validate,                  \
		.configure = uvc_configure, .start = uvc_start, .stop = uvc_stop,                  \
		.queue_request = uvc_queue_request, .acquire = uvc_acquire,                        \
		.release = uvc_release, .allocate_buffers = uvc_allocate_buffers,                  \
		.import_buffer = uvc_import_buffer, .free_buffers = uvc_free_buffers,              \
	}

const struct ph_pipeline_ops ph_uvc_ops = SINGLE_NODE_OPS("uvc");
const struct ph_pipeline_ops ph_simple_ops = SINGLE_NODE_OPS("simple");

static int add_properties(struct uvc_camera *uc, const struct ph_v4l2_probe *probe)
{
	struct ph_camera *cam = uc->camera;
	struct ph_control_list *props = cam->properties;
	const struct ph_v4l2_control *rot = ph_v4l2_find_control(
		probe->controls, probe->control_count, V4L2_CID_CAMERA_SENSOR_ROTATION);
	const struct ph_v4l2_control *orient = ph_v4l2_find_control(
		probe->controls, probe->control_count, V4L2_CID_CAMERA_ORIENTATION);
	int32_t w = 0, h = 0, location = 2; /* external, unless the device says */
	int ret = 0;

	for (unsigned i = 0; i < uc->format_count; i++) {
		struct ph_size_range r;

		ph_v4l2_size_range(&uc->formats[i], &r);
		if ((int64_t)r.max_width * r.max_height > (int64_t)w * h) {
			w = (int32_t)r.max_width;
			h = (int32_t)r.max_height;
		}
	}
	if (orient && orient->def >= V4L2_CAMERA_ORIENTATION_FRONT &&
	    orient->def <= V4L2_CAMERA_ORIENTATION_EXTERNAL)
		location = (int32_t)orient->def;
	ret |= ph_control_list_set_string(props, PH_PROPERTY_MODEL,
					  probe->card[0] ? probe->card : probe->driver);
	ret |= ph_control_list_set_int32(props, PH_PROPERTY_LOCATION, location);
	ret |= ph_control_list_set_int32(props, PH_PROPERTY_ROTATION, rot ? (int32_t)rot->def : 0);
	ret |= ph_control_list_set_int32_array(props, PH_PROPERTY_PIXEL_ARRAY_SIZE,
					       (const int32_t[]){w, h}, 2);
	return ret ? -ENOMEM : 0;
}

static int add_controls(struct uvc_camera *uc)
{
	struct ph_camera *cam = uc->camera;
	int64_t lo = uc->min_interval_us, hi = uc->max_interval_us;
	struct ph_control_value fmin = {PH_CONTROL_TYPE_INT64, 2, .i64 = {lo, lo}};
	struct ph_control_value fmax = {PH_CONTROL_TYPE_INT64, 2, .i64 = {hi, hi}};
	int ret = ph_v4l2_ctrls_declare(&uc->ctrls, cam);

	if (ret == 0 && lo > 0)
		ret = ph_camera_add_control(cam, PH_CONTROL_FRAME_DURATION_LIMITS, &fmin, &fmax,
					    &fmin);
	return ret;
}

static bool has_raw(const struct ph_v4l2_probe *probe)
{
	return ph_simple_default_raw(probe->formats, probe->format_count) != NULL;
}

static int camera_new(struct ph_context *ctx, const struct ph_v4l2_probe *probe, bool raw_sensor);

int ph_uvc_probe(struct ph_context *ctx, const struct ph_v4l2_probe *probe)
{
	/* uvcvideo is always "uvc"; other nodes with Bayer formats are raw sensors. */
	if (strcmp(probe->driver, "uvcvideo") && has_raw(probe))
		return 0;
	return camera_new(ctx, probe, false);
}

int ph_simple_probe(struct ph_context *ctx, const struct ph_v4l2_probe *probe)
{
	if (!strcmp(probe->driver, "uvcvideo") || !has_raw(probe))
		return 0;
	return camera_new(ctx, probe, true);
}

static int camera_new(struct ph_context *ctx, const struct ph_v4l2_probe *probe, bool raw_sensor)
{
	const uint64_t wanted = 1ull << PH_CONTROL_BRIGHTNESS | 1ull << PH_CONTROL_CONTRAST |
				1ull << PH_CONTROL_SATURATION | 1ull << PH_CONTROL_ANALOGUE_GAIN |
				1ull << PH_CONTROL_EXPOSURE_TIME | 1ull << PH_CONTROL_AE_ENABLE |
				1ull << PH_CONTROL_AWB_ENABLE |
				1ull << PH_CONTROL_COLOUR_TEMPERATURE;
	struct uvc_camera *uc;
	char id[128];
	bool usable = false;
	int ret;

	for (unsigned i = 0; i < probe->format_count; i++) {
		uint32_t f = probe->formats[i].fourcc;

		usable |= native_processed(f) || f == V4L2_PIX_FMT_MJPEG || f == V4L2_PIX_FMT_JPEG;
	}
	if (!usable && !raw_sensor)
		return 0;
	ret = ph_v4l2_camera_id(ctx, probe, raw_sensor ? "simple" : "uvc", id, sizeof(id));
	if (ret < 0)
		return ret;
	uc = calloc(1, sizeof(*uc));
	if (uc) {
		uc->major = probe->node->major;
		uc->minor = probe->node->minor;
		snprintf(uc->bus_info, sizeof(uc->bus_info), "%s", probe->bus_info);
		memcpy(uc->modes, probe->modes, sizeof(uc->modes));
		uc->mode_count = probe->mode_count;
	}
	if (!uc || !(uc->devnode = strdup(probe->node->devnode)) ||
	    ph_v4l2_copy_probe(probe, &uc->formats, &uc->format_count, &uc->controls,
			       &uc->control_count) < 0) {
		if (uc)
			free(uc->devnode);
		free(uc);
		return -ENOMEM;
	}
	ph_v4l2_ctrls_init(&uc->ctrls, uc->controls, uc->control_count, wanted);
	for (unsigned i = 0; i < uc->format_count; i++) {
		for (unsigned s = 0; s < uc->formats[i].size_count; s++) {
			const struct ph_v4l2_size *sz = &uc->formats[i].sizes[s];

			for (unsigned k = 0; k < sz->interval_count; k++) {
				int64_t us = sz->intervals_us[k];

				if (!uc->min_interval_us || us < uc->min_interval_us)
					uc->min_interval_us = us;
				if (us > uc->max_interval_us)
					uc->max_interval_us = us;
			}
		}
	}
	uc->camera = ph_camera_new(ctx, raw_sensor ? &ph_simple_ops : &ph_uvc_ops, id, uc);
	if (uc->camera && raw_sensor)
		uc->isp = ph_simple_isp_new(uc->camera, &uc->ctrls,
					    probe->sensor[0] ? probe->sensor
					    : probe->card[0] ? probe->card
							     : probe->driver);
	if (uc->camera && raw_sensor && !uc->isp) {
		ph_camera_unref(uc->camera);
		return -ENOMEM;
	}
	if (!uc->camera) {
		uvc_destroy(&(struct ph_camera){.priv = uc});
		return -ENOMEM;
	}
	ph_v4l2_queue_init(&uc->queue, uc->camera, on_frame, on_error, uc);
	ret = add_properties(uc, probe);
	if (ret == 0)
		ret = add_controls(uc);
	if (ret == 0 && raw_sensor)
		ret = ph_soft_isp_add_controls(uc->camera, (const float[2]){1.0f, 1.0f});
	if (ret == 0)
		ret = ph_camera_add(uc->camera);
	if (ret < 0) {
		ph_err(ctx, "%s: cannot create camera %s: %s\n", probe->node->devnode, id,
		       strerror(-ret));
		ph_camera_unref(uc->camera);
		return ret;
	}
	return 1;
}
