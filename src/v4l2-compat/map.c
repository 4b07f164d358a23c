/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pinhole formats and controls as V4L2 sees them. Pure tables and conversions. */

#include <errno.h>
#include <math.h>
#include <string.h>

#include "v4l2-compat.h"

/* Pinhole formats are V4L2 fourccs; this lists those V4L2 has, with its descriptions. */
static const struct v4l2c_format formats[] = {
	{V4L2_PIX_FMT_RGB24, "24-bit RGB 8-8-8"},
	{V4L2_PIX_FMT_BGR24, "24-bit BGR 8-8-8"},
	{V4L2_PIX_FMT_XBGR32, "32-bit BGRX 8-8-8-8"},
	{V4L2_PIX_FMT_RGBX32, "32-bit RGBX 8-8-8-8"},
	{V4L2_PIX_FMT_RGB565, "16-bit RGB 5-6-5"},
	{V4L2_PIX_FMT_NV12, "Y/CbCr 4:2:0"},
	{V4L2_PIX_FMT_NV21, "Y/CrCb 4:2:0"},
	{V4L2_PIX_FMT_YUV420, "Planar YUV 4:2:0"},
	{V4L2_PIX_FMT_YUYV, "YUYV 4:2:2"},
	{V4L2_PIX_FMT_UYVY, "UYVY 4:2:2"},
	{V4L2_PIX_FMT_GREY, "8-bit Greyscale"},
	{V4L2_PIX_FMT_Y10, "10-bit Greyscale"},
	{V4L2_PIX_FMT_Y12, "12-bit Greyscale"},
	{V4L2_PIX_FMT_Y16, "16-bit Greyscale"},
	{V4L2_PIX_FMT_SRGGB8, "8-bit Bayer RGRG/GBGB"},
	{V4L2_PIX_FMT_SGRBG8, "8-bit Bayer GRGR/BGBG"},
	{V4L2_PIX_FMT_SGBRG8, "8-bit Bayer GBGB/RGRG"},
	{V4L2_PIX_FMT_SBGGR8, "8-bit Bayer BGBG/GRGR"},
	{V4L2_PIX_FMT_SRGGB10, "10-bit Bayer RGRG/GBGB"},
	{V4L2_PIX_FMT_SGRBG10, "10-bit Bayer GRGR/BGBG"},
	{V4L2_PIX_FMT_SGBRG10, "10-bit Bayer GBGB/RGRG"},
	{V4L2_PIX_FMT_SBGGR10, "10-bit Bayer BGBG/GRGR"},
	{V4L2_PIX_FMT_SRGGB12, "12-bit Bayer RGRG/GBGB"},
	{V4L2_PIX_FMT_SGRBG12, "12-bit Bayer GRGR/BGBG"},
	{V4L2_PIX_FMT_SGBRG12, "12-bit Bayer GBGB/RGRG"},
	{V4L2_PIX_FMT_SBGGR12, "12-bit Bayer BGBG/GRGR"},
	{V4L2_PIX_FMT_SRGGB14, "14-bit Bayer RGRG/GBGB"},
	{V4L2_PIX_FMT_SGRBG14, "14-bit Bayer GRGR/BGBG"},
	{V4L2_PIX_FMT_SGBRG14, "14-bit Bayer GBGB/RGRG"},
	{V4L2_PIX_FMT_SBGGR14, "14-bit Bayer BGBG/GRGR"},
	{V4L2_PIX_FMT_SRGGB16, "16-bit Bayer RGRG/GBGB"},
	{V4L2_PIX_FMT_SGRBG16, "16-bit Bayer GRGR/BGBG"},
	{V4L2_PIX_FMT_SGBRG16, "16-bit Bayer GBGB/RGRG"},
	{V4L2_PIX_FMT_SBGGR16, "16-bit Bayer BGBG/GRGR"},
	{V4L2_PIX_FMT_SRGGB10P, "10-bit Bayer RGRG/GBGB Packed"},
	{V4L2_PIX_FMT_SGRBG10P, "10-bit Bayer GRGR/BGBG Packed"},
	{V4L2_PIX_FMT_SGBRG10P, "10-bit Bayer GBGB/RGRG Packed"},
	{V4L2_PIX_FMT_SBGGR10P, "10-bit Bayer BGBG/GRGR Packed"},
	{V4L2_PIX_FMT_SRGGB12P, "12-bit Bayer RGRG/GBGB Packed"},
	{V4L2_PIX_FMT_SGRBG12P, "12-bit Bayer GRGR/BGBG Packed"},
	{V4L2_PIX_FMT_SGBRG12P, "12-bit Bayer GBGB/RGRG Packed"},
	{V4L2_PIX_FMT_SBGGR12P, "12-bit Bayer BGBG/GRGR Packed"},
};

