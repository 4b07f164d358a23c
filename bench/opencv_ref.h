/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * OpenCV's Bayer demosaics as reference points for the ISP's benchmark and
 * quality test. Implemented in opencv_ref.cpp (C++) when OpenCV is found;
 * opencv_ref_stub.c answers "not available" otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ph_ref_demosaic {
	PH_REF_BILINEAR = 0, /* cv::COLOR_BayerRGGB2RGB */
	PH_REF_VNG = 1,	     /* cv::COLOR_BayerRGGB2RGB_VNG (8-bit only; its 2-line
				shift before OpenCV 4.12 is undone) */
	PH_REF_EA = 2,	     /* cv::COLOR_BayerRGGB2RGB_EA (edge-aware) */
};

/* @return true if OpenCV is linked in. */
bool ph_ref_opencv_available(void);

/* OpenCV's version string, or "n/a". */
const char *ph_ref_opencv_version(void);

/* Set the threads OpenCV uses (0: its default). OpenCV keeps this globally. */
void ph_ref_opencv_set_threads(int threads);

/*
 * Demosaic an RGGB mosaic of @p depth 8 (uint8_t) or 16 (uint16_t) bits into
 * packed RGB of the same depth. Strides in bytes.
 * @return 0, -ENOTSUP (not available, or VNG at 16 bits), or -EIO if OpenCV
 * threw.
 */
int ph_ref_opencv_demosaic(enum ph_ref_demosaic method, unsigned depth, const void *raw,
			   size_t raw_stride, void *rgb, size_t rgb_stride, uint32_t width,
			   uint32_t height);

#ifdef __cplusplus
}
#endif
