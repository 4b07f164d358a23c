// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenCV's Bayer demosaics behind a C interface (see opencv_ref.h).

#include <cerrno>
#include <cstring>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "opencv_ref.h"

extern "C" bool ph_ref_opencv_available(void)
{
	return true;
}

extern "C" const char *ph_ref_opencv_version(void)
{
	return CV_VERSION;
}

extern "C" void ph_ref_opencv_set_threads(int threads)
{
	cv::setNumThreads(threads > 0 ? threads : -1);
}

extern "C" int ph_ref_opencv_demosaic(enum ph_ref_demosaic method, unsigned depth, const void *raw,
				      size_t raw_stride, void *rgb, size_t rgb_stride,
				      uint32_t width, uint32_t height)
{
	int type = depth == 8 ? CV_8UC1 : CV_16UC1;
	int out_type = depth == 8 ? CV_8UC3 : CV_16UC3;
	int code;

	if (depth != 8 && depth != 16)
		return -ENOTSUP;
	switch (method) {
	case PH_REF_BILINEAR:
		code = cv::COLOR_BayerRGGB2RGB;
		break;
	case PH_REF_VNG:
		if (depth != 8)
			return -ENOTSUP;
		code = cv::COLOR_BayerRGGB2RGB_VNG;
		break;
	case PH_REF_EA:
		code = cv::COLOR_BayerRGGB2RGB_EA;
		break;
	default:
		return -ENOTSUP;
	}
	try {
		// Wrap the caller's memory: no copies.
		const cv::Mat in((int)height, (int)width, type, const_cast<void *>(raw),
				 raw_stride);
		cv::Mat out((int)height, (int)width, out_type, rgb, rgb_stride);

		cv::cvtColor(in, out, code);
		if (out.data != rgb) // OpenCV reallocated: it must not.
			return -EIO;
#if CV_VERSION_MAJOR < 4 || (CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR < 12)
		// Before 4.12, VNG's output is two lines too high (opencv#27225): line y
		// holds the picture's line y + 2. Move it back down so that it can be
		// compared with the original; the move is part of the measured time.
		if (method == PH_REF_VNG && height > 2) {
			uint8_t *base = static_cast<uint8_t *>(rgb);

			memmove(base + 2 * rgb_stride, base, (height - 2) * rgb_stride);
			memcpy(base, base + 2 * rgb_stride, rgb_stride);
			memcpy(base + rgb_stride, base + 2 * rgb_stride, rgb_stride);
		}
#endif
	} catch (const cv::Exception &) {
		return -EIO;
	}
	return 0;
}