const struct v4l2c_format *v4l2c_format_find(uint32_t fourcc)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

void v4l2c_colorspace_to_v4l2(enum ph_colorspace cs, struct v4l2_pix_format *pix)
{
	/* Pinhole's YUV encodings all use the sRGB primaries and transfer curve. */
	pix->xfer_func = V4L2_XFER_FUNC_SRGB;
	switch (cs) {
	case PH_COLORSPACE_RAW:
		pix->colorspace = V4L2_COLORSPACE_RAW;
		pix->xfer_func = V4L2_XFER_FUNC_NONE;
		pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
		pix->quantization = V4L2_QUANTIZATION_FULL_RANGE;
		break;
	case PH_COLORSPACE_JPEG:
		pix->colorspace = V4L2_COLORSPACE_JPEG;
		pix->ycbcr_enc = V4L2_YCBCR_ENC_601;
		pix->quantization = V4L2_QUANTIZATION_FULL_RANGE;
		break;
	case PH_COLORSPACE_SMPTE170M:
		pix->colorspace = V4L2_COLORSPACE_SRGB;
		pix->ycbcr_enc = V4L2_YCBCR_ENC_601;
		pix->quantization = V4L2_QUANTIZATION_LIM_RANGE;
		break;
	case PH_COLORSPACE_REC709:
		pix->colorspace = V4L2_COLORSPACE_REC709;
		pix->ycbcr_enc = V4L2_YCBCR_ENC_709;
		pix->quantization = V4L2_QUANTIZATION_LIM_RANGE;
		break;
	case PH_COLORSPACE_SRGB:
	case PH_COLORSPACE_DEFAULT:
	default:
		pix->colorspace = V4L2_COLORSPACE_SRGB;
		pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
		pix->quantization = V4L2_QUANTIZATION_FULL_RANGE;
		break;
	}
}

static const char *const auto_exposure_menu[] = {"Auto Mode", "Manual Mode", NULL};
static const char *const power_line_menu[] = {"Disabled", "50 Hz", "60 Hz", NULL};
static const char *const metering_menu[] = {"Average", "Center Weighted", "Spot", "Matrix", NULL};
static const char *const test_pattern_menu[] = {"Disabled", "Colour Bars", "Grey Ramp", NULL};
/* Exposure compensation in V4L2's unit, 1/1000 EV: -2 to +2 EV in thirds. */
static const int64_t ev_menu[] = {-2000, -1667, -1333, -1000, -667, -333, 0,
				  333,	 667,	1000,  1333,  1667, 2000};

#define CLASS(c, n)                                                                                \
	{                                                                                          \
		.cid = (c), .type = V4L2_CTRL_TYPE_CTRL_CLASS, .name = (n),                        \
		.kind = V4L2C_KIND_CLASS                                                           \
	}
#define SCALED(c, n, id, e, s, a)                                                                  \
	{                                                                                          \
		.cid = (c), .type = V4L2_CTRL_TYPE_INTEGER, .name = (n),                           \
		.kind = V4L2C_KIND_SCALED, .ph_id = (id), .element = (e), .scale = (s),            \
		.inactive_when = (a)                                                               \
	}
