/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing of capture options: --stream specs, --control assignments, file names. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/pinhole.h>

/* The most --stream options a capture takes. */
#define CLI_MAX_STREAMS 8

/* One --stream option: what the user asked for; 0 / "" means "keep the default". */
struct stream_spec {
	enum ph_stream_role role;
	uint32_t width, height;
	char format[32];
};

/*
 * Parse "role=R,width=W,height=H,size=WxH,format=F" (keys in any order,
 * each optional; role defaults to viewfinder) into @p spec.
 * @return 0, or -EINVAL with a description of the problem in @p err.
 */
int parse_stream_spec(const char *text, struct stream_spec *spec, char *err, size_t err_size);

/* One --control option. */
struct control_setting {
	const struct ph_control_desc *desc;
	struct ph_control_value value;
};

/*
 * Parse "Name=value" into @p setting, checking the name, that the control
 * can be set in a request, and the value's type and element count.
 * @return 0, or -EINVAL with a description of the problem in @p err.
 */
int parse_control_setting(const char *text, struct control_setting *setting, char *err,
			  size_t err_size);

/*
 * The file name of @p pattern for the frame with @p sequence of stream
 * @p stream_index: every '#' becomes the sequence number (6 digits,
 * zero-padded); for stream i > 0, "-s<i>" goes before the extension.
 * @return a string to free(), or NULL if out of memory.
 */
char *output_file_name(const char *pattern, uint32_t sequence, unsigned stream_index);
