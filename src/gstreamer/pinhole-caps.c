/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pinhole-caps.h"

#include <math.h>
#include <string.h>

static const struct {
	uint32_t fourcc;
	const char *name; /* GStreamer's name in video/x-raw or video/x-bayer */
	gboolean bayer;
} formats[] = {
	{PH_FORMAT_NV12, "NV12", FALSE},
	{PH_FORMAT_NV21, "NV21", FALSE},
	{PH_FORMAT_YUV420, "I420", FALSE},
	{PH_FORMAT_YUYV, "YUY2", FALSE},
	{PH_FORMAT_UYVY, "UYVY", FALSE},
	{PH_FORMAT_RGB888, "RGB", FALSE},
	{PH_FORMAT_BGR888, "BGR", FALSE},
	{PH_FORMAT_XRGB8888, "BGRx", FALSE}, /* bytes B, G, R, X */
	{PH_FORMAT_XBGR8888, "RGBx", FALSE}, /* bytes R, G, B, X */
	{PH_FORMAT_RGB565, "RGB16", FALSE},
	{PH_FORMAT_GREY, "GRAY8", FALSE},
	{PH_FORMAT_Y16, "GRAY16_LE", FALSE},
	/* Bayer: GStreamer's names (bayer2rgb, rgb2bayer); CSI-2 packed has none. */
	{PH_FORMAT_SRGGB8, "rggb", TRUE},
	{PH_FORMAT_SGRBG8, "grbg", TRUE},
	{PH_FORMAT_SGBRG8, "gbrg", TRUE},
	{PH_FORMAT_SBGGR8, "bggr", TRUE},
	{PH_FORMAT_SRGGB10, "rggb10le", TRUE},
	{PH_FORMAT_SGRBG10, "grbg10le", TRUE},
	{PH_FORMAT_SGBRG10, "gbrg10le", TRUE},
	{PH_FORMAT_SBGGR10, "bggr10le", TRUE},
	{PH_FORMAT_SRGGB12, "rggb12le", TRUE},
	{PH_FORMAT_SGRBG12, "grbg12le", TRUE},
	{PH_FORMAT_SGBRG12, "gbrg12le", TRUE},
	{PH_FORMAT_SBGGR12, "bggr12le", TRUE},
	{PH_FORMAT_SRGGB14, "rggb14le", TRUE},
	{PH_FORMAT_SGRBG14, "grbg14le", TRUE},
	{PH_FORMAT_SGBRG14, "gbrg14le", TRUE},
	{PH_FORMAT_SBGGR14, "bggr14le", TRUE},
	{PH_FORMAT_SRGGB16, "rggb16le", TRUE},
	{PH_FORMAT_SGRBG16, "grbg16le", TRUE},
	{PH_FORMAT_SGBRG16, "gbrg16le", TRUE},
	{PH_FORMAT_SBGGR16, "bggr16le", TRUE},
};

#define N_FORMATS G_N_ELEMENTS(formats)

/* Pinhole's YUV encodings; every one uses the sRGB primaries and transfer curve. */
static const struct {
	enum ph_colorspace colorspace;
	GstVideoColorimetry colorimetry;
} yuv_colorspaces[] = {
	{PH_COLORSPACE_REC709,
	 {GST_VIDEO_COLOR_RANGE_16_235, GST_VIDEO_COLOR_MATRIX_BT709, GST_VIDEO_TRANSFER_SRGB,
	  GST_VIDEO_COLOR_PRIMARIES_BT709}},
	{PH_COLORSPACE_SMPTE170M,
	 {GST_VIDEO_COLOR_RANGE_16_235, GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_TRANSFER_SRGB,
	  GST_VIDEO_COLOR_PRIMARIES_BT709}},
	{PH_COLORSPACE_JPEG,
	 {GST_VIDEO_COLOR_RANGE_0_255, GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_TRANSFER_SRGB,
	  GST_VIDEO_COLOR_PRIMARIES_BT709}},
};

const char *ph_gst_format_name(uint32_t fourcc, gboolean *bayer)
{
	for (guint i = 0; i < N_FORMATS; i++) {
		if (formats[i].fourcc == fourcc) {
			if (bayer)
				*bayer = formats[i].bayer;
			return formats[i].name;
		}
	}
	return NULL;
}

