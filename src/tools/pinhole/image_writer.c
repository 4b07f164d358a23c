/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Choosing a writer; PNG, PPM and raw writers, and the pixel conversions they need. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <pinhole/format.h>

#include "config.h"
#include "image_writer.h"
#include "isp/isp.h"

/* config.h defines PH_HAVE_SPNG as 1 or empty when libspng is found, else 0 or nothing. */
#if defined(PH_HAVE_SPNG) && ((PH_HAVE_SPNG + 0) || (0 - PH_HAVE_SPNG - 1 == 1))
#define USE_SPNG 1
#else
#define USE_SPNG 0
#endif

#if USE_SPNG
#include <spng.h>
#else
#include <png.h>
#endif

int image_file_type_from_path(const char *path, enum image_file_type *type)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	if (!dot)
		return -EINVAL;
	if (!strcasecmp(dot, ".png"))
		*type = IMAGE_FILE_PNG;
	else if (!strcasecmp(dot, ".ppm"))
		*type = IMAGE_FILE_PPM;
	else if (!strcasecmp(dot, ".raw"))
		*type = IMAGE_FILE_RAW;
	else if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
		*type = IMAGE_FILE_JPEG;
	else if (!strcasecmp(dot, ".dng"))
		*type = IMAGE_FILE_DNG;
	else
		return -EINVAL;
	return 0;
}

const char *image_file_type_name(enum image_file_type type)
{
	switch (type) {
	case IMAGE_FILE_PNG:
		return "PNG";
	case IMAGE_FILE_PPM:
		return "PPM";
	case IMAGE_FILE_RAW:
		return "raw";
	case IMAGE_FILE_JPEG:
		return "JPEG";
	case IMAGE_FILE_DNG:
		return "DNG";
	}
	return "?";
}

const char *image_file_type_takes(enum image_file_type type)
{
	switch (type) {
	case IMAGE_FILE_PNG:
	case IMAGE_FILE_RAW:
		return "any";
	case IMAGE_FILE_PPM:
	case IMAGE_FILE_JPEG:
		return "processed (RGB or YUV)";
	case IMAGE_FILE_DNG:
		return "raw Bayer";
	}
	return "?";
}

bool image_format_is_processed(uint32_t fourcc)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	return info && info->bayer == PH_BAYER_NONE && fourcc != PH_FORMAT_RGB48;
}

bool image_format_is_bayer(uint32_t fourcc)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	return info && info->bayer != PH_BAYER_NONE &&
	       (info->bit_depth == 10 || info->bit_depth == 12) &&
	       (info->packed || info->bits_per_pixel == 16);
}

bool image_file_supports(enum image_file_type type, uint32_t fourcc)
{
	switch (type) {
	case IMAGE_FILE_PNG:
		return image_format_is_processed(fourcc) || fourcc == PH_FORMAT_RGB48 ||
		       image_format_is_bayer(fourcc);
	case IMAGE_FILE_PPM:
		return image_format_is_processed(fourcc) || fourcc == PH_FORMAT_RGB48;
	case IMAGE_FILE_JPEG:
		return image_format_is_processed(fourcc) || fourcc == PH_FORMAT_RGB48;
	case IMAGE_FILE_DNG:
		return image_format_is_bayer(fourcc);
	case IMAGE_FILE_RAW:
		return true;
	}
	return false;
}

bool image_plane_holds(const struct image_frame *frame, unsigned p, size_t row, size_t lines)
{
	if (p >= frame->plane_count || !frame->data[p] || frame->stride[p] < row)
		return false;
	if (!lines)
		return true;
	return (size_t)frame->stride[p] * (lines - 1) + row <= frame->bytes_used[p];
}

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* YUV to RGB coefficients in 16.16 fixed point, by colour space. */
struct yuv_matrix {
	int y_off, y_mul;	    /* luma offset and scale */
	int cr_r, cb_g, cr_g, cb_b; /* chroma contributions */
};

