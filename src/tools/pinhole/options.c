/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing of capture options: --stream specs, --control assignments, file names. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

int parse_stream_spec(const char *text, struct stream_spec *spec, char *err, size_t err_size)
{
	char *copy = strdup(text);
	char *save = NULL;
	int ret = 0;

	memset(spec, 0, sizeof(*spec));
	spec->role = PH_ROLE_VIEWFINDER;
	if (!copy) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	if (!*copy) {
		snprintf(err, err_size, "empty stream specification");
		ret = -EINVAL;
	}

	for (char *item = strtok_r(copy, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		char *value = strchr(item, '=');

		if (!value || value == item || !value[1]) {
			snprintf(err, err_size, "'%s' is not KEY=VALUE", item);
			ret = -EINVAL;
			break;
		}
		*value++ = '\0';
		if (!strcmp(item, "role")) {
			spec->role = ph_stream_role_from_name(value);
			if (!spec->role) {
				snprintf(err, err_size,
					 "unknown role '%s' (expected raw, still, video or "
					 "viewfinder)",
					 value);
				ret = -EINVAL;
			}
		} else if (!strcmp(item, "width") || !strcmp(item, "height")) {
			uint32_t *dst = item[0] == 'w' ? &spec->width : &spec->height;

			if (cli_parse_uint(value, 65535, dst) || !*dst) {
				snprintf(err, err_size, "invalid %s '%s'", item, value);
				ret = -EINVAL;
			}
		} else if (!strcmp(item, "size")) {
			if (cli_parse_size(value, &spec->width, &spec->height)) {
				snprintf(err, err_size, "invalid size '%s' (expected WIDTHxHEIGHT)",
					 value);
				ret = -EINVAL;
			}
		} else if (!strcmp(item, "format")) {
			if (strlen(value) >= sizeof(spec->format)) {
				snprintf(err, err_size, "invalid format '%s'", value);
				ret = -EINVAL;
			} else {
				strcpy(spec->format, value);
			}
		} else {
			snprintf(err, err_size,
				 "unknown key '%s' (expected role, width, height, size or format)",
				 item);
			ret = -EINVAL;
		}
	}
	free(copy);
	return ret;
}

int parse_control_setting(const char *text, struct control_setting *setting, char *err,
			  size_t err_size)
{
	const char *eq = strchr(text, '=');
	char name[64], type[32];
	size_t n;
	int ret;

	if (!eq || eq == text) {
		snprintf(err, err_size, "invalid control '%s' (expected NAME=VALUE)", text);
		return -EINVAL;
	}
	n = (size_t)(eq - text);
	if (n >= sizeof(name)) {
		snprintf(err, err_size, "unknown control '%.*s'", (int)n, text);
		return -EINVAL;
	}
	memcpy(name, text, n);
	name[n] = '\0';

	setting->desc = ph_control_desc_by_name(name);
	if (!setting->desc || setting->desc->id > 0xffff) {
		snprintf(err, err_size,
			 "unknown control '%s'; run 'pinhole info CAMERA' for the camera's "
			 "controls",
			 name);
		return -EINVAL;
	}
	if (setting->desc->direction == PH_CONTROL_DIR_OUT) {
		snprintf(err, err_size, "control '%s' is only reported in metadata, not set",
			 setting->desc->name);
		return -EINVAL;
	}

	cli_control_type_name(setting->desc->type, setting->desc->count, type, sizeof(type));
	ret = ph_control_value_parse(setting->desc->id, eq + 1, &setting->value);
	if (ret < 0) {
		if (setting->desc->count > 1)
			snprintf(err, err_size,
				 "invalid value '%s' for control '%s' (expected %s: %u "
				 "comma-separated elements)",
				 eq + 1, setting->desc->name, type, setting->desc->count);
		else
			snprintf(err, err_size, "invalid value '%s' for control '%s' (expected %s)",
				 eq + 1, setting->desc->name, type);
		return -EINVAL;
	}
	return 0;
}

char *output_file_name(const char *pattern, uint32_t sequence, unsigned stream_index)
{
	const char *slash = strrchr(pattern, '/');
	const char *dot = strrchr(slash ? slash + 1 : pattern, '.');
	char seq[16], suffix[16] = "";
	size_t len = 0, seq_len, suffix_len;
	char *name, *out;

	seq_len = (size_t)snprintf(seq, sizeof(seq), "%06u", sequence);
	if (stream_index > 0)
		snprintf(suffix, sizeof(suffix), "-s%u", stream_index);
	suffix_len = strlen(suffix);
	if (!dot)
		dot = pattern + strlen(pattern);

	for (const char *p = pattern; *p; p++)
		len += *p == '#' ? seq_len : 1;
	name = malloc(len + suffix_len + 1);
	if (!name)
		return NULL;

	out = name;
	for (const char *p = pattern;; p++) {
		if (p == dot) {
			memcpy(out, suffix, suffix_len);
			out += suffix_len;
		}
		if (!*p)
			break;
		if (*p == '#') {
			memcpy(out, seq, seq_len);
			out += seq_len;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	return name;
}