guint ph_gst_bayer_bytes_per_pixel(uint32_t fourcc)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	return info && info->bit_depth > 8 ? 2 : 1;
}

static gboolean is_yuv(const char *gst_name)
{
	GstVideoFormat f = gst_video_format_from_string(gst_name);

	return f != GST_VIDEO_FORMAT_UNKNOWN &&
	       GST_VIDEO_FORMAT_INFO_IS_YUV(gst_video_format_get_info(f));
}

static void add_format_list(GstStructure *s, gboolean bayer)
{
	GValue list = G_VALUE_INIT, v = G_VALUE_INIT;

	g_value_init(&list, GST_TYPE_LIST);
	g_value_init(&v, G_TYPE_STRING);
	for (guint i = 0; i < N_FORMATS; i++) {
		if (formats[i].bayer != bayer)
			continue;
		g_value_set_static_string(&v, formats[i].name);
		gst_value_list_append_value(&list, &v);
	}
	gst_structure_take_value(s, "format", &list);
	g_value_unset(&v);
}

GstCaps *ph_gst_template_caps(void)
{
	GstCaps *caps = gst_caps_new_empty();

	for (int bayer = 0; bayer < 2; bayer++) {
		GstStructure *s = gst_structure_new(
			bayer ? "video/x-bayer" : "video/x-raw", "width", GST_TYPE_INT_RANGE, 1,
			G_MAXINT, "height", GST_TYPE_INT_RANGE, 1, G_MAXINT, "framerate",
			GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, NULL);

		add_format_list(s, bayer);
		gst_caps_append_structure(caps, s);
	}
	return caps;
}

/* Frames per second as a fraction: whole numbers stay whole when @round_ok allows. */
static void fps_fraction(double fps, int direction, gint *n, gint *d)
{
	double r = round(fps);

	/* Round only towards the inside of the camera's range. */
	if (fabs(fps - r) < 1e-3 * fps &&
	    (direction == 0 || (direction > 0 ? r >= fps : r <= fps))) {
		*n = (gint)r;
		*d = 1;
		return;
	}
	gst_util_double_to_fraction(fps, n, d);
}

/* The frame rates FrameDurationLimits allow, and the default one. */
static void frame_rates(struct ph_camera *camera, GValue *range, gint *def_n, gint *def_d)
{
	const struct ph_control_info *fdl =
		ph_camera_find_control(camera, PH_CONTROL_FRAME_DURATION_LIMITS);
	gint min_n, min_d, max_n, max_d;

	g_value_init(range, GST_TYPE_FRACTION_RANGE);
	if (!fdl || fdl->min.i64[0] <= 0 || fdl->max.i64[1] <= 0 || fdl->def.i64[0] <= 0) {
		gst_value_set_fraction_range_full(range, 0, 1, G_MAXINT, 1);
		*def_n = 0;
		*def_d = 1;
		return;
	}
	fps_fraction(1e6 / (double)fdl->max.i64[1], 1, &min_n, &min_d);
	fps_fraction(1e6 / (double)fdl->min.i64[0], -1, &max_n, &max_d);
	fps_fraction(1e6 / (double)fdl->def.i64[0], 0, def_n, def_d);
	gst_value_set_fraction_range_full(range, min_n, min_d, max_n, max_d);
}

/* Validate @base changed to @fourcc, @w x @h and @cs; TRUE if the camera takes it as is. */
static gboolean try_stream(struct ph_config *cfg, const struct ph_stream_config *base,
			   uint32_t fourcc, uint32_t *w, uint32_t *h, enum ph_colorspace *cs)
{
	struct ph_stream_config *sc = ph_config_stream_at(cfg, 0);
	enum ph_config_status st;
	gboolean ok;

	*sc = *base;
	sc->pixel_format = fourcc;
	sc->width = *w;
	sc->height = *h;
	sc->stride = 0;
	sc->colorspace = *cs;
	st = ph_config_validate(cfg);
	ok = st != PH_CONFIG_INVALID && sc->pixel_format == fourcc &&
	     !(sc->adjusted & (PH_ADJUSTED_FORMAT | PH_ADJUSTED_SIZE | PH_ADJUSTED_COLORSPACE));
	*w = sc->width;
	*h = sc->height;
	*cs = sc->colorspace;
	return ok && st != PH_CONFIG_INVALID;
}