static struct yuv_matrix yuv_matrix(enum ph_colorspace cs)
{
	/* Kr, Kb: BT.601 0.299, 0.114; BT.709 0.2126, 0.0722. Limited range
	 * scales Y by 255/219 and chroma by 255/224. */
	double kr = cs == PH_COLORSPACE_REC709 ? 0.2126 : 0.299;
	double kb = cs == PH_COLORSPACE_REC709 ? 0.0722 : 0.114;
	bool full = cs == PH_COLORSPACE_JPEG;
	double ys = full ? 1.0 : 255.0 / 219.0, cs_ = full ? 1.0 : 255.0 / 224.0;
	double kg = 1.0 - kr - kb;

	return (struct yuv_matrix){
		.y_off = full ? 0 : 16,
		.y_mul = (int)(ys * 65536 + 0.5),
		.cr_r = (int)(2 * (1 - kr) * cs_ * 65536 + 0.5),
		.cb_g = (int)(2 * (1 - kb) * kb / kg * cs_ * 65536 + 0.5),
		.cr_g = (int)(2 * (1 - kr) * kr / kg * cs_ * 65536 + 0.5),
		.cb_b = (int)(2 * (1 - kb) * cs_ * 65536 + 0.5),
	};
}

static void yuv_to_rgb(const struct yuv_matrix *m, int y, int cb, int cr, uint8_t *rgb)
{
	int c = (y - m->y_off) * m->y_mul;
	int d = cb - 128, e = cr - 128;

	rgb[0] = clamp8((c + m->cr_r * e + 32768) >> 16);
	rgb[1] = clamp8((c - m->cb_g * d - m->cr_g * e + 32768) >> 16);
	rgb[2] = clamp8((c + m->cb_b * d + 32768) >> 16);
}

/* Where each format keeps the bytes of pixel x: offsets within a line. */
static int rgb_pixel(uint32_t fourcc, const uint8_t *line, uint32_t x, uint8_t *rgb)
{
	const uint8_t *p;
	uint16_t v;

	switch (fourcc) {
	case PH_FORMAT_RGB888:
		p = line + 3 * x;
		rgb[0] = p[0], rgb[1] = p[1], rgb[2] = p[2];
		return 3;
	case PH_FORMAT_BGR888:
		p = line + 3 * x;
		rgb[0] = p[2], rgb[1] = p[1], rgb[2] = p[0];
		return 3;
	case PH_FORMAT_XRGB8888: /* bytes B, G, R, X */
		p = line + 4 * x;
		rgb[0] = p[2], rgb[1] = p[1], rgb[2] = p[0];
		return 4;
	case PH_FORMAT_XBGR8888: /* bytes R, G, B, X */
		p = line + 4 * x;
		rgb[0] = p[0], rgb[1] = p[1], rgb[2] = p[2];
		return 4;
	case PH_FORMAT_RGB565:
		v = (uint16_t)(line[2 * x] | line[2 * x + 1] << 8);
		rgb[0] = (uint8_t)((v >> 11) * 255 / 31);
		rgb[1] = (uint8_t)(((v >> 5) & 63) * 255 / 63);
		rgb[2] = (uint8_t)((v & 31) * 255 / 31);
		return 2;
	default:
		return 0;
	}
}

