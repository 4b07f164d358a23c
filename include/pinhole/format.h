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
/** YUV 4:2:0, a Y plane then an interleaved CbCr plane, in one buffer. */
#define PH_FORMAT_NV12 PH_FOURCC('N', 'V', '1', '2')
/** YUV 4:2:2 packed, bytes Y0 Cb Y1 Cr. */
#define PH_FORMAT_YUYV PH_FOURCC('Y', 'U', 'Y', 'V')

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
	PH_BAYER_NONE = 4, /**< not a Bayer format */
};

/** How a format lays out memory. Filled by ph_format_get_info(). */
struct ph_format_info {
	uint32_t fourcc;
	const char *name;	   /**< e.g. "SRGGB10_CSI2P"; static storage */
	unsigned planes;	   /**< planes stored in the buffer (1 or 2) */
	unsigned bits_per_pixel;   /**< bits per pixel in the first plane */
	unsigned bit_depth;	   /**< significant bits per sample */
	enum ph_bayer_order bayer; /**< PH_BAYER_NONE for processed formats */
	bool packed;		   /**< MIPI CSI-2 packed raw */
	unsigned hsub, vsub;	   /**< chroma subsampling of plane 2 */
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

/** @return true if @p fourcc is a raw (Bayer) format. */
bool ph_format_is_raw(uint32_t fourcc);

#ifdef __cplusplus
}
#endif
