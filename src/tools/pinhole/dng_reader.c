/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the raw image of a DNG with libtiff, for 'pinhole develop': the
 * CFA mosaic and what develops it (levels, as-shot neutral, colour matrix).
 * Only what Pinhole and simple cameras write: uncompressed strips, 8 or 16
 * bits, one sample per pixel, a 2x2 Bayer pattern. Everything else is
 * refused with a reason.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include <pinhole/format.h>

#include "dng.h"

#define DNG_MAX_SIDE 65535

struct reader {
	char *err;
	size_t err_size;
	bool reported;
};

static int fail(struct reader *r, int ret, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct reader *r, int ret, const char *format, ...)
{
	va_list ap;

	if (!r->reported) {
		va_start(ap, format);
		vsnprintf(r->err, r->err_size, format, ap);
		va_end(ap);
		r->reported = true;
	}
	return ret;
}

static int tiff_error(TIFF *tif, void *user_data, const char *module, const char *fmt, va_list ap)
{
	struct reader *r = user_data;
	(void)tif;
	(void)module;

	if (!r->reported) {
		int n = snprintf(r->err, r->err_size, "libtiff: ");

		if (n > 0 && (size_t)n < r->err_size)
			vsnprintf(r->err + n, r->err_size - (size_t)n, fmt, ap);
		r->reported = true;
	}
	return 1;
}

/* Is the current directory a CFA raw image (NewSubFileType 0)? */
static bool is_raw_ifd(TIFF *tif)
{
	uint32_t subfile = 0;
	uint16_t photometric = 0;

	TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile);
	return TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) &&
	       photometric == PHOTOMETRIC_CFA && subfile == 0;
}

/* Make the raw image's directory current: IFD0 or one of its SubIFDs. */
static int find_raw_ifd(struct reader *r, TIFF *tif)
{
	uint16_t count = 0;
	uint64_t *offsets = NULL, copy[16];

	if (is_raw_ifd(tif))
		return 0;
	if (!TIFFGetField(tif, TIFFTAG_SUBIFD, &count, &offsets) || !count)
		return fail(r, -ENOTSUP, "no CFA raw image in IFD0 and no SubIFDs");
	if (count > 16)
		count = 16;
	memcpy(copy, offsets, count * sizeof(*copy)); /* libtiff's copy goes with the IFD */
	for (uint16_t i = 0; i < count; i++)
		if (TIFFSetSubDirectory(tif, copy[i]) && is_raw_ifd(tif))
			return 0;
	return fail(r, -ENOTSUP, "no CFA raw image (NewSubFileType 0) among %u SubIFDs", count);
}

/* Geometry, sample layout and CFA of the raw directory. */
static int read_layout(struct reader *r, TIFF *tif, struct dng_raw *raw, uint16_t *bits)
{
	uint16_t spp = 1, compression = 0, planar = PLANARCONFIG_CONTIG, count = 0;
	uint16_t *dims = NULL;
	uint8_t *pattern = NULL;
	enum ph_bayer_order order;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &raw->width) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &raw->height) || raw->width < 2 ||
	    raw->height < 2 || raw->width > DNG_MAX_SIDE || raw->height > DNG_MAX_SIDE)
		return fail(r, -EINVAL, "the raw image has no usable size");
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, bits);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
	if (compression != COMPRESSION_NONE)
		return fail(r, -ENOTSUP, "compressed raw data (compression %u) is not supported",
			    compression);
	if (TIFFIsTiled(tif))
		return fail(r, -ENOTSUP, "tiled raw data is not supported");
	if (spp != 1 || (*bits != 8 && *bits != 16))
		return fail(r, -ENOTSUP,
			    "%u samples of %u bits per pixel; only one 8- or 16-bit sample is "
			    "supported",
			    spp, *bits);
	if (!TIFFGetField(tif, TIFFTAG_CFAREPEATPATTERNDIM, &dims) || !dims || dims[0] != 2 ||
	    dims[1] != 2 || !TIFFGetField(tif, TIFFTAG_CFAPATTERN, &count, &pattern) ||
	    count != 4 || !pattern)
		return fail(r, -ENOTSUP, "the CFA is not a 2x2 pattern");
	order = dng_bayer_order(pattern);
	if (order == PH_BAYER_NONE)
		return fail(r, -ENOTSUP, "the CFA pattern %u %u %u %u is not a Bayer pattern",
			    pattern[0], pattern[1], pattern[2], pattern[3]);
	raw->fourcc = (uint32_t)order; /* the format is chosen once the depth is known */
	return 0;
}

