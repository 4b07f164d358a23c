/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file format.h
 * Pixel formats. A format is a V4L2 fourcc (the same number the kernel
 * uses), so formats pass unchanged between Pinhole and V4L2 devices.
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Build a fourcc from four characters. */
#define PH_FOURCC(a, b, c, d)                                                                      \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))

/** 24-bit RGB, bytes R, G, B in memory (V4L2 RGB24). */
#define PH_FORMAT_RGB888 PH_FOURCC('R', 'G', 'B', '3')
/** 24-bit RGB, bytes B, G, R in memory (V4L2 BGR24). */
#define PH_FORMAT_BGR888 PH_FOURCC('B', 'G', 'R', '3')
/** 32-bit RGB, bytes B, G, R, X in memory (DRM XRGB8888, V4L2 XBGR32). */
#define PH_FORMAT_XRGB8888 PH_FOURCC('X', 'R', '2', '4')
/** 32-bit RGB, bytes R, G, B, X in memory (DRM XBGR8888, V4L2 RGBX32). */
#define PH_FORMAT_XBGR8888 PH_FOURCC('X', 'B', '2', '4')
/** 16-bit RGB, little-endian words rrrrrggg gggbbbbb (V4L2 RGB565). */
#define PH_FORMAT_RGB565 PH_FOURCC('R', 'G', 'B', 'P')
/** 48-bit RGB, little-endian 16-bit R, G, B words: stills with headroom. */
#define PH_FORMAT_RGB48 PH_FOURCC('R', 'G', '4', '8')
/** YUV 4:2:0, a Y plane then an interleaved CbCr plane, in one buffer. */
#define PH_FORMAT_NV12 PH_FOURCC('N', 'V', '1', '2')
/** YUV 4:2:0, a Y plane then an interleaved CrCb plane, in one buffer. */
#define PH_FORMAT_NV21 PH_FOURCC('N', 'V', '2', '1')
/** YUV 4:2:0, Y, Cb and Cr planes in one buffer; chroma lines are half the stride (I420). */
#define PH_FORMAT_YUV420 PH_FOURCC('Y', 'U', '1', '2')
/** YUV 4:2:2 packed, bytes Y0 Cb Y1 Cr. */
#define PH_FORMAT_YUYV PH_FOURCC('Y', 'U', 'Y', 'V')
/** YUV 4:2:2 packed, bytes Cb Y0 Cr Y1. */
#define PH_FORMAT_UYVY PH_FOURCC('U', 'Y', 'V', 'Y')

/* Monochrome sensor data: 8 bits, or 10, 12 and 16 bits in little-endian 16-bit words. */
#define PH_FORMAT_GREY PH_FOURCC('G', 'R', 'E', 'Y')
#define PH_FORMAT_Y10  PH_FOURCC('Y', '1', '0', ' ')
#define PH_FORMAT_Y12  PH_FOURCC('Y', '1', '2', ' ')
#define PH_FORMAT_Y16  PH_FOURCC('Y', '1', '6', ' ')

/* Bayer, 8 bits per pixel. */
#define PH_FORMAT_SRGGB8 PH_FOURCC('R', 'G', 'G', 'B')
#define PH_FORMAT_SGRBG8 PH_FOURCC('G', 'R', 'B', 'G')
#define PH_FORMAT_SGBRG8 PH_FOURCC('G', 'B', 'R', 'G')
#define PH_FORMAT_SBGGR8 PH_FOURCC('B', 'A', '8', '1')
/* Bayer, 14 and 16 bits, one little-endian 16-bit word per pixel. */
#define PH_FORMAT_SRGGB14 PH_FOURCC('R', 'G', '1', '4')
#define PH_FORMAT_SGRBG14 PH_FOURCC('G', 'R', '1', '4')
#define PH_FORMAT_SGBRG14 PH_FOURCC('G', 'B', '1', '4')
#define PH_FORMAT_SBGGR14 PH_FOURCC('B', 'G', '1', '4')
#define PH_FORMAT_SRGGB16 PH_FOURCC('R', 'G', '1', '6')
#define PH_FORMAT_SGRBG16 PH_FOURCC('G', 'R', '1', '6')
#define PH_FORMAT_SGBRG16 PH_FOURCC('G', 'B', '1', '6')
#define PH_FORMAT_SBGGR16 PH_FOURCC('B', 'Y', 'R', '2')