#define MENU(c, n, k, id, m)                                                                       \
	{                                                                                          \
		.cid = (c), .type = V4L2_CTRL_TYPE_MENU, .name = (n), .kind = (k), .ph_id = (id),  \
		.menu = (m)                                                                        \
	}

/* Sorted by cid: QUERYCTRL's NEXT_CTRL walks it in order. */
static const struct v4l2c_ctrl_map controls[] = {
	CLASS(V4L2_CID_USER_CLASS, "User Controls"),
	SCALED(V4L2_CID_BRIGHTNESS, "Brightness", PH_CONTROL_BRIGHTNESS, 0, 100.0, V4L2C_AUTO_NONE),
	SCALED(V4L2_CID_CONTRAST, "Contrast", PH_CONTROL_CONTRAST, 0, 100.0, V4L2C_AUTO_NONE),
	SCALED(V4L2_CID_SATURATION, "Saturation", PH_CONTROL_SATURATION, 0, 100.0, V4L2C_AUTO_NONE),
	{.cid = V4L2_CID_AUTO_WHITE_BALANCE,
	 .type = V4L2_CTRL_TYPE_BOOLEAN,
	 .name = "White Balance, Automatic",
	 .kind = V4L2C_KIND_BOOL,
	 .ph_id = PH_CONTROL_AWB_ENABLE},
	SCALED(V4L2_CID_RED_BALANCE, "Red Balance", PH_CONTROL_COLOUR_GAINS, 0, 100.0,
	       V4L2C_AUTO_AWB),
	SCALED(V4L2_CID_BLUE_BALANCE, "Blue Balance", PH_CONTROL_COLOUR_GAINS, 1, 100.0,
	       V4L2C_AUTO_AWB),
	SCALED(V4L2_CID_GAIN, "Gain", PH_CONTROL_ANALOGUE_GAIN, 0, 100.0, V4L2C_AUTO_AE),
	MENU(V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", V4L2C_KIND_POWER_LINE,
	     PH_CONTROL_AE_FLICKER_MODE, power_line_menu),
	SCALED(V4L2_CID_WHITE_BALANCE_TEMPERATURE, "White Balance Temperature",
	       PH_CONTROL_COLOUR_TEMPERATURE, 0, 1.0, V4L2C_AUTO_AWB),
	CLASS(V4L2_CID_CAMERA_CLASS, "Camera Controls"),
	MENU(V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", V4L2C_KIND_AUTO_EXPOSURE,
	     PH_CONTROL_AE_ENABLE, auto_exposure_menu),
	/* V4L2 counts exposure in 100 us units. */
	SCALED(V4L2_CID_EXPOSURE_ABSOLUTE, "Exposure Time, Absolute", PH_CONTROL_EXPOSURE_TIME, 0,
	       0.01, V4L2C_AUTO_AE),
	{.cid = V4L2_CID_AUTO_EXPOSURE_BIAS,
	 .type = V4L2_CTRL_TYPE_INTEGER_MENU,
	 .name = "Auto Exposure, Bias",
	 .kind = V4L2C_KIND_EV_MENU,
	 .ph_id = PH_CONTROL_EXPOSURE_VALUE,
	 .int_menu = ev_menu,
	 .int_menu_count = sizeof(ev_menu) / sizeof(ev_menu[0])},
	MENU(V4L2_CID_EXPOSURE_METERING, "Exposure, Metering Mode", V4L2C_KIND_METERING,
	     PH_CONTROL_AE_METERING_MODE, metering_menu),
	CLASS(V4L2_CID_IMAGE_PROC_CLASS, "Image Processing Controls"),
	MENU(V4L2_CID_TEST_PATTERN, "Test Pattern", V4L2C_KIND_MENU, PH_CONTROL_TEST_PATTERN_MODE,
	     test_pattern_menu),
};

_Static_assert(sizeof(controls) / sizeof(controls[0]) <= 64, "control bitmasks are 64 bits");