static void set_int(GstStructure *s, const char *field, guint min, guint max, guint step)
{
	GValue v = G_VALUE_INIT;

	if (min == max) {
		gst_structure_set(s, field, G_TYPE_INT, (gint)min, NULL);
		return;
	}
	g_value_init(&v, GST_TYPE_INT_RANGE);
	gst_value_set_int_range_step(&v, (gint)min, (gint)max, step ? (gint)step : 1);
	gst_structure_take_value(s, field, &v);
}

static void set_colorimetry(GstStructure *s, struct ph_config *cfg,
			    const struct ph_stream_config *base, uint32_t fourcc, uint32_t w,
			    uint32_t h, enum ph_colorspace preferred)
{
	GValue list = G_VALUE_INIT, v = G_VALUE_INIT;

	if (preferred == PH_COLORSPACE_SRGB) {
		gst_structure_set(s, "colorimetry", G_TYPE_STRING, GST_VIDEO_COLORIMETRY_SRGB,
				  NULL);
		return;
	}
	g_value_init(&list, GST_TYPE_LIST);
	g_value_init(&v, G_TYPE_STRING);
	/* The preferred encoding first, so fixation picks it. */
	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < G_N_ELEMENTS(yuv_colorspaces); i++) {
			enum ph_colorspace cs = yuv_colorspaces[i].colorspace;
			uint32_t tw = w, th = h;

			if ((pass == 0) != (cs == preferred))
				continue;
			if (!try_stream(cfg, base, fourcc, &tw, &th, &cs))
				continue;
			g_value_take_string(&v, gst_video_colorimetry_to_string(
							&yuv_colorspaces[i].colorimetry));
			gst_value_list_append_value(&list, &v);
		}
	}
	g_value_unset(&v);
	if (gst_value_list_get_size(&list) == 1)
		gst_structure_set_value(s, "colorimetry", gst_value_list_get_value(&list, 0));
	else if (gst_value_list_get_size(&list) > 1)
		gst_structure_set_value(s, "colorimetry", &list);
	g_value_unset(&list);
}