/* Bayer, 10 and 12 bits, one little-endian 16-bit word per pixel. */
#define PH_FORMAT_SRGGB10 PH_FOURCC('R', 'G', '1', '0')
#define PH_FORMAT_SGRBG10 PH_FOURCC('B', 'A', '1', '0')
#define PH_FORMAT_SGBRG10 PH_FOURCC('G', 'B', '1', '0')
#define PH_FORMAT_SBGGR10 PH_FOURCC('B', 'G', '1', '0')
#define PH_FORMAT_SRGGB12 PH_FOURCC('R', 'G', '1', '2')
#define PH_FORMAT_SGRBG12 PH_FOURCC('B', 'A', '1', '2')
#define PH_FORMAT_SGBRG12 PH_FOURCC('G', 'B', '1', '2')
#define PH_FORMAT_SBGGR12 PH_FOURCC('B', 'G', '1', '2')
/* Bayer, MIPI CSI-2 packed: 10 bits as 4 pixels in 5 bytes, 12 bits as 2 in 3. */
#define PH_FORMAT_SRGGB10_CSI2P PH_FOURCC('p', 'R', 'A', 'A')
#define PH_FORMAT_SGRBG10_CSI2P PH_FOURCC('p', 'g', 'A', 'A')
#define PH_FORMAT_SGBRG10_CSI2P PH_FOURCC('p', 'G', 'A', 'A')
#define PH_FORMAT_SBGGR10_CSI2P PH_FOURCC('p', 'B', 'A', 'A')
#define PH_FORMAT_SRGGB12_CSI2P PH_FOURCC('p', 'R', 'C', 'C')
#define PH_FORMAT_SGRBG12_CSI2P PH_FOURCC('p', 'g', 'C', 'C')
#define PH_FORMAT_SGBRG12_CSI2P PH_FOURCC('p', 'G', 'C', 'C')
#define PH_FORMAT_SBGGR12_CSI2P PH_FOURCC('p', 'B', 'C', 'C')

/** Colour filter order of a Bayer format, by its top-left 2x2 block. */
enum ph_bayer_order {
	PH_BAYER_RGGB = 0,
	PH_BAYER_GRBG = 1,
	PH_BAYER_GBRG = 2,
	PH_BAYER_BGGR = 3,
	PH_BAYER_NONE = 4, /**< not a sensor format */
	PH_BAYER_MONO = 5, /**< monochrome sensor data, no colour filter */
};

/** How a format lays out memory. Filled by ph_format_get_info(). */
struct ph_format_info {
	uint32_t fourcc;
	const char *name;	   /**< e.g. "SRGGB10_CSI2P"; static storage */
	unsigned planes;	   /**< planes stored in the buffer (1 to 3) */
	unsigned bits_per_pixel;   /**< bits per pixel in the first plane */
	unsigned bit_depth;	   /**< significant bits per sample */
	enum ph_bayer_order bayer; /**< PH_BAYER_NONE for processed formats, MONO for Y10... */
	bool packed;		   /**< MIPI CSI-2 packed raw */
	unsigned hsub, vsub;	   /**< chroma subsampling of planes 2 and 3 */
};

/**
 * Look up a format. @return a static description, or NULL if Pinhole does
 * not know @p fourcc.
 */
const struct ph_format_info *ph_format_get_info(uint32_t fourcc);

/** @return the format's name ("NV12", "SRGGB10", ...) or NULL if unknown. */
const char *ph_format_name(uint32_t fourcc);

/** @return the fourcc named @p name (case-insensitive), or 0 if unknown. */
uint32_t ph_format_from_name(const char *name);

/**
 * @return the Bayer format of @p order and @p bit_depth, CSI-2 packed or
 * unpacked, or 0 if Pinhole has none.
 */
uint32_t ph_format_raw(enum ph_bayer_order order, unsigned bit_depth, bool packed);

/** @return true if @p fourcc is raw sensor data (Bayer or monochrome). */
bool ph_format_is_raw(uint32_t fourcc);

#ifdef __cplusplus
}
#endif
