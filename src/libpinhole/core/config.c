/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/internal.h"

struct ph_config_format {
	uint32_t fourcc;
	struct ph_size_range range;
};

struct ph_config_stream {
	struct ph_stream_config config;
	uint32_t validated_stride;		 /* the stride the last validation filled in */
	enum ph_colorspace validated_colorspace; /* and the colour space */
	struct ph_config_format *formats;
	unsigned format_count;
};

struct ph_config {
	struct ph_camera *camera; /* a reference */
	struct ph_config_stream streams[PH_MAX_STREAMS];
	unsigned stream_count;
	char *message;
	size_t message_len;
};

static const char *const role_names[] = {
	[PH_ROLE_RAW] = "raw",
	[PH_ROLE_STILL] = "still",
	[PH_ROLE_VIDEO] = "video",
	[PH_ROLE_VIEWFINDER] = "viewfinder",
};

PH_EXPORT const char *ph_stream_role_name(enum ph_stream_role role)
{
	return role >= PH_ROLE_RAW && role <= PH_ROLE_VIEWFINDER ? role_names[role] : NULL;
}

PH_EXPORT const char *ph_colorspace_name(enum ph_colorspace colorspace)
{
	static const char *const names[] = {
		[PH_COLORSPACE_RAW] = "raw",	   [PH_COLORSPACE_SRGB] = "srgb",
		[PH_COLORSPACE_JPEG] = "jpeg",	   [PH_COLORSPACE_SMPTE170M] = "smpte170m",
		[PH_COLORSPACE_REC709] = "rec709",
	};

	return colorspace >= PH_COLORSPACE_RAW && colorspace <= PH_COLORSPACE_REC709
		       ? names[colorspace]
		       : NULL;
}

PH_EXPORT enum ph_stream_role ph_stream_role_from_name(const char *name)
{
	for (int r = PH_ROLE_RAW; name && r <= PH_ROLE_VIEWFINDER; r++)
		if (!strcasecmp(role_names[r], name))
			return (enum ph_stream_role)r;
	return 0;
}

struct ph_config *ph_config_new(struct ph_camera *camera)
{
	struct ph_config *config = calloc(1, sizeof(*config));

	if (!config)
		return NULL;
	config->camera = ph_camera_ref(camera);
	return config;
}

PH_EXPORT void ph_config_free(struct ph_config *config)
{
	if (!config)
		return;
	for (unsigned i = 0; i < config->stream_count; i++)
		free(config->streams[i].formats);
	ph_camera_unref(config->camera);
	free(config->message);
	free(config);
}

int ph_config_add_stream(struct ph_config *config, const struct ph_stream_config *stream)
{
	if (config->stream_count == PH_MAX_STREAMS)
		return -ENOSPC;
	config->streams[config->stream_count].config = *stream;
	return (int)config->stream_count++;
}

int ph_config_add_format(struct ph_config *config, unsigned index, uint32_t format,
			 const struct ph_size_range *range)
{
	struct ph_config_stream *s = &config->streams[index];
	struct ph_config_format *n;

	if (index >= config->stream_count)
		return -EINVAL;
	n = realloc(s->formats, (s->format_count + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->formats = n;
	n[s->format_count++] = (struct ph_config_format){format, *range};
	return 0;
}

struct ph_camera *ph_config_get_camera(const struct ph_config *config)
{
	return config->camera;
}

void ph_config_clear_message(struct ph_config *config)
{
	free(config->message);
	config->message = NULL;
	config->message_len = 0;
}

void ph_config_message(struct ph_config *config, const char *format, ...)
{
	va_list args;
	char *line, *n;
	int len;

	va_start(args, format);
	len = vasprintf(&line, format, args);
	va_end(args);
	if (len < 0)
		return;
	n = realloc(config->message, config->message_len + (size_t)len + 2);
	if (n) {
		memcpy(n + config->message_len, line, (size_t)len);
		config->message_len += (size_t)len;
		n[config->message_len++] = '\n';
		n[config->message_len] = '\0';
		config->message = n;
	}
	free(line);
}

PH_EXPORT unsigned ph_config_stream_count(const struct ph_config *config)
{
	return config ? config->stream_count : 0;
}

PH_EXPORT struct ph_stream_config *ph_config_stream_at(struct ph_config *config, unsigned index)
{
	return config && index < config->stream_count ? &config->streams[index].config : NULL;
}

PH_EXPORT unsigned ph_config_format_count(const struct ph_config *config, unsigned index)
{
	return config && index < config->stream_count ? config->streams[index].format_count : 0;
}

PH_EXPORT uint32_t ph_config_format_at(const struct ph_config *config, unsigned index,
				       unsigned format_index)
{
	if (!config || index >= config->stream_count ||
	    format_index >= config->streams[index].format_count)
		return 0;
	return config->streams[index].formats[format_index].fourcc;
}

PH_EXPORT int ph_config_size_range(const struct ph_config *config, unsigned index,
				   uint32_t pixel_format, struct ph_size_range *range)
{
	if (!config || !range || index >= config->stream_count)
		return -EINVAL;
	for (unsigned i = 0; i < config->streams[index].format_count; i++) {
		if (config->streams[index].formats[i].fourcc == pixel_format) {
			*range = config->streams[index].formats[i].range;
			return 0;
		}
	}
	return -EINVAL;
}

PH_EXPORT enum ph_config_status ph_config_validate(struct ph_config *config)
{
	enum ph_config_status status;
	struct ph_camera *cam;

	if (!config)
		return PH_CONFIG_INVALID;
	cam = config->camera;
	ph_config_clear_message(config);
	for (unsigned i = 0; i < config->stream_count; i++)
		config->streams[i].config.adjusted = 0;
	if (cam->removed) {
		ph_config_message(config, "camera %s has been removed", cam->id);
		return PH_CONFIG_INVALID;
	}
	if (config->stream_count == 0) {
		ph_config_message(config, "no stream");
		return PH_CONFIG_INVALID;
	}
	/* A stride or colour space the library filled in is an output, not a request. */
	for (unsigned i = 0; i < config->stream_count; i++) {
		struct ph_config_stream *s = &config->streams[i];

		if (s->config.stride == s->validated_stride)
			s->config.stride = 0;
		if (s->config.colorspace == s->validated_colorspace)
			s->config.colorspace = PH_COLORSPACE_DEFAULT;
	}
	status = cam->ops->validate(cam, config);
	for (unsigned i = 0; i < config->stream_count; i++) {
		config->streams[i].validated_stride = config->streams[i].config.stride;
		config->streams[i].validated_colorspace = config->streams[i].config.colorspace;
	}
	return status;
}

PH_EXPORT const char *ph_config_get_message(const struct ph_config *config)
{
	return config && config->message ? config->message : "";
}