unsigned v4l2c_ctrl_count(void)
{
	return sizeof(controls) / sizeof(controls[0]);
}

const struct v4l2c_ctrl_map *v4l2c_ctrl_at(unsigned index)
{
	return index < v4l2c_ctrl_count() ? &controls[index] : NULL;
}

int v4l2c_ctrl_index(uint32_t cid)
{
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
		if (controls[i].cid == cid)
			return (int)i;
	return -1;
}

/* Element @p e of a scalar or array value, as a double. */
static double value_at(const struct ph_control_value *v, unsigned e)
{
	if (e >= v->count)
		return 0.0;
	switch (v->type) {
	case PH_CONTROL_TYPE_BOOL:
		return v->b[e] ? 1.0 : 0.0;
	case PH_CONTROL_TYPE_INT32:
		return v->i32[e];
	case PH_CONTROL_TYPE_INT64:
		return (double)v->i64[e];
	case PH_CONTROL_TYPE_FLOAT:
		return v->f[e];
	default:
		return 0.0;
	}
}

static unsigned menu_length(const struct v4l2c_ctrl_map *map)
{
	unsigned n = 0;

	if (map->int_menu)
		return map->int_menu_count;
	while (map->menu && map->menu[n])
		n++;
	return n;
}

static int32_t clamp_i32(double v, int32_t lo, int32_t hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return (int32_t)v;
}

int v4l2c_ctrl_range(const struct v4l2c_ctrl_map *map, const struct ph_control_info *info,
		     struct v4l2c_ctrl_range *r)
{
	unsigned items = menu_length(map);

	memset(r, 0, sizeof(*r));
	if (map->kind == V4L2C_KIND_CLASS)
		return 0;
	if (!info)
		return -ENOENT;
	r->step = 1;
	switch (map->kind) {
	case V4L2C_KIND_SCALED:
		r->min = clamp_i32(ceil(value_at(&info->min, map->element) * map->scale - 1e-6),
				   INT32_MIN, INT32_MAX);
		r->max = clamp_i32(floor(value_at(&info->max, map->element) * map->scale + 1e-6),
				   INT32_MIN, INT32_MAX);
		r->def = clamp_i32(round(value_at(&info->def, map->element) * map->scale), r->min,
				   r->max);
		if (r->max < r->min)
			return -ENOENT;
		break;
	case V4L2C_KIND_BOOL:
		r->min = 0;
		r->max = 1;
		r->def = value_at(&info->def, 0) != 0.0;
		break;
	case V4L2C_KIND_AUTO_EXPOSURE:
		r->min = V4L2_EXPOSURE_AUTO;
		r->max = V4L2_EXPOSURE_MANUAL;
		r->def = value_at(&info->def, 0) != 0.0 ? V4L2_EXPOSURE_AUTO : V4L2_EXPOSURE_MANUAL;
		break;
	case V4L2C_KIND_METERING:
	case V4L2C_KIND_MENU: {
		int32_t off = map->kind == V4L2C_KIND_METERING ? 1 : 0;

		r->min = clamp_i32(value_at(&info->min, 0) + off, 0, (int32_t)items - 1);
		r->max = clamp_i32(value_at(&info->max, 0) + off, r->min, (int32_t)items - 1);
		r->def = clamp_i32(value_at(&info->def, 0) + off, r->min, r->max);
		break;
	}
	case V4L2C_KIND_POWER_LINE:
		r->min = V4L2_CID_POWER_LINE_FREQUENCY_DISABLED;
		r->max = V4L2_CID_POWER_LINE_FREQUENCY_60HZ;
		r->def = value_at(&info->def, 0) != 0.0 ? V4L2_CID_POWER_LINE_FREQUENCY_50HZ
							: V4L2_CID_POWER_LINE_FREQUENCY_DISABLED;
		break;
	case V4L2C_KIND_EV_MENU: {
		double lo = value_at(&info->min, 0) * 1000.0, hi = value_at(&info->max, 0) * 1000.0;
		double def = value_at(&info->def, 0) * 1000.0, best = INFINITY;

		r->min = -1;
		for (unsigned i = 0; i < items; i++) {
			if (map->int_menu[i] < lo - 0.5 || map->int_menu[i] > hi + 0.5)
				continue;
			if (r->min < 0)
				r->min = (int32_t)i;
			r->max = (int32_t)i;
			if (fabs((double)map->int_menu[i] - def) < best) {
				best = fabs((double)map->int_menu[i] - def);
				r->def = (int32_t)i;
			}
		}
		if (r->min < 0)
			return -ENOENT;
		break;
	}
	default:
		return -ENOENT;
	}
	return 0;
}

