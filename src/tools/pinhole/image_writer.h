/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Writing frames to files: PNG (processed formats as 8-bit RGB, RGB48 as
 * 16-bit RGB, raw Bayer as a 16-bit greyscale mosaic), binary PPM (processed
 * formats as RGB, RGB48 with 16-bit samples) and raw (the bytes as
 * captured). Plus the conversions they need.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/config.h>

enum image_file_type {
	IMAGE_FILE_PNG = 0,
	IMAGE_FILE_PPM = 1,
	IMAGE_FILE_RAW = 2,
};

/* The supported extensions, for messages: ".png, .ppm, .raw". */
#define IMAGE_FILE_EXTENSIONS ".png, .ppm, .raw"

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
 * The writer for @p path, chosen by its extension (case-insensitive).
 * @return 0, or -EINVAL if the extension is not supported.
 */
int image_file_type_from_path(const char *path, enum image_file_type *type);

/* @return the name of @p type ("PNG", "PPM", "raw"). */
const char *image_file_type_name(enum image_file_type type);

/* @return true if frames in @p fourcc can be written as @p type. */
bool image_file_supports(enum image_file_type type, uint32_t fourcc);

/*
 * Write @p frame to @p path, replacing the file.
 * @return 0, -ENOTSUP for a format the writer cannot take, -EMSGSIZE if the
 * frame holds fewer bytes than its size needs, -ENOMEM, or the errno of a
 * failed file operation.
 */
int image_write(const char *path, enum image_file_type type, const struct image_frame *frame);

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
 * Unpack a raw Bayer frame (16-bit or CSI-2 packed) to one host-endian
 * 16-bit sample per pixel, shifted up to use all 16 bits; @p out holds
 * width * height samples. @return 0, -ENOTSUP or -EMSGSIZE.
 */
int image_raw_to_grey16(const struct image_frame *frame, uint16_t *out);
