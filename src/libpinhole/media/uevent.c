/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/uevent.h"

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int ph_uevent_parse(char *buf, size_t len, struct ph_uevent *ev)
{
	const char *action = NULL, *devpath = NULL;
	bool have_major = false, have_minor = false;
	char *at, *p, *end = buf + len;
	size_t header_len;

	if (!buf || len == 0)
		return -EINVAL;
	buf[len] = '\0';
	if (len >= 8 && !memcmp(buf, "libudev", 8))
		return -EPROTO;
	*ev = (struct ph_uevent){.subsystem = "", .devname = ""};

	/* Header: ACTION@DEVPATH, checked against the keys below. */
	header_len = strlen(buf);
	at = strchr(buf, '@');
	if (!at || at == buf || at[1] != '/')
		return -EINVAL;

	for (p = buf + header_len + 1; p < end; p += strlen(p) + 1) {
		const char *eq = strchr(p, '='), *value;
		size_t klen;

		if (!*p)
			continue;
		if (!eq)
			return -EINVAL;
		klen = (size_t)(eq - p);
		value = eq + 1;
#define KEY(name) (klen == sizeof(name) - 1 && !memcmp(p, name, klen))
		if (KEY("ACTION"))
			action = value;
		else if (KEY("DEVPATH"))
			devpath = value;
		else if (KEY("SUBSYSTEM"))
			ev->subsystem = value;
		else if (KEY("DEVNAME"))
			ev->devname = value;
		else if (KEY("MAJOR")) {
			if (parse_u32(value, &ev->major) < 0)
				return -EINVAL;
			have_major = true;
		} else if (KEY("MINOR")) {
			if (parse_u32(value, &ev->minor) < 0)
				return -EINVAL;
			have_minor = true;
		} else if (KEY("SEQNUM")) {
			char *e;

			errno = 0;
			ev->seqnum = strtoull(value, &e, 10);
			if (errno || *e || e == value || *value == '-')
				return -EINVAL;
		}
#undef KEY
	}
	if (!action || !devpath || !*action || devpath[0] != '/')
		return -EINVAL;
	/* The header must say the same as the keys. */
	if ((size_t)(at - buf) != strlen(action) || strncmp(buf, action, (size_t)(at - buf)) ||
	    strcmp(at + 1, devpath))
		return -EINVAL;
	if (have_major != have_minor)
		return -EINVAL;
	/* Device names never climb out of /dev. */
	if (strstr(ev->devname, "..") || ev->devname[0] == '/')
		return -EINVAL;
	ev->has_devnum = have_major;
	ev->action = action;
	ev->devpath = devpath;
	return 0;
}