int v4l2c_ctrl_to_pinhole(const struct v4l2c_ctrl_map *map, int32_t value,
			  struct ph_control_list *list)
{
	const struct ph_control_desc *desc = ph_control_desc_by_id(map->ph_id);
	struct ph_control_value v;
	double x;
	int ret;

	if (!desc)
		return -ENOENT;
	switch (map->kind) {
	case V4L2C_KIND_SCALED:
		/* Arrays (ColourGains) keep their other elements. */
		if (ph_control_list_get(list, map->ph_id, &v) < 0) {
			memset(&v, 0, sizeof(v));
			v.type = desc->type;
			v.count = desc->count;
		}
		if (map->element >= v.count)
			return -EINVAL;
		x = value / map->scale;
		switch (v.type) {
		case PH_CONTROL_TYPE_INT32:
			v.i32[map->element] = (int32_t)lround(x);
			break;
		case PH_CONTROL_TYPE_INT64:
			v.i64[map->element] = llround(x);
			break;
		case PH_CONTROL_TYPE_FLOAT:
			v.f[map->element] = (float)x;
			break;
		default:
			return -EINVAL;
		}
		return ph_control_list_set(list, map->ph_id, &v);
	case V4L2C_KIND_BOOL:
		return ph_control_list_set_bool(list, map->ph_id, value != 0);
	case V4L2C_KIND_AUTO_EXPOSURE:
		return ph_control_list_set_bool(list, map->ph_id, value == V4L2_EXPOSURE_AUTO);
	case V4L2C_KIND_METERING:
		return ph_control_list_set_int32(list, map->ph_id, value - 1);
	case V4L2C_KIND_MENU:
		return ph_control_list_set_int32(list, map->ph_id, value);
	case V4L2C_KIND_POWER_LINE:
		ret = ph_control_list_set_int32(list, PH_CONTROL_AE_FLICKER_MODE,
						value != V4L2_CID_POWER_LINE_FREQUENCY_DISABLED);
		if (ret < 0 || value == V4L2_CID_POWER_LINE_FREQUENCY_DISABLED)
			return ret;
		/* Lamps flicker at twice the mains frequency. */
		return ph_control_list_set_int32(
			list, PH_CONTROL_AE_FLICKER_PERIOD,
			value == V4L2_CID_POWER_LINE_FREQUENCY_50HZ ? 10000 : 8333);
	case V4L2C_KIND_EV_MENU:
		if (value < 0 || (unsigned)value >= map->int_menu_count)
			return -EINVAL;
		return ph_control_list_set_float(list, map->ph_id,
						 (float)map->int_menu[value] / 1000.0f);
	default:
		return -EINVAL;
	}
}

int v4l2c_ctrl_from_pinhole(const struct v4l2c_ctrl_map *map,
			    const struct ph_control_list *metadata, int32_t *value)
{
	struct ph_control_value v;

	if (map->kind != V4L2C_KIND_SCALED || !metadata ||
	    ph_control_list_get(metadata, map->ph_id, &v) < 0 || map->element >= v.count)
		return -ENOENT;
	*value = clamp_i32(round(value_at(&v, map->element) * map->scale), INT32_MIN, INT32_MAX);
	return 0;
}
