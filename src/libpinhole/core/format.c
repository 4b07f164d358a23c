/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <strings.h>

#include "core/internal.h"

#define RAW(fcc, nm, depth, order, pk)                                                             \
	{                                                                                          \
		.fourcc = fcc, .name = nm, .planes = 1,                                            \
		.bits_per_pixel = (pk) || (depth) == 8 ? (depth) : 16, .bit_depth = depth,         \
		.bayer = order, .packed = pk, .hsub = 1, .vsub = 1                                 \
	}

static const struct ph_format_info formats[] = {
	{PH_FORMAT_RGB888, "RGB888", 1, 24, 8, PH_BAYER_NONE, false, 1, 1},
	{PH_FORMAT_BGR888, "BGR888", 1, 24, 8, PH_BAYER_NONE, false, 1, 1},
	{PH_FORMAT_XRGB8888, "XRGB8888", 1, 32, 8, PH_BAYER_NONE, false, 1, 1},
	{PH_FORMAT_XBGR8888, "XBGR8888", 1, 32, 8, PH_BAYER_NONE, false, 1, 1},
	{PH_FORMAT_RGB565, "RGB565", 1, 16, 8, PH_BAYER_NONE, false, 1, 1},
	{PH_FORMAT_RGB48, "RGB48", 1, 48, 16, PH_BAYER_NONE, false, 1, 1},
	{PH_FORMAT_NV12, "NV12", 2, 8, 8, PH_BAYER_NONE, false, 2, 2},
	{PH_FORMAT_NV21, "NV21", 2, 8, 8, PH_BAYER_NONE, false, 2, 2},
	{PH_FORMAT_YUV420, "YUV420", 3, 8, 8, PH_BAYER_NONE, false, 2, 2},
	{PH_FORMAT_YUYV, "YUYV", 1, 16, 8, PH_BAYER_NONE, false, 2, 1},
	{PH_FORMAT_UYVY, "UYVY", 1, 16, 8, PH_BAYER_NONE, false, 2, 1},
	RAW(PH_FORMAT_GREY, "GREY", 8, PH_BAYER_MONO, false),
	RAW(PH_FORMAT_Y10, "Y10", 10, PH_BAYER_MONO, false),
	RAW(PH_FORMAT_Y12, "Y12", 12, PH_BAYER_MONO, false),
	RAW(PH_FORMAT_Y16, "Y16", 16, PH_BAYER_MONO, false),
	RAW(PH_FORMAT_SRGGB8, "SRGGB8", 8, PH_BAYER_RGGB, false),
	RAW(PH_FORMAT_SGRBG8, "SGRBG8", 8, PH_BAYER_GRBG, false),
	RAW(PH_FORMAT_SGBRG8, "SGBRG8", 8, PH_BAYER_GBRG, false),
	RAW(PH_FORMAT_SBGGR8, "SBGGR8", 8, PH_BAYER_BGGR, false),
	RAW(PH_FORMAT_SRGGB10, "SRGGB10", 10, PH_BAYER_RGGB, false),
	RAW(PH_FORMAT_SGRBG10, "SGRBG10", 10, PH_BAYER_GRBG, false),
	RAW(PH_FORMAT_SGBRG10, "SGBRG10", 10, PH_BAYER_GBRG, false),
	RAW(PH_FORMAT_SBGGR10, "SBGGR10", 10, PH_BAYER_BGGR, false),
	RAW(PH_FORMAT_SRGGB12, "SRGGB12", 12, PH_BAYER_RGGB, false),
	RAW(PH_FORMAT_SGRBG12, "SGRBG12", 12, PH_BAYER_GRBG, false),
	RAW(PH_FORMAT_SGBRG12, "SGBRG12", 12, PH_BAYER_GBRG, false),
	RAW(PH_FORMAT_SBGGR12, "SBGGR12", 12, PH_BAYER_BGGR, false),
	RAW(PH_FORMAT_SRGGB14, "SRGGB14", 14, PH_BAYER_RGGB, false),
	RAW(PH_FORMAT_SGRBG14, "SGRBG14", 14, PH_BAYER_GRBG, false),
	RAW(PH_FORMAT_SGBRG14, "SGBRG14", 14, PH_BAYER_GBRG, false),
	RAW(PH_FORMAT_SBGGR14, "SBGGR14", 14, PH_BAYER_BGGR, false),
	RAW(PH_FORMAT_SRGGB16, "SRGGB16", 16, PH_BAYER_RGGB, false),
	RAW(PH_FORMAT_SGRBG16, "SGRBG16", 16, PH_BAYER_GRBG, false),
	RAW(PH_FORMAT_SGBRG16, "SGBRG16", 16, PH_BAYER_GBRG, false),
	RAW(PH_FORMAT_SBGGR16, "SBGGR16", 16, PH_BAYER_BGGR, false),
	RAW(PH_FORMAT_SRGGB10_CSI2P, "SRGGB10_CSI2P", 10, PH_BAYER_RGGB, true),
	RAW(PH_FORMAT_SGRBG10_CSI2P, "SGRBG10_CSI2P", 10, PH_BAYER_GRBG, true),
	RAW(PH_FORMAT_SGBRG10_CSI2P, "SGBRG10_CSI2P", 10, PH_BAYER_GBRG, true),
	RAW(PH_FORMAT_SBGGR10_CSI2P, "SBGGR10_CSI2P", 10, PH_BAYER_BGGR, true),
	RAW(PH_FORMAT_SRGGB12_CSI2P, "SRGGB12_CSI2P", 12, PH_BAYER_RGGB, true),
	RAW(PH_FORMAT_SGRBG12_CSI2P, "SGRBG12_CSI2P", 12, PH_BAYER_GRBG, true),
	RAW(PH_FORMAT_SGBRG12_CSI2P, "SGBRG12_CSI2P", 12, PH_BAYER_GBRG, true),
	RAW(PH_FORMAT_SBGGR12_CSI2P, "SBGGR12_CSI2P", 12, PH_BAYER_BGGR, true),
};

