/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JPEG writer on libjpeg-turbo's TurboJPEG API.
 *
 * JFIF stores full-range BT.601 YCbCr. Frames already in that encoding
 * (PH_COLORSPACE_JPEG, the default of stills) go to the encoder as planes
 * without a colour conversion: YUV420 as it is, NV12/NV21 and YUYV/UYVY
 * after their chroma (and, for 4:2:2, luma) is split into planes, keeping
 * their 4:2:0 or 4:2:2 subsampling. RGB formats TurboJPEG reads directly
 * (RGB888, BGR888, XRGB8888, XBGR8888) are encoded 4:2:0 from the buffer.
 * Everything else (RGB565, RGB48, YUV in a limited range or the BT.709
 * matrix) is converted to RGB888 first.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include <pinhole/format.h>

#include "image_writer.h"

struct jpeg_job {
	tjhandle tj;
	unsigned char *out;
	unsigned long out_size;
	int quality;
};

/* TurboJPEG's pixel format for an RGB layout it reads as is, or -1. */
static int tj_pixel_format(uint32_t fourcc)
{
	switch (fourcc) {
	case PH_FORMAT_RGB888:
		return TJPF_RGB;
	case PH_FORMAT_BGR888:
		return TJPF_BGR;
	case PH_FORMAT_XRGB8888: /* bytes B, G, R, X */
		return TJPF_BGRX;
	case PH_FORMAT_XBGR8888: /* bytes R, G, B, X */
		return TJPF_RGBX;
	default:
		return -1;
	}
}

static int encode_rgb(struct jpeg_job *job, const uint8_t *pixels, uint32_t width, uint32_t stride,
		      uint32_t height, int pixel_format)
{
	if (tjCompress2(job->tj, pixels, (int)width, (int)stride, (int)height, pixel_format,
			&job->out, &job->out_size, TJSAMP_420, job->quality, 0))
		return -EIO;
	return 0;
}

static int encode_planes(struct jpeg_job *job, const uint8_t *const planes[3], const int strides[3],
			 uint32_t width, uint32_t height, int subsamp)
{
	if (tjCompressFromYUVPlanes(job->tj, (const unsigned char **)planes, (int)width, strides,
				    (int)height, subsamp, &job->out, &job->out_size, job->quality,
				    0))
		return -EIO;
	return 0;
}

/* NV12/NV21: split the interleaved chroma plane, encode 4:2:0. */
static int encode_nv(struct jpeg_job *job, const struct image_frame *frame)
{
	uint32_t w = frame->width, h = frame->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
	bool nv21 = frame->fourcc == PH_FORMAT_NV21;
	uint8_t *chroma;
	int ret;

	if (!image_plane_holds(frame, 0, w, h) || !image_plane_holds(frame, 1, (size_t)cw * 2, ch))
		return -EMSGSIZE;
	chroma = malloc((size_t)cw * ch * 2);
	if (!chroma)
		return -ENOMEM;
	uint8_t *cb = chroma, *cr = chroma + (size_t)cw * ch;

	for (uint32_t y = 0; y < ch; y++) {
		const uint8_t *src = frame->data[1] + (size_t)y * frame->stride[1];

		for (uint32_t x = 0; x < cw; x++) {
			cb[(size_t)y * cw + x] = src[2 * x + nv21];
			cr[(size_t)y * cw + x] = src[2 * x + !nv21];
		}
	}
	ret = encode_planes(job, (const uint8_t *const[]){frame->data[0], cb, cr},
			    (const int[]){(int)frame->stride[0], (int)cw, (int)cw}, w, h,
			    TJSAMP_420);
	free(chroma);
	return ret;
}