int image_to_rgb888(const struct image_frame *frame, uint8_t *rgb)
{
	uint32_t w = frame->width, h = frame->height, fcc = frame->fourcc;
	struct yuv_matrix m = yuv_matrix(frame->colorspace);
	uint32_t ch = (h + 1) / 2, cw = (w + 1) / 2;
	uint8_t probe[3];
	int bpp = rgb_pixel(fcc, (const uint8_t[4]){0}, 0, probe);

	if (bpp) {
		if (!image_plane_holds(frame, 0, (size_t)w * (size_t)bpp, h))
			return -EMSGSIZE;
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++)
				rgb_pixel(fcc, frame->data[0] + (size_t)y * frame->stride[0], x,
					  rgb + ((size_t)y * w + x) * 3);
		return 0;
	}

	if (fcc == PH_FORMAT_YUYV || fcc == PH_FORMAT_UYVY) {
		/* YUYV: Y0 Cb Y1 Cr; UYVY: Cb Y0 Cr Y1. */
		unsigned yo = fcc == PH_FORMAT_YUYV ? 0 : 1, co = 1 - yo;

		if (!image_plane_holds(frame, 0, (size_t)cw * 4, h))
			return -EMSGSIZE;
		for (uint32_t y = 0; y < h; y++) {
			const uint8_t *src = frame->data[0] + (size_t)y * frame->stride[0];

			for (uint32_t x = 0; x < w; x++) {
				const uint8_t *pair = src + (x / 2) * 4;

				yuv_to_rgb(&m, pair[yo + (x & 1) * 2], pair[co], pair[co + 2],
					   rgb + ((size_t)y * w + x) * 3);
			}
		}
		return 0;
	}

	if (fcc == PH_FORMAT_NV12 || fcc == PH_FORMAT_NV21 || fcc == PH_FORMAT_YUV420) {
		bool planar = fcc == PH_FORMAT_YUV420;
		size_t crow = planar ? cw : (size_t)cw * 2;
		const uint8_t *cb, *cr;
		uint32_t cstride;

		if (frame->plane_count < (planar ? 3u : 2u) || !image_plane_holds(frame, 0, w, h) ||
		    !image_plane_holds(frame, 1, crow, ch) ||
		    (planar && !image_plane_holds(frame, 2, crow, ch)))
			return -EMSGSIZE;
		cstride = frame->stride[1];
		cb = frame->data[1] + (fcc == PH_FORMAT_NV21);
		cr = planar ? frame->data[2] : frame->data[1] + (fcc == PH_FORMAT_NV12);
		for (uint32_t y = 0; y < h; y++) {
			const uint8_t *ly = frame->data[0] + (size_t)y * frame->stride[0];
			size_t crow_off = (size_t)(y / 2) * (planar ? frame->stride[2] : cstride);
			size_t cbrow_off = (size_t)(y / 2) * cstride;

			for (uint32_t x = 0; x < w; x++) {
				size_t cx = planar ? x / 2 : (x / 2) * 2;

				yuv_to_rgb(&m, ly[x], cb[cbrow_off + cx], cr[crow_off + cx],
					   rgb + ((size_t)y * w + x) * 3);
			}
		}
		return 0;
	}
	return -ENOTSUP;
}

int image_rgb48_to_host(const struct image_frame *frame, uint16_t *out)
{
	uint32_t w = frame->width, h = frame->height;

	if (frame->fourcc != PH_FORMAT_RGB48)
		return -ENOTSUP;
	if (!image_plane_holds(frame, 0, (size_t)w * 6, h))
		return -EMSGSIZE;
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *src = frame->data[0] + (size_t)y * frame->stride[0];
		uint16_t *dst = out + (size_t)y * w * 3;

		for (size_t i = 0; i < (size_t)w * 3; i++)
			dst[i] = (uint16_t)(src[2 * i] | src[2 * i + 1] << 8);
	}
	return 0;
}

int image_raw_unpack(const struct image_frame *frame, uint16_t *out)
{
	const struct ph_format_info *info = ph_format_get_info(frame->fourcc);
	uint32_t w = frame->width, h = frame->height;
	struct ph_isp_input input = {
		.fourcc = frame->fourcc,
		.width = w,
		.height = h,
		.stride = frame->stride[0],
		.data = frame->data[0],
	};
	size_t row;

	if (!image_format_is_bayer(frame->fourcc))
		return -ENOTSUP;
	if (!info->packed)
		row = (size_t)w * 2;
	else if (info->bit_depth == 10)
		row = ((size_t)w + 3) / 4 * 5;
	else
		row = ((size_t)w + 1) / 2 * 3;
	if (!image_plane_holds(frame, 0, row, h))
		return -EMSGSIZE;
	return ph_isp_unpack(&input, out, w) ? -EINVAL : 0;
}