PH_EXPORT const struct ph_format_info *ph_format_get_info(uint32_t fourcc)
{
	for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

PH_EXPORT const char *ph_format_name(uint32_t fourcc)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	return info ? info->name : NULL;
}

PH_EXPORT uint32_t ph_format_from_name(const char *name)
{
	if (!name)
		return 0;
	for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcasecmp(formats[i].name, name))
			return formats[i].fourcc;
	return 0;
}

PH_EXPORT uint32_t ph_format_raw(enum ph_bayer_order order, unsigned bit_depth, bool packed)
{
	for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].bayer == order && order != PH_BAYER_NONE &&
		    formats[i].bit_depth == bit_depth && formats[i].packed == packed)
			return formats[i].fourcc;
	return 0;
}

PH_EXPORT bool ph_format_is_raw(uint32_t fourcc)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	return info && info->bayer != PH_BAYER_NONE;
}

uint32_t ph_format_min_stride(uint32_t fourcc, uint32_t width)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	if (!info || !width || width > 16384)
		return 0;
	if (info->packed) /* whole pixel groups: 4 in 5 bytes, or 2 in 3 */
		return info->bit_depth == 10 ? (width + 3) / 4 * 5 : (width + 1) / 2 * 3;
	if (info->hsub == 2) /* YUYV macropixels, NV12 CbCr pairs: whole pairs */
		return (width + 1) / 2 * 2 * info->bits_per_pixel / 8;
	return (width * info->bits_per_pixel + 7) / 8;
}

int ph_format_layout(uint32_t fourcc, uint32_t width, uint32_t height, uint32_t stride,
		     struct ph_plane_layout *planes, unsigned *plane_count, uint32_t *frame_size)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);
	uint64_t size;

	if (!info || !height || height > 16384 || !stride ||
	    stride < ph_format_min_stride(fourcc, width))
		return -EINVAL;

	size = (uint64_t)stride * height;
	planes[0] = (struct ph_plane_layout){0, (uint32_t)size, stride};
	*plane_count = 1;
	if (info->planes > 1) {
		/* NV12/NV21: one interleaved chroma plane of the same stride; I420: two
		 * planes of half the stride. */
		uint32_t ch = (height + info->vsub - 1) / info->vsub;
		uint32_t cstride = info->planes == 3 ? (stride + 1) / 2 : stride;

		for (unsigned p = 1; p < info->planes; p++) {
			planes[p] = (struct ph_plane_layout){(uint32_t)size, cstride * ch, cstride};
			size += (uint64_t)cstride * ch;
		}
		*plane_count = info->planes;
	}
	if (size > UINT32_MAX)
		return -EINVAL;
	*frame_size = (uint32_t)size;
	return 0;
}
