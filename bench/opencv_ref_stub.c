/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* opencv_ref.h without OpenCV: every reference is "n/a". */

#include <errno.h>

#include "opencv_ref.h"

bool ph_ref_opencv_available(void)
{
	return false;
}

const char *ph_ref_opencv_version(void)
{
	return "n/a";
}

void ph_ref_opencv_set_threads(int threads)
{
	(void)threads;
}

int ph_ref_opencv_demosaic(enum ph_ref_demosaic method, unsigned depth, const void *raw,
			   size_t raw_stride, void *rgb, size_t rgb_stride, uint32_t width,
			   uint32_t height)
{
	(void)method, (void)depth, (void)raw, (void)raw_stride, (void)rgb, (void)rgb_stride;
	(void)width, (void)height;
	return -ENOTSUP;
}
