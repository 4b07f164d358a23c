/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * DNG support beyond the writer: the colour matrix derivation both ways
 * (dng_colour.c; doc/stills.md) and reading the raw image of a DNG for
 * 'pinhole develop' (dng_reader.c).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/format.h>
#include <tiffio.h>

/*
 * ColorMatrix1 (XYZ to camera) of a frame developed by @p ccm (white-balanced
 * camera RGB to linear sRGB, row major) after the gains @p gains (R, G, B):
 * G^-1 * CCM^-1 * S^-1, S linear sRGB to XYZ (D65), scaled so that the
 * largest camera value of D65 white is 1.
 * @return 0, or -EINVAL if @p ccm is singular or the result degenerate.
 */
int dng_colour_matrix(const float ccm[9], const float gains[3], float matrix[9]);

/*
 * The inverse: the CCM that, after the gains @p gains, takes camera RGB to
 * linear sRGB as @p matrix describes it, S^-1 * ColorMatrix1^-1 * G^-1 with
 * each row scaled to sum to 1 (white-balanced grey stays grey).
 * @return 0, or -EINVAL if @p matrix is singular or a row sums to 0.
 */
int dng_ccm_from_matrix(const float matrix[9], const float gains[3], float ccm[9]);

/* CFAPattern of a Bayer order: 0 red, 1 green, 2 blue, row by row. */
void dng_cfa_pattern(enum ph_bayer_order order, uint8_t pattern[4]);

/* The Bayer order of a 2x2 CFAPattern, PH_BAYER_NONE if it is not one. */
enum ph_bayer_order dng_bayer_order(const uint8_t pattern[4]);

/* A libtiff warning handler that drops the warnings (they are not errors). */
int dng_tiff_ignore_warning(TIFF *tif, void *user_data, const char *module, const char *fmt,
			    va_list ap);

/* The raw image of a DNG and what develops it. */
struct dng_raw {
	uint16_t *pixels; /* width x height native values, host-endian; free() it */
	uint32_t width, height;
	uint32_t fourcc; /* the unpacked Bayer format of @depth bits */
	unsigned depth;	 /* 10, 12, 14 or 16: the least that holds WhiteLevel */
	uint32_t white;	 /* WhiteLevel */
	float black[4];	 /* BlackLevel per CFA site (TL, TR, BL, BR) */
	bool have_neutral;
	float neutral[3]; /* AsShotNeutral */
	bool have_matrix;
	float matrix[9]; /* ColorMatrix1 */
};

/*
 * Read the raw (NewSubFileType 0, CFA) image of the DNG @p path: IFD0 or
 * one of its SubIFDs, uncompressed, 8 or 16 bits, a 2x2 Bayer pattern.
 * @return 0, or a negative errno with a description in @p err (-ENOTSUP
 * for a DNG this reader does not handle, -EINVAL for one that is broken).
 */
int dng_read(const char *path, struct dng_raw *raw, char *err, size_t err_size);
