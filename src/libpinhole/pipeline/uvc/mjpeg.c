/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include <pinhole/format.h>

#include "pipeline/uvc/mjpeg.h"

struct ph_mjpeg {
	tjhandle tj;
	uint8_t *scratch; /* the decoder's YUV planes */
	size_t scratch_size;
};

static const struct {
	uint32_t fourcc;
	int tj_format; /* -1: through the YUV planes */
} targets[] = {
	{PH_FORMAT_RGB888, TJPF_RGB},
	{PH_FORMAT_BGR888, TJPF_BGR},
	{PH_FORMAT_XRGB8888, TJPF_BGRX},
	{PH_FORMAT_XBGR8888, TJPF_RGBX},
	{PH_FORMAT_YUYV, -1},
	{PH_FORMAT_UYVY, -1},
	{PH_FORMAT_NV12, -1},
	{PH_FORMAT_NV21, -1},
	{PH_FORMAT_YUV420, -1},
};

#define TARGET_COUNT (sizeof(targets) / sizeof(targets[0]))

bool ph_mjpeg_can_decode_to(uint32_t fourcc)
{
	for (unsigned i = 0; i < TARGET_COUNT; i++)
		if (targets[i].fourcc == fourcc)
			return true;
	return false;
}

unsigned ph_mjpeg_format_count(void)
{
	return TARGET_COUNT;
}

uint32_t ph_mjpeg_format_at(unsigned index)
{
	return index < TARGET_COUNT ? targets[index].fourcc : 0;
}

struct ph_mjpeg *ph_mjpeg_new(void)
{
	struct ph_mjpeg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->tj = tjInitDecompress();
	if (!m->tj) {
		free(m);
		return NULL;
	}
	return m;
}

void ph_mjpeg_free(struct ph_mjpeg *m)
{
	if (!m)
		return;
	tjDestroy(m->tj);
	free(m->scratch);
	free(m);
}

/* Source chroma planes at the JPEG's subsampling (hs x vs luma pixels per sample). */
struct chroma {
	const uint8_t *cb, *cr;
	int stride, hs, vs, w, h; /* grey JPEG: cb == NULL */
};

/* Mean of the source samples covering luma columns x0..x1, rows y0..y1. */
static void sample(const struct chroma *c, uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
		   uint8_t *cb, uint8_t *cr)
{
	int sx0 = (int)x0 / c->hs, sx1 = (int)x1 / c->hs, sy0 = (int)y0 / c->vs,
	    sy1 = (int)y1 / c->vs;
	unsigned b, r;

	if (!c->cb) {
		*cb = *cr = 128;
		return;
	}
	sx1 = sx1 < c->w ? sx1 : c->w - 1;
	sy1 = sy1 < c->h ? sy1 : c->h - 1;
	b = c->cb[sy0 * c->stride + sx0] + c->cb[sy0 * c->stride + sx1] +
	    c->cb[sy1 * c->stride + sx0] + c->cb[sy1 * c->stride + sx1];
	r = c->cr[sy0 * c->stride + sx0] + c->cr[sy0 * c->stride + sx1] +
	    c->cr[sy1 * c->stride + sx0] + c->cr[sy1 * c->stride + sx1];
	*cb = (uint8_t)((b + 2) / 4);
	*cr = (uint8_t)((r + 2) / 4);
}