/* Caps structures for @fourcc in the sizes (and colour spaces) the camera takes. */
static void add_format(GstCaps *caps, struct ph_config *cfg, const struct ph_stream_config *base,
		       uint32_t fourcc, const GValue *framerate)
{
	struct ph_size_range r;
	gboolean bayer;
	const char *name = ph_gst_format_name(fourcc, &bayer);
	uint32_t w0, h0, w1, h1;
	enum ph_colorspace cs0 = PH_COLORSPACE_DEFAULT, cs1 = PH_COLORSPACE_DEFAULT;
	gboolean min_ok, max_ok;
	GstStructure *s;

	if (!name || ph_config_size_range(cfg, 0, fourcc, &r) < 0)
		return;
	w0 = r.min_width;
	h0 = r.min_height;
	w1 = r.max_width;
	h1 = r.max_height;
	min_ok = try_stream(cfg, base, fourcc, &w0, &h0, &cs0);
	max_ok = try_stream(cfg, base, fourcc, &w1, &h1, &cs1);
	if (ph_config_stream_at(cfg, 0)->pixel_format != fourcc)
		return; /* refused outright */

	s = gst_structure_new(bayer ? "video/x-bayer" : "video/x-raw", "format", G_TYPE_STRING,
			      name, NULL);
	if (min_ok && max_ok) {
		set_int(s, "width", r.min_width, r.max_width, r.hstep);
		set_int(s, "height", r.min_height, r.max_height, r.vstep);
	} else {
		/* Only the size validation settles on (a raw sensor's full array, say). */
		set_int(s, "width", w1, w1, 1);
		set_int(s, "height", h1, h1, 1);
	}
	gst_structure_set_value(s, "framerate", framerate);
	gst_structure_set(s, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
	if (!bayer && (cs1 == PH_COLORSPACE_SRGB || is_yuv(name)))
		set_colorimetry(s, cfg, base, fourcc, w1, h1, cs1);
	gst_caps_append_structure(caps, s);
}

static void add_role(GstCaps *caps, struct ph_camera *camera, enum ph_stream_role role,
		     const GValue *framerate, gint fps_n, gint fps_d, struct ph_gst_preferred *pref)
{
	struct ph_config *cfg = ph_camera_generate_config(camera, &role, 1);
	struct ph_stream_config base;

	memset(pref, 0, sizeof(*pref));
	if (!cfg)
		return;
	if (ph_config_validate(cfg) != PH_CONFIG_INVALID) {
		base = *ph_config_stream_at(cfg, 0);
		if (ph_gst_format_name(base.pixel_format, NULL))
			*pref = (struct ph_gst_preferred){base.pixel_format, base.width,
							  base.height, fps_n, fps_d};
		if (pref->fourcc)
			add_format(caps, cfg, &base, pref->fourcc, framerate);
		for (unsigned i = 0; i < ph_config_format_count(cfg, 0); i++) {
			uint32_t f = ph_config_format_at(cfg, 0, i);

			if (f != pref->fourcc)
				add_format(caps, cfg, &base, f, framerate);
		}
		if (!pref->fourcc && ph_config_format_count(cfg, 0)) {
			/* The preferred format has no GStreamer name (CSI-2 packed):
			 * prefer the preferred size in the first one that has. */
			for (unsigned i = 0; i < ph_config_format_count(cfg, 0); i++) {
				uint32_t f = ph_config_format_at(cfg, 0, i);

				if (ph_gst_format_name(f, NULL)) {
					*pref = (struct ph_gst_preferred){
						f, base.width, base.height, fps_n, fps_d};
					break;
				}
			}
		}
	}
	ph_config_free(cfg);
}

GstCaps *ph_gst_probe_caps(struct ph_camera *camera, struct ph_gst_preferred *processed,
			   struct ph_gst_preferred *raw)
{
	GstCaps *caps = gst_caps_new_empty();
	GValue framerate = G_VALUE_INIT;
	gint fps_n, fps_d;

	frame_rates(camera, &framerate, &fps_n, &fps_d);
	add_role(caps, camera, PH_ROLE_VIDEO, &framerate, fps_n, fps_d, processed);
	add_role(caps, camera, PH_ROLE_RAW, &framerate, fps_n, fps_d, raw);
	g_value_unset(&framerate);
	if (gst_caps_is_empty(caps)) {
		gst_caps_unref(caps);
		return NULL;
	}
	return caps; /* not simplified: the order is the preference */
}

gboolean ph_gst_caps_to_stream(const GstCaps *caps, struct ph_gst_stream_request *out)
{
	const GstStructure *s;
	const char *name, *colorimetry;
	gboolean bayer;
	gint w, h;

	memset(out, 0, sizeof(*out));
	if (!caps || gst_caps_get_size(caps) != 1 || !gst_caps_is_fixed(caps))
		return FALSE;
	s = gst_caps_get_structure(caps, 0);
	bayer = gst_structure_has_name(s, "video/x-bayer");
	if (!bayer && !gst_structure_has_name(s, "video/x-raw"))
		return FALSE;
	name = gst_structure_get_string(s, "format");
	if (!name || !gst_structure_get_int(s, "width", &w) ||
	    !gst_structure_get_int(s, "height", &h) || w <= 0 || h <= 0)
		return FALSE;
	for (guint i = 0; i < N_FORMATS; i++) {
		if (formats[i].bayer == bayer && !strcmp(formats[i].name, name))
			out->fourcc = formats[i].fourcc;
	}
	if (!out->fourcc)
		return FALSE;
	out->role = ph_format_is_raw(out->fourcc) ? PH_ROLE_RAW : PH_ROLE_VIDEO;
	out->width = (uint32_t)w;
	out->height = (uint32_t)h;
	if (!gst_structure_get_fraction(s, "framerate", &out->fps_n, &out->fps_d)) {
		out->fps_n = 0;
		out->fps_d = 1;
	}
	colorimetry = gst_structure_get_string(s, "colorimetry");
	out->colorspace = PH_COLORSPACE_DEFAULT;
	if (colorimetry && is_yuv(name)) {
		GstVideoColorimetry c;

		if (!gst_video_colorimetry_from_string(&c, colorimetry))
			return FALSE;
		for (guint i = 0; i < G_N_ELEMENTS(yuv_colorspaces); i++) {
			if (gst_video_colorimetry_is_equal(&c, &yuv_colorspaces[i].colorimetry))
				out->colorspace = yuv_colorspaces[i].colorspace;
		}
		if (out->colorspace == PH_COLORSPACE_DEFAULT)
			return FALSE;
	}
	return TRUE;
}