/* YUYV/UYVY: split into Y, Cb and Cr planes, encode 4:2:2. */
static int encode_422(struct jpeg_job *job, const struct image_frame *frame)
{
	uint32_t w = frame->width, h = frame->height, cw = (w + 1) / 2;
	unsigned yo = frame->fourcc == PH_FORMAT_YUYV ? 0 : 1, co = 1 - yo;
	uint8_t *planes;
	int ret;

	if (!image_plane_holds(frame, 0, (size_t)cw * 4, h))
		return -EMSGSIZE;
	planes = malloc((size_t)w * h + (size_t)cw * h * 2);
	if (!planes)
		return -ENOMEM;
	uint8_t *py = planes, *cb = planes + (size_t)w * h, *cr = cb + (size_t)cw * h;

	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *src = frame->data[0] + (size_t)y * frame->stride[0];
		uint8_t *dy = py + (size_t)y * w;

		for (uint32_t x = 0; x < cw; x++) {
			const uint8_t *pair = src + 4 * x;

			dy[2 * x] = pair[yo];
			if (2 * x + 1 < w)
				dy[2 * x + 1] = pair[yo + 2];
			cb[(size_t)y * cw + x] = pair[co];
			cr[(size_t)y * cw + x] = pair[co + 2];
		}
	}
	ret = encode_planes(job, (const uint8_t *const[]){py, cb, cr},
			    (const int[]){(int)w, (int)cw, (int)cw}, w, h, TJSAMP_422);
	free(planes);
	return ret;
}

/* RGB48 to RGB888, rounding each sample to the nearest 8-bit value. */
static int rgb48_to_rgb888(const struct image_frame *frame, uint8_t *rgb)
{
	size_t samples = (size_t)frame->width * frame->height * 3;
	uint16_t *wide = malloc(samples * sizeof(*wide));
	int ret;

	if (!wide)
		return -ENOMEM;
	ret = image_rgb48_to_host(frame, wide);
	for (size_t i = 0; !ret && i < samples; i++)
		rgb[i] = (uint8_t)((wide[i] * 255u + 32767u) / 65535u);
	free(wide);
	return ret;
}

static int encode_converted(struct jpeg_job *job, const struct image_frame *frame)
{
	size_t size = (size_t)frame->width * frame->height * 3;
	uint8_t *rgb = malloc(size);
	int ret;

	if (!rgb)
		return -ENOMEM;
	if (frame->fourcc == PH_FORMAT_RGB48)
		ret = rgb48_to_rgb888(frame, rgb);
	else
		ret = image_to_rgb888(frame, rgb);
	if (!ret)
		ret = encode_rgb(job, rgb, frame->width, frame->width * 3, frame->height, TJPF_RGB);
	free(rgb);
	return ret;
}

static int encode(struct jpeg_job *job, const struct image_frame *frame)
{
	int pixel_format = tj_pixel_format(frame->fourcc);
	uint32_t w = frame->width, h = frame->height;
	bool jfif = frame->colorspace == PH_COLORSPACE_JPEG;

	if (pixel_format >= 0) {
		if (!image_plane_holds(
			    frame, 0,
			    (size_t)w *
				    (pixel_format == TJPF_RGB || pixel_format == TJPF_BGR ? 3 : 4),
			    h))
			return -EMSGSIZE;
		return encode_rgb(job, frame->data[0], w, frame->stride[0], h, pixel_format);
	}
	if (jfif && frame->fourcc == PH_FORMAT_YUV420) {
		uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;

		if (!image_plane_holds(frame, 0, w, h) || !image_plane_holds(frame, 1, cw, ch) ||
		    !image_plane_holds(frame, 2, cw, ch))
			return -EMSGSIZE;
		return encode_planes(job, (const uint8_t *const *)frame->data,
				     (const int[]){(int)frame->stride[0], (int)frame->stride[1],
						   (int)frame->stride[2]},
				     w, h, TJSAMP_420);
	}
	if (jfif && (frame->fourcc == PH_FORMAT_NV12 || frame->fourcc == PH_FORMAT_NV21))
		return encode_nv(job, frame);
	if (jfif && (frame->fourcc == PH_FORMAT_YUYV || frame->fourcc == PH_FORMAT_UYVY))
		return encode_422(job, frame);
	return encode_converted(job, frame);
}

int image_write_jpeg(FILE *file, const struct image_frame *frame, int quality)
{
	struct jpeg_job job = {.quality = quality};
	int ret;

	if (!frame->width || !frame->height || frame->width > 65500 || frame->height > 65500)
		return -EINVAL;
	job.tj = tjInitCompress();
	if (!job.tj)
		return -ENOMEM;
	ret = encode(&job, frame);
	if (!ret && fwrite(job.out, 1, job.out_size, file) != job.out_size)
		ret = -EIO;
	tjFree(job.out);
	tjDestroy(job.tj);
	return ret;
}