int image_raw_to_grey16(const struct image_frame *frame, uint16_t *out)
{
	int ret = image_raw_unpack(frame, out);
	unsigned shift;

	if (ret)
		return ret;
	shift = 16 - ph_format_get_info(frame->fourcc)->bit_depth;
	for (size_t i = 0; i < (size_t)frame->width * frame->height; i++)
		out[i] = (uint16_t)(out[i] << shift);
	return 0;
}

/* Close @p file, returning the first error of writing or closing it. */
static int close_file(FILE *file, int ret)
{
	if (ferror(file) && !ret)
		ret = -EIO;
	if (fclose(file) && !ret)
		ret = errno ? -errno : -EIO;
	return ret;
}

/* RGB48 as a 16-bit P6 file: samples big-endian, as netpbm defines them. */
static int write_ppm16(FILE *file, const struct image_frame *frame)
{
	size_t samples = (size_t)frame->width * frame->height * 3;
	uint16_t *rgb = malloc(samples ? samples * 2 : 1);
	int ret;

	if (!rgb)
		return -ENOMEM;
	ret = image_rgb48_to_host(frame, rgb);
	if (!ret) {
		uint8_t *bytes = (uint8_t *)rgb;

		/* In place: byte 2i and 2i+1 come from sample i, read before written. */
		for (size_t i = 0; i < samples; i++) {
			uint16_t v = rgb[i];

			bytes[2 * i] = (uint8_t)(v >> 8);
			bytes[2 * i + 1] = (uint8_t)v;
		}
		fprintf(file, "P6\n%u %u\n65535\n", frame->width, frame->height);
		if (fwrite(bytes, 1, samples * 2, file) != samples * 2)
			ret = -EIO;
	}
	free(rgb);
	return ret;
}

static int write_ppm(FILE *file, const struct image_frame *frame)
{
	size_t size = (size_t)frame->width * frame->height * 3;
	uint8_t *rgb;
	int ret;

	if (frame->fourcc == PH_FORMAT_RGB48)
		return write_ppm16(file, frame);
	rgb = malloc(size ? size : 1);
	if (!rgb)
		return -ENOMEM;
	ret = image_to_rgb888(frame, rgb);
	if (!ret) {
		fprintf(file, "P6\n%u %u\n255\n", frame->width, frame->height);
		if (fwrite(rgb, 1, size, file) != size)
			ret = -EIO;
	}
	free(rgb);
	return ret;
}

static int write_raw(FILE *file, const struct image_frame *frame)
{
	for (unsigned p = 0; p < frame->plane_count && p < 2; p++) {
		if (!frame->data[p])
			return -EINVAL;
		if (fwrite(frame->data[p], 1, frame->bytes_used[p], file) != frame->bytes_used[p])
			return -EIO;
	}
	return 0;
}

/* What encode_png() writes. */
enum png_layout {
	PNG_RGB8,
	PNG_GREY16,
	PNG_RGB16,
};