static void pack_yuv(uint32_t fourcc, uint32_t w, uint32_t h, const uint8_t *y, int ystride,
		     const struct chroma *c, uint8_t *const planes[3], const uint32_t strides[3])
{
	uint8_t cb, cr;

	if (fourcc == PH_FORMAT_YUYV || fourcc == PH_FORMAT_UYVY) {
		bool yfirst = fourcc == PH_FORMAT_YUYV;

		for (uint32_t row = 0; row < h; row++) {
			const uint8_t *ys = y + (size_t)row * (size_t)ystride;
			uint8_t *d = planes[0] + (size_t)row * strides[0];

			for (uint32_t x = 0; x < w; x += 2) {
				uint32_t x1 = x + 1 < w ? x + 1 : x;

				sample(c, x, x1, row, row, &cb, &cr);
				d[yfirst ? 0 : 1] = ys[x];
				d[yfirst ? 1 : 0] = cb;
				d[yfirst ? 2 : 3] = ys[x1];
				d[yfirst ? 3 : 2] = cr;
				d += 4;
			}
		}
		return;
	}
	for (uint32_t row = 0; row < h; row++)
		memcpy(planes[0] + (size_t)row * strides[0], y + (size_t)row * (size_t)ystride, w);
	for (uint32_t cy = 0; cy < (h + 1) / 2; cy++) {
		uint32_t y0 = 2 * cy, y1 = y0 + 1 < h ? y0 + 1 : y0;

		for (uint32_t cx = 0; cx < (w + 1) / 2; cx++) {
			uint32_t x0 = 2 * cx, x1 = x0 + 1 < w ? x0 + 1 : x0;

			sample(c, x0, x1, y0, y1, &cb, &cr);
			if (fourcc == PH_FORMAT_YUV420) {
				planes[1][cy * strides[1] + cx] = cb;
				planes[2][cy * strides[2] + cx] = cr;
			} else {
				uint8_t *d = planes[1] + cy * strides[1] + 2 * cx;

				d[0] = fourcc == PH_FORMAT_NV12 ? cb : cr;
				d[1] = fourcc == PH_FORMAT_NV12 ? cr : cb;
			}
		}
	}
}

int ph_mjpeg_decode(struct ph_mjpeg *m, const uint8_t *jpeg, size_t len, uint32_t fourcc,
		    uint32_t width, uint32_t height, uint8_t *const planes[3],
		    const uint32_t strides[3])
{
	int w = 0, h = 0, subsamp = -1, colorspace = -1, tj_format = -2;
	int pw[3], ph[3], pstride[3];
	unsigned char *dst[3];
	size_t size = 0;

	for (unsigned i = 0; i < TARGET_COUNT; i++)
		if (targets[i].fourcc == fourcc)
			tj_format = targets[i].tj_format;
	if (tj_format == -2 || !jpeg || len == 0 || len > (size_t)0x7fffffff)
		return -EINVAL;
	if (tjDecompressHeader3(m->tj, jpeg, (unsigned long)len, &w, &h, &subsamp, &colorspace) <
		    0 ||
	    w <= 0 || h <= 0 || (uint32_t)w != width || (uint32_t)h != height || subsamp < 0)
		return -EINVAL; /* a header-only or truncated stream leaves them unset */
	if (tj_format >= 0)
		return tjDecompress2(m->tj, jpeg, (unsigned long)len, planes[0], w, (int)strides[0],
				     h, tj_format, 0) < 0
			       ? -EINVAL
			       : 0;

	/* YUV: the decoder's own planes, then the format's chroma layout. */
	for (int p = 0; p < (subsamp == TJSAMP_GRAY ? 1 : 3); p++) {
		pw[p] = tjPlaneWidth(p, w, subsamp);
		ph[p] = tjPlaneHeight(p, h, subsamp);
		if (pw[p] <= 0 || ph[p] <= 0)
			return -EINVAL;
		pstride[p] = pw[p];
		size += (size_t)pw[p] * (size_t)ph[p];
	}
	if (size > m->scratch_size) {
		uint8_t *grown = realloc(m->scratch, size);

		if (!grown)
			return -ENOMEM;
		m->scratch = grown;
		m->scratch_size = size;
	}
	dst[0] = m->scratch;
	dst[1] = subsamp == TJSAMP_GRAY ? NULL : dst[0] + (size_t)pw[0] * (size_t)ph[0];
	dst[2] = subsamp == TJSAMP_GRAY ? NULL : dst[1] + (size_t)pw[1] * (size_t)ph[1];
	if (tjDecompressToYUVPlanes(m->tj, jpeg, (unsigned long)len, dst, w, pstride, h, 0) < 0)
		return -EINVAL;

	struct chroma c = {dst[1], dst[2], 0, 1, 1, 0, 0};

	if (subsamp != TJSAMP_GRAY) {
		c.stride = pstride[1];
		c.w = pw[1];
		c.h = ph[1];
		c.hs = (w + pw[1] - 1) / pw[1];
		c.vs = (h + ph[1] - 1) / ph[1];
	}
	pack_yuv(fourcc, width, height, dst[0], pstride[0], &c, planes, strides);
	return 0;
}
