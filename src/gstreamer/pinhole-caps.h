/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pinhole formats, sizes, frame rates and colour spaces as GStreamer caps,
 * and back.
 */

#include <gst/gst.h>
#include <gst/video/video.h>
#include <pinhole/pinhole.h>

G_BEGIN_DECLS

/* What a camera prefers, to fixate caps towards. */
struct ph_gst_preferred {
	uint32_t fourcc;
	uint32_t width, height;
	gint fps_n, fps_d;
};

/* The caps of every format the pinholesrc template can carry. */
GstCaps *ph_gst_template_caps(void);

/*
 * Everything @camera offers: processed formats (video role) first, the
 * preferred one leading, then raw (Bayer) formats. Each size range and
 * colour space is checked by validating a configuration. @processed and
 * @raw get the preferred settings of each role (fourcc 0 if none).
 * Returns NULL if the camera offers nothing GStreamer can carry.
 */
GstCaps *ph_gst_probe_caps(struct ph_camera *camera, struct ph_gst_preferred *processed,
			   struct ph_gst_preferred *raw);

/* A negotiated (fixed) caps structure as a Pinhole stream. */
struct ph_gst_stream_request {
	enum ph_stream_role role;
	uint32_t fourcc;
	uint32_t width, height;
	gint fps_n, fps_d; /* 0/1: leave the camera's default */
	enum ph_colorspace colorspace;
};

/* Parse fixed caps. Returns FALSE if they are not something Pinhole makes. */
gboolean ph_gst_caps_to_stream(const GstCaps *caps, struct ph_gst_stream_request *out);

/* The GStreamer name ("NV12", "rggb10le") of @fourcc, or NULL; *@bayer set for x-bayer. */
const char *ph_gst_format_name(uint32_t fourcc, gboolean *bayer);

/* Bytes per pixel of a Bayer format as GStreamer lays it out (1 or 2). */
guint ph_gst_bayer_bytes_per_pixel(uint32_t fourcc);

G_END_DECLS
