/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the DNG reader and writer share: the colour matrix from the IPA's CCM
 * and gains and back (doc/stills.md), the CFA pattern codes, libtiff glue.
 */

#include <errno.h>
#include <math.h>
#include <string.h>

#include "dng.h"

/* Linear sRGB to CIE XYZ, D65 white (IEC 61966-2-1). */
static const double srgb_to_xyz[9] = {
	0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522,
	0.0721750, 0.0193339, 0.1191920, 0.9503041,
};

static void mat_mul(const double a[9], const double b[9], double out[9])
{
	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < 3; j++)
			out[3 * i + j] =
				a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
}

/* @return false if @p m is singular. */
static bool mat_invert(const double m[9], double out[9])
{
	double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
		     m[2] * (m[3] * m[7] - m[4] * m[6]);

	if (!isfinite(det) || fabs(det) < 1e-12)
		return false;
	out[0] = (m[4] * m[8] - m[5] * m[7]) / det;
	out[1] = (m[2] * m[7] - m[1] * m[8]) / det;
	out[2] = (m[1] * m[5] - m[2] * m[4]) / det;
	out[3] = (m[5] * m[6] - m[3] * m[8]) / det;
	out[4] = (m[0] * m[8] - m[2] * m[6]) / det;
	out[5] = (m[2] * m[3] - m[0] * m[5]) / det;
	out[6] = (m[3] * m[7] - m[4] * m[6]) / det;
	out[7] = (m[1] * m[6] - m[0] * m[7]) / det;
	out[8] = (m[0] * m[4] - m[1] * m[3]) / det;
	return true;
}

int dng_colour_matrix(const float ccm[9], const float gains[3], float matrix[9])
{
	double c[9], c_inv[9], s_inv[9], m[9], top = 0;

	for (unsigned i = 0; i < 9; i++)
		c[i] = ccm[i];
	if (!mat_invert(c, c_inv) || !mat_invert(srgb_to_xyz, s_inv))
		return -EINVAL;
	mat_mul(c_inv, s_inv, m);
	for (unsigned i = 0; i < 9; i++)
		m[i] /= gains[i / 3];
	/* Camera values of D65 white, S * (1,1,1): the largest becomes 1. */
	for (unsigned i = 0; i < 3; i++) {
		double v = 0;

		for (unsigned j = 0; j < 3; j++)
			v += m[3 * i + j] *
			     (srgb_to_xyz[3 * j] + srgb_to_xyz[3 * j + 1] + srgb_to_xyz[3 * j + 2]);
		if (v > top)
			top = v;
	}
	if (!(top > 0) || !isfinite(top))
		return -EINVAL;
	for (unsigned i = 0; i < 9; i++)
		matrix[i] = (float)(m[i] / top);
	return 0;
}

int dng_ccm_from_matrix(const float matrix[9], const float gains[3], float ccm[9])
{
	double cm[9], cm_inv[9], s_inv[9], to_srgb[9];

	for (unsigned i = 0; i < 9; i++)
		cm[i] = matrix[i];
	if (!mat_invert(cm, cm_inv) || !mat_invert(srgb_to_xyz, s_inv))
		return -EINVAL;
	/* Camera to XYZ is ColorMatrix1^-1 (up to scale); S^-1 takes XYZ to linear sRGB. */
	mat_mul(s_inv, cm_inv, to_srgb);
	for (unsigned i = 0; i < 3; i++) {
		double sum = 0;

		for (unsigned j = 0; j < 3; j++) {
			to_srgb[3 * i + j] /= gains[j];
			sum += to_srgb[3 * i + j];
		}
		if (!isfinite(sum) || fabs(sum) < 1e-9)
			return -EINVAL;
		for (unsigned j = 0; j < 3; j++)
			ccm[3 * i + j] = (float)(to_srgb[3 * i + j] / sum);
	}
	return 0;
}

static const uint8_t cfa_patterns[4][4] = {
	[PH_BAYER_RGGB] = {0, 1, 1, 2},
	[PH_BAYER_GRBG] = {1, 0, 2, 1},
	[PH_BAYER_GBRG] = {1, 2, 0, 1},
	[PH_BAYER_BGGR] = {2, 1, 1, 0},
};

void dng_cfa_pattern(enum ph_bayer_order order, uint8_t pattern[4])
{
	memcpy(pattern, cfa_patterns[order <= PH_BAYER_BGGR ? order : PH_BAYER_RGGB], 4);
}

enum ph_bayer_order dng_bayer_order(const uint8_t pattern[4])
{
	for (unsigned o = 0; o <= PH_BAYER_BGGR; o++)
		if (!memcmp(pattern, cfa_patterns[o], 4))
			return (enum ph_bayer_order)o;
	return PH_BAYER_NONE;
}

int dng_tiff_ignore_warning(TIFF *tif, void *user_data, const char *module, const char *fmt,
			    va_list ap)
{
	(void)tif;
	(void)user_data;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}