/* BlackLevel (1 value, or 4 with a 2x2 BlackLevelRepeatDim) and WhiteLevel. */
static int read_levels(struct reader *r, TIFF *tif, struct dng_raw *raw, uint16_t bits)
{
	uint16_t count = 0, *dims = NULL;
	float *black = NULL;
	uint32_t *white = NULL;

	raw->white = (1u << bits) - 1;
	if (TIFFGetField(tif, TIFFTAG_WHITELEVEL, &count, &white) && count >= 1 && white)
		raw->white = white[0];
	if (!raw->white || raw->white > (1u << bits) - 1)
		return fail(r, -EINVAL, "WhiteLevel %u does not fit %u-bit samples", raw->white,
			    bits);
	/* The ISP's container: the smallest unpacked depth (10 to 16) holding it. */
	raw->depth = 10;
	while ((1u << raw->depth) - 1 < raw->white)
		raw->depth += 2;

	if (TIFFGetField(tif, TIFFTAG_BLACKLEVEL, &count, &black) && black) {
		bool per_site = TIFFGetField(tif, TIFFTAG_BLACKLEVELREPEATDIM, &dims) && dims &&
				dims[0] == 2 && dims[1] == 2;

		if (count == 1 && (!dims || (dims[0] == 1 && dims[1] == 1)))
			raw->black[0] = raw->black[1] = raw->black[2] = raw->black[3] = black[0];
		else if (count == 4 && per_site)
			memcpy(raw->black, black, sizeof(raw->black));
		else
			return fail(r, -ENOTSUP, "BlackLevel with %u values is not supported",
				    count);
	}
	for (unsigned i = 0; i < 4; i++)
		if (!(raw->black[i] >= 0.0f) || raw->black[i] >= (float)raw->white)
			return fail(r, -EINVAL, "BlackLevel %g is not below WhiteLevel %u",
				    raw->black[i], raw->white);
	return 0;
}

static int read_pixels(struct reader *r, TIFF *tif, struct dng_raw *raw, uint16_t bits)
{
	tmsize_t line = TIFFScanlineSize(tif);
	uint8_t *buf;
	int ret = 0;

	if (line != (tmsize_t)raw->width * (bits / 8))
		return fail(r, -EINVAL, "unexpected line size %lld", (long long)line);
	raw->pixels = malloc((size_t)raw->width * raw->height * sizeof(*raw->pixels));
	buf = malloc((size_t)line);
	if (!raw->pixels || !buf) {
		free(buf);
		return fail(r, -ENOMEM, "out of memory");
	}
	for (uint32_t y = 0; y < raw->height && !ret; y++) {
		uint16_t *dst = raw->pixels + (size_t)y * raw->width;

		if (TIFFReadScanline(tif, buf, y, 0) < 0) {
			ret = fail(r, -EIO, "cannot read line %u", y);
			break;
		}
		for (uint32_t x = 0; x < raw->width; x++) {
			uint32_t v = bits == 8 ? buf[x] : ((const uint16_t *)(const void *)buf)[x];

			/* The ISP masks samples to the depth: clip rather than wrap. */
			dst[x] = (uint16_t)(v > raw->white ? raw->white : v);
		}
	}
	free(buf);
	return ret;
}

/* AsShotNeutral and ColorMatrix1, from IFD0. */
static void read_colour(TIFF *tif, struct dng_raw *raw)
{
	uint16_t count = 0;
	float *values = NULL;

	if (TIFFGetField(tif, TIFFTAG_ASSHOTNEUTRAL, &count, &values) && count == 3 && values &&
	    values[0] > 0 && values[1] > 0 && values[2] > 0) {
		raw->have_neutral = true;
		memcpy(raw->neutral, values, sizeof(raw->neutral));
	}
	if (TIFFGetField(tif, TIFFTAG_COLORMATRIX1, &count, &values) && count == 9 && values) {
		raw->have_matrix = true;
		memcpy(raw->matrix, values, sizeof(raw->matrix));
	}
}

int dng_read(const char *path, struct dng_raw *raw, char *err, size_t err_size)
{
	struct reader r = {.err = err, .err_size = err_size};
	TIFFOpenOptions *options;
	uint8_t *version = NULL;
	uint16_t bits = 0;
	TIFF *tif;
	int fd, ret;

	memset(raw, 0, sizeof(*raw));
	if (err_size)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(&r, -errno, "%s", strerror(errno));
	options = TIFFOpenOptionsAlloc();
	if (!options) {
		close(fd);
		return fail(&r, -ENOMEM, "out of memory");
	}
	TIFFOpenOptionsSetErrorHandlerExtR(options, tiff_error, &r);
	TIFFOpenOptionsSetWarningHandlerExtR(options, dng_tiff_ignore_warning, &r);
	tif = TIFFFdOpenExt(fd, path, "r", options); /* TIFFClose closes fd, a failure does not */
	TIFFOpenOptionsFree(options);
	if (!tif) {
		close(fd);
		return fail(&r, -EINVAL, "not a TIFF file");
	}

	if (!TIFFGetField(tif, TIFFTAG_DNGVERSION, &version) || !version)
		ret = fail(&r, -EINVAL, "not a DNG (no DNGVersion)");
	else
		ret = 0;
	if (!ret)
		read_colour(tif, raw);
	if (!ret)
		ret = find_raw_ifd(&r, tif);
	if (!ret)
		ret = read_layout(&r, tif, raw, &bits);
	if (!ret)
		ret = read_levels(&r, tif, raw, bits);
	if (!ret) {
		raw->fourcc = ph_format_raw((enum ph_bayer_order)raw->fourcc, raw->depth, false);
		if (!raw->fourcc)
			ret = fail(&r, -ENOTSUP, "no %u-bit Bayer format", raw->depth);
	}
	if (!ret)
		ret = read_pixels(&r, tif, raw, bits);
	TIFFClose(tif);
	if (ret) {
		free(raw->pixels);
		raw->pixels = NULL;
	}
	return ret;
}
