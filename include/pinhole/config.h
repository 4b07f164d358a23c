/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file config.h
 * Camera configurations: a set of streams, each with a role, a pixel
 * format, a size and a buffer count. Generate one with
 * ph_camera_generate_config(), change the fields of its streams, validate
 * it, then apply it with ph_camera_configure().
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ph_config;

/** What a stream is for; each role has its own preferred format and size. */
enum ph_stream_role {
	PH_ROLE_RAW = 1,	/**< unprocessed sensor data (Bayer) */
	PH_ROLE_STILL = 2,	/**< full-resolution processed images */
	PH_ROLE_VIDEO = 3,	/**< processed frames for recording */
	PH_ROLE_VIEWFINDER = 4, /**< processed frames for display */
};

/** @return "raw", "still", "video" or "viewfinder", or NULL. */
const char *ph_stream_role_name(enum ph_stream_role role);
/** @return the role named @p name, or 0 if none. */
enum ph_stream_role ph_stream_role_from_name(const char *name);

/** Result of ph_config_validate(). */
enum ph_config_status {
	PH_CONFIG_VALID = 0,	/**< can be applied as it is */
	PH_CONFIG_ADJUSTED = 1, /**< was changed to be valid; see the adjusted flags */
	PH_CONFIG_INVALID = 2,	/**< cannot be made valid; see ph_config_get_message() */
};

/** How pixel values encode colour. */
enum ph_colorspace {
	PH_COLORSPACE_DEFAULT = 0, /**< ask the camera to choose */
	PH_COLORSPACE_RAW = 1,	   /**< sensor data */
	PH_COLORSPACE_SRGB = 2, /**< RGB formats: sRGB primaries and transfer curve, full range */
	PH_COLORSPACE_JPEG = 3, /**< YUV: sRGB, BT.601 matrix, full range (JFIF stills) */
	PH_COLORSPACE_SMPTE170M = 4, /**< YUV: sRGB, BT.601 matrix, limited range (SD video) */
	PH_COLORSPACE_REC709 = 5,    /**< YUV: sRGB, BT.709 matrix, limited range (HD video) */
};

/** @return "raw", "srgb", "jpeg", "smpte170m" or "rec709", or NULL. */
const char *ph_colorspace_name(enum ph_colorspace colorspace);

/** Flags in ph_stream_config::adjusted: what validation changed. */
enum ph_adjust_flags {
	PH_ADJUSTED_FORMAT = 1u << 0,
	PH_ADJUSTED_SIZE = 1u << 1,
	PH_ADJUSTED_BUFFER_COUNT = 1u << 2,
	PH_ADJUSTED_STRIDE = 1u << 3,
	PH_ADJUSTED_COLORSPACE = 1u << 4,
};

/**
 * One stream of a configuration. The user sets role, pixel_format, width,
 * height and buffer_count; validation fills stride and frame_size. Owned
 * by the configuration; never allocate one yourself (it may grow).
 */
struct ph_stream_config {
	enum ph_stream_role role;
	uint32_t pixel_format; /**< PH_FORMAT_* fourcc */
	uint32_t width;
	uint32_t height;
	uint32_t stride;	       /**< bytes per line of the first plane: filled by validation;
					    set it larger to ask for padding */
	uint32_t frame_size;	       /**< out: bytes needed for one frame, all planes */
	uint32_t buffer_count;	       /**< buffers the pipeline wants queued to keep pace */
	uint32_t adjusted;	       /**< out: PH_ADJUSTED_* set by the last validation */
	enum ph_colorspace colorspace; /**< 0 lets validation choose; it always fills it */
};

/** A range of sizes: min to max in steps of hstep x vstep. */
struct ph_size_range {
	uint32_t min_width, min_height;
	uint32_t max_width, max_height;
	uint32_t hstep, vstep;
};

/** Free a configuration. NULL is allowed. */
void ph_config_free(struct ph_config *config);

/** @return the number of streams. */
unsigned ph_config_stream_count(const struct ph_config *config);
/** @return the @p index-th stream, owned by the configuration, or NULL. */
struct ph_stream_config *ph_config_stream_at(struct ph_config *config, unsigned index);

/** @return the number of pixel formats stream @p index can take. */
unsigned ph_config_format_count(const struct ph_config *config, unsigned index);
/** @return the @p format_index-th pixel format stream @p index can take, or 0. */
uint32_t ph_config_format_at(const struct ph_config *config, unsigned index, unsigned format_index);
/**
 * Sizes stream @p index can take in @p pixel_format.
 * @return 0, or -EINVAL if the stream or format is not offered.
 */
int ph_config_size_range(const struct ph_config *config, unsigned index, uint32_t pixel_format,
			 struct ph_size_range *range);

/**
 * Check the configuration and adjust it to the nearest one the camera
 * supports, setting each stream's adjusted flags.
 */
enum ph_config_status ph_config_validate(struct ph_config *config);

/**
 * @return what the last validation changed or why it failed, one line per
 * issue; "" if nothing. Owned by the configuration.
 */
const char *ph_config_get_message(const struct ph_config *config);

#ifdef __cplusplus
}
#endif
