/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Writing frames to files: PNG (processed formats as 8-bit RGB, RGB48 as
 * 16-bit RGB, raw Bayer as a 16-bit greyscale mosaic), binary PPM (processed
 * formats as RGB, RGB48 with 16-bit samples), JPEG (processed formats,
 * jpeg_writer.c), DNG (raw Bayer, dng_writer.c) and raw (the bytes as
 * captured). Plus the conversions they need.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pinhole/config.h>

enum image_file_type {
	IMAGE_FILE_PNG = 0,
	IMAGE_FILE_PPM = 1,
	IMAGE_FILE_RAW = 2,
	IMAGE_FILE_JPEG = 3,
	IMAGE_FILE_DNG = 4,
};

/* The supported extensions, for messages. */
#define IMAGE_FILE_EXTENSIONS ".png, .jpg, .jpeg, .dng, .ppm, .raw"

#define IMAGE_JPEG_QUALITY_DEFAULT 90

/* One frame in memory, borrowed from mapped buffers. */
struct image_frame {
	uint32_t fourcc;
	uint32_t width, height;
	unsigned plane_count;	       /* 1 to 3 */
	const uint8_t *data[3];	       /* each plane's first byte */
	uint32_t stride[3];	       /* bytes per line of each plane */
	uint32_t bytes_used[3];	       /* bytes of each plane holding data */
	enum ph_colorspace colorspace; /* how YUV frames encode RGB */
};

/*
 * What a DNG records besides the pixels: the request's metadata and the
 * camera's properties. Each have_* flag says whether the value is known.
 */
struct image_raw_info {
	const char *model; /* UniqueCameraModel; NULL: "unknown" */
	bool have_black;
	uint16_t black_level[4]; /* per CFA site (TL, TR, BL, BR), 16-bit scale */
	bool have_gains;
	float colour_gains[2]; /* R and B white-balance gains, G = 1 */
	bool have_ccm;
	float ccm[9];		    /* white-balanced camera RGB to linear sRGB, row major */
	int32_t colour_temperature; /* kelvin, 0: unknown */
	int32_t exposure_us;	    /* 0: unknown */
	float analogue_gain;	    /* 0: unknown */
	int64_t capture_time;	    /* seconds since the epoch, 0: unknown */
};

/* Options of image_write(); NULL means the defaults. */
struct image_write_options {
	int jpeg_quality;		  /* 1..100; 0: IMAGE_JPEG_QUALITY_DEFAULT */
	const struct image_raw_info *raw; /* DNG metadata; NULL: none known */
};

/*
 * The writer for @p path, chosen by its extension (case-insensitive).
 * @return 0, or -EINVAL if the extension is not supported.
 */
int image_file_type_from_path(const char *path, enum image_file_type *type);

/* @return the name of @p type ("PNG", "PPM", "raw", "JPEG", "DNG"). */
const char *image_file_type_name(enum image_file_type type);

/* @return true if frames in @p fourcc can be written as @p type. */
bool image_file_supports(enum image_file_type type, uint32_t fourcc);

/* @return "processed" or "raw Bayer": the frames @p type takes, for messages. */
const char *image_file_type_takes(enum image_file_type type);

/*
 * Write @p frame to @p path, replacing the file, with @p options (NULL:
 * defaults). On failure no file is left behind.
 * @return 0, -ENOTSUP for a format the writer cannot take, -EMSGSIZE if the
 * frame holds fewer bytes than its size needs, -EINVAL for bad options,
 * -ENOMEM, -EIO for an encoder failure, or the errno of a failed file
 * operation.
 */
int image_write(const char *path, enum image_file_type type, const struct image_frame *frame,
		const struct image_write_options *options);

/* JPEG (jpeg_writer.c): encode @p frame, a processed format, to @p file. */
int image_write_jpeg(FILE *file, const struct image_frame *frame, int quality);

/* DNG (dng_writer.c): write @p frame, raw Bayer, to @p fd (read-write; left open). */
int image_write_dng(int fd, const struct image_frame *frame, const struct image_raw_info *info);

/* @return true if plane @p p of @p frame holds @p lines lines of @p row bytes at its stride. */
bool image_plane_holds(const struct image_frame *frame, unsigned p, size_t row, size_t lines);

/* @return true if @p fourcc is a processed (RGB or YUV, 8-bit) format the writers convert. */
bool image_format_is_processed(uint32_t fourcc);

/* @return true if @p fourcc is a 10- or 12-bit Bayer format, unpacked or CSI-2 packed. */
bool image_format_is_bayer(uint32_t fourcc);

/*
 * Convert a processed frame (every RGB and YUV format the ISP writes, YUV
 * per the frame's colour space) to packed RGB888, @p rgb holding
 * width * height * 3 bytes.
 * @return 0, -ENOTSUP or -EMSGSIZE.
 */
int image_to_rgb888(const struct image_frame *frame, uint8_t *rgb);

/*
 * Copy an RGB48 frame (little-endian words) to host-endian 16-bit R, G, B
 * samples, @p out holding width * height * 3 of them. @return 0, -ENOTSUP or
 * -EMSGSIZE.
 */
int image_rgb48_to_host(const struct image_frame *frame, uint16_t *out);

/*
 * Unpack a raw Bayer frame (16-bit or CSI-2 packed) to one native value per
 * pixel (0 .. 2^depth - 1) with the ISP's unpacker; @p out holds width *
 * height samples. @return 0, -ENOTSUP or -EMSGSIZE.
 */
int image_raw_unpack(const struct image_frame *frame, uint16_t *out);

/*
 * Unpack a raw Bayer frame (16-bit or CSI-2 packed) to one host-endian
 * 16-bit sample per pixel, shifted up to use all 16 bits; @p out holds
 * width * height samples. @return 0, -ENOTSUP or -EMSGSIZE.
 */
int image_raw_to_grey16(const struct image_frame *frame, uint16_t *out);