#if USE_SPNG
/* @p pixels: 8-bit RGB, host-endian 16-bit grey or host-endian 16-bit RGB. */
static int encode_png(FILE *file, uint32_t width, uint32_t height, enum png_layout layout,
		      const void *pixels, size_t size)
{
	struct spng_ihdr ihdr = {
		.width = width,
		.height = height,
		.bit_depth = layout == PNG_RGB8 ? 8 : 16,
		.color_type = layout == PNG_GREY16 ? SPNG_COLOR_TYPE_GRAYSCALE
						   : SPNG_COLOR_TYPE_TRUECOLOR,
	};
	spng_ctx *png = spng_ctx_new(SPNG_CTX_ENCODER);
	int ret;

	if (!png)
		return -ENOMEM;
	ret = spng_set_png_file(png, file);
	if (!ret)
		ret = spng_set_ihdr(png, &ihdr);
	/* Fast deflate and one cheap filter: a capture must keep up with the camera. */
	if (!ret)
		ret = spng_set_option(png, SPNG_IMG_COMPRESSION_LEVEL, 1);
	if (!ret)
		ret = spng_set_option(png, SPNG_FILTER_CHOICE, SPNG_FILTER_CHOICE_SUB);
	if (!ret)
		ret = spng_encode_image(png, pixels, size, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
	spng_ctx_free(png);
	return ret ? -EIO : 0;
}
#else
static int encode_png(FILE *file, uint32_t width, uint32_t height, enum png_layout layout,
		      const void *pixels, size_t size)
{
	bool grey16 = layout == PNG_GREY16, wide = layout != PNG_RGB8;
	size_t row = (size_t)width * (grey16 ? 2 : wide ? 6 : 3);
	png_structp png;
	png_infop info;
	(void)size;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png)
		return -ENOMEM;
	info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -EIO;
	}
	png_init_io(png, file);
	png_set_IHDR(png, info, width, height, wide ? 16 : 8,
		     grey16 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	if (wide) {
		const uint16_t one = 1;

		if (*(const uint8_t *)&one == 1)
			png_set_swap(png);
	}
	for (uint32_t y = 0; y < height; y++)
		png_write_row(png, (png_const_bytep)pixels + (size_t)y * row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}
#endif

static int write_png(FILE *file, const struct image_frame *frame)
{
	size_t pixels = (size_t)frame->width * frame->height;
	enum png_layout layout = frame->fourcc == PH_FORMAT_RGB48	    ? PNG_RGB16
				 : image_format_is_processed(frame->fourcc) ? PNG_RGB8
									    : PNG_GREY16;
	size_t size = pixels * (layout == PNG_RGB16 ? 6 : layout == PNG_GREY16 ? 2 : 3);
	void *buf = malloc(size ? size : 1);
	int ret;

	if (!buf)
		return -ENOMEM;
	if (layout == PNG_RGB16)
		ret = image_rgb48_to_host(frame, buf);
	else if (layout == PNG_GREY16)
		ret = image_raw_to_grey16(frame, buf);
	else
		ret = image_to_rgb888(frame, buf);
	if (!ret)
		ret = encode_png(file, frame->width, frame->height, layout, buf, size);
	free(buf);
	return ret;
}

/* DNG goes through libtiff, which wants a file descriptor it may read back. */
static int write_dng_file(const char *path, const struct image_frame *frame,
			  const struct image_raw_info *info)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int ret;

	if (fd < 0)
		return -errno;
	ret = image_write_dng(fd, frame, info);
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

int image_write(const char *path, enum image_file_type type, const struct image_frame *frame,
		const struct image_write_options *options)
{
	int quality = options && options->jpeg_quality ? options->jpeg_quality
						       : IMAGE_JPEG_QUALITY_DEFAULT;
	FILE *file;
	int ret;

	if (!image_file_supports(type, frame->fourcc))
		return -ENOTSUP;
	if (quality < 1 || quality > 100)
		return -EINVAL;
	if (type == IMAGE_FILE_DNG)
		return write_dng_file(path, frame, options ? options->raw : NULL);
	file = fopen(path, "wbe");
	if (!file)
		return -errno;
	switch (type) {
	case IMAGE_FILE_PNG:
		ret = write_png(file, frame);
		break;
	case IMAGE_FILE_PPM:
		ret = write_ppm(file, frame);
		break;
	case IMAGE_FILE_RAW:
		ret = write_raw(file, frame);
		break;
	case IMAGE_FILE_JPEG:
		ret = image_write_jpeg(file, frame, quality);
		break;
	default:
		ret = -ENOTSUP;
		break;
	}
	ret = close_file(file, ret);
	if (ret)
		remove(path);
	return ret;
}
