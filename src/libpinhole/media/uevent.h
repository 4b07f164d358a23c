/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Kernel uevent messages, as the NETLINK_KOBJECT_UEVENT socket delivers
 * them where no udev daemon runs: "ACTION@DEVPATH\0KEY=VALUE\0...".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ph_uevent {
	const char *action;    /* "add", "remove", "change", "bind", "unbind"... */
	const char *devpath;   /* /devices/... (below /sys) */
	const char *subsystem; /* "video4linux", "media"...; "" if absent */
	const char *devname;   /* "video0" (below /dev); "" if absent */
	uint32_t major, minor;
	bool has_devnum;
	uint64_t seqnum;
};

/*
 * Parse the @len bytes of @buf, which must have room for @len + 1 bytes (a
 * terminating NUL is written at @len). Pointers in @event point into @buf.
 * @return 0, or -EINVAL for a malformed message, -EPROTO for one that is
 * not from the kernel (udev's "libudev" messages).
 */
int ph_uevent_parse(char *buf, size_t len, struct ph_uevent *event);
