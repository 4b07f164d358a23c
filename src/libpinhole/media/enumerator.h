/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Finding V4L2 video nodes, and watching them come and go.
 *
 * Enumeration asks libudev (which reads sysfs, with or without a udev
 * daemon) and falls back to reading sysfs directly ($PINHOLE_MEDIA_ENUMERATION
 * =sysfs forces that). Hotplug comes from udev's monitor when a udev daemon
 * listens on /run/udev/control (it announces a device once its node is
 * ready), else straight from the kernel's uevent netlink socket.
 * Both are watched on the context's loop.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ph_context;
struct ph_loop;

struct ph_media_node {
	char *syspath; /* /sys/devices/.../video4linux/video0 */
	char *devnode; /* /dev/video0 */
	uint32_t major, minor;
};

void ph_media_nodes_free(struct ph_media_node *nodes, unsigned count);

/* Video nodes ("videoN" of class video4linux), by minor number. libudev, else sysfs. */
int ph_media_enumerate(struct ph_context *ctx, struct ph_media_node **nodes, unsigned *count);
/* The sysfs way, below @sysfs (normally "/sys"), with nodes in @dev (normally "/dev"). */
int ph_media_enumerate_sysfs(const char *sysfs, const char *dev, struct ph_media_node **nodes,
			     unsigned *count);

/* The /dev path of character device @major:@minor (a sub-device's node), from sysfs. */
int ph_media_node_path(uint32_t major, uint32_t minor, char *path, size_t size);

/* Hotplug of video nodes: @added true for add, false for remove. */
typedef void (*ph_media_hotplug_func)(void *data, bool added, const struct ph_media_node *node);

struct ph_media_monitor;

/*
 * Watch video nodes on @loop. @return NULL if neither udev nor the uevent
 * socket is available (logged; the context then works without hotplug).
 */
struct ph_media_monitor *ph_media_monitor_new(struct ph_context *ctx, struct ph_loop *loop,
					      ph_media_hotplug_func func, void *data);
void ph_media_monitor_free(struct ph_media_monitor *monitor);
/* True if something listens on unix socket @path (a udev daemon on /run/udev/control). */
bool ph_media_socket_listens(const char *path);
/* "udev" or "kernel": which source the monitor listens to. */
const char *ph_media_monitor_source(const struct ph_media_monitor *monitor);
