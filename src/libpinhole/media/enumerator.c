/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sys/epoll.h>

#include <libudev.h>

#include "base/loop.h"
#include "core/internal.h"
#include "media/enumerator.h"
#include "media/uevent.h"

#define UEVENT_BUFFER 8192
#define UDEV_CONTROL  "/run/udev/control" /* a udev daemon's control socket */

void ph_media_nodes_free(struct ph_media_node *nodes, unsigned count)
{
	for (unsigned i = 0; nodes && i < count; i++) {
		free(nodes[i].syspath);
		free(nodes[i].devnode);
	}
	free(nodes);
}

/* "video12" and the like: the nodes that can capture frames (not vbi, radio, subdevs). */
static bool is_video_name(const char *name)
{
	if (strncmp(name, "video", 5) || !name[5])
		return false;
	for (const char *p = name + 5; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int append_node(struct ph_media_node **nodes, unsigned *count, const char *syspath,
		       const char *devnode, uint32_t major, uint32_t minor)
{
	struct ph_media_node *grown = realloc(*nodes, (*count + 1) * sizeof(**nodes));
	struct ph_media_node n = {strdup(syspath), strdup(devnode), major, minor};

	if (grown)
		*nodes = grown;
	if (!grown || !n.syspath || !n.devnode) {
		free(n.syspath);
		free(n.devnode);
		return -ENOMEM;
	}
	grown[(*count)++] = n;
	return 0;
}

static int by_minor(const void *a, const void *b)
{
	const struct ph_media_node *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

/* Read MAJOR, MINOR and DEVNAME of a sysfs uevent file. */
static int read_uevent_file(const char *path, uint32_t *major, uint32_t *minor, char *devname,
			    size_t size)
{
	char buf[4096];
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool have_major = false, have_minor = false;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	devname[0] = '\0';
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned v;

		if (sscanf(line, "MAJOR=%u", &v) == 1) {
			*major = v;
			have_major = true;
		} else if (sscanf(line, "MINOR=%u", &v) == 1) {
			*minor = v;
			have_minor = true;
		} else if (!strncmp(line, "DEVNAME=", 8)) {
			snprintf(devname, size, "%s", line + 8);
		}
	}
	if (!have_major || !have_minor || !devname[0] || strstr(devname, ".."))
		return -EINVAL;
	return 0;
}

int ph_media_node_path(uint32_t major, uint32_t minor, char *path, size_t size)
{
	char uevent[64], devname[256];
	uint32_t maj, min;
	int ret;

	snprintf(uevent, sizeof(uevent), "/sys/dev/char/%u:%u/uevent", major, minor);
	ret = read_uevent_file(uevent, &maj, &min, devname, sizeof(devname));
	if (ret < 0)
		return ret;
	if (maj != major || min != minor)
		return -ENODEV;
	if (snprintf(path, size, "/dev/%s", devname) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int ph_media_enumerate_sysfs(const char *sysfs, const char *dev, struct ph_media_node **nodes,
			     unsigned *count)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	*nodes = NULL;
	*count = 0;
	snprintf(path, sizeof(path), "%s/class/video4linux", sysfs);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno; /* no V4L2 at all */
	while ((de = readdir(dir)) && ret == 0) {
		char devname[256], uevent[PATH_MAX], syspath[PATH_MAX], devnode[PATH_MAX];
		uint32_t major = 0, minor = 0;

		if (!is_video_name(de->d_name))
			continue;
		if (snprintf(uevent, sizeof(uevent), "%s/%s/uevent", path, de->d_name) >=
			    (int)sizeof(uevent) ||
		    read_uevent_file(uevent, &major, &minor, devname, sizeof(devname)) < 0)
			continue; /* gone meanwhile, or not a device */
		uevent[strlen(uevent) - strlen("/uevent")] = '\0';
		if (!realpath(uevent, syspath) || snprintf(devnode, sizeof(devnode), "%s/%s", dev,
							   devname) >= (int)sizeof(devnode))
			continue;
		ret = append_node(nodes, count, syspath, devnode, major, minor);
	}
	closedir(dir);
	if (ret < 0) {
		ph_media_nodes_free(*nodes, *count);
		*nodes = NULL;
		*count = 0;
		return ret;
	}
	if (*count > 1)
		qsort(*nodes, *count, sizeof(**nodes), by_minor);
	return 0;
}

static int enumerate_udev(struct ph_media_node **nodes, unsigned *count)
{
	struct udev *udev = udev_new();
	struct udev_enumerate *en = udev ? udev_enumerate_new(udev) : NULL;
	struct udev_list_entry *entry;
	int ret = -ENOMEM;

	*nodes = NULL;
	*count = 0;
	if (!en)
		goto out;
	ret = udev_enumerate_add_match_subsystem(en, "video4linux");
	if (ret >= 0)
		ret = udev_enumerate_scan_devices(en);
	if (ret < 0)
		goto out;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(en))
	{
		struct udev_device *d =
			udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
		const char *node = d ? udev_device_get_devnode(d) : NULL;
		const char *name = d ? udev_device_get_sysname(d) : NULL;

		if (node && name && is_video_name(name)) {
			dev_t devnum = udev_device_get_devnum(d);

			ret = append_node(nodes, count, udev_device_get_syspath(d), node,
					  major(devnum), minor(devnum));
		}
		udev_device_unref(d);
		if (ret < 0)
			break;
	}
out:
	udev_enumerate_unref(en);
	udev_unref(udev);
	if (ret < 0) {
		ph_media_nodes_free(*nodes, *count);
		*nodes = NULL;
		*count = 0;
		return ret;
	}
	if (*count > 1)
		qsort(*nodes, *count, sizeof(**nodes), by_minor);
	return 0;
}

int ph_media_enumerate(struct ph_context *ctx, struct ph_media_node **nodes, unsigned *count)
{
	/* PINHOLE_MEDIA_ENUMERATION=sysfs skips libudev (to compare the two ways). */
	const char *forced = getenv("PINHOLE_MEDIA_ENUMERATION");
	int ret;

	if (!forced || strcmp(forced, "sysfs")) {
		ret = enumerate_udev(nodes, count);
		if (ret == 0) {
			ph_dbg(ctx, "%u video nodes listed by libudev\n", *count);
			return 0;
		}
		ph_dbg(ctx, "libudev enumeration failed (%s); reading sysfs\n", strerror(-ret));
	}
	ret = ph_media_enumerate_sysfs("/sys", "/dev", nodes, count);
	if (ret == 0)
		ph_dbg(ctx, "%u video nodes listed from sysfs\n", *count);
	return ret;
}

/* ---- hotplug ---- */

struct ph_media_monitor {
	struct ph_context *ctx;
	ph_media_hotplug_func func;
	void *data;
	struct udev *udev;
	struct udev_monitor *udev_monitor;
	int netlink_fd;
	struct ph_source *source;
	char *buffer; /* UEVENT_BUFFER + 1 bytes */
};

static void report(struct ph_media_monitor *m, const char *action, const char *syspath,
		   const char *devnode, uint32_t major, uint32_t minor)
{
	struct ph_media_node node = {(char *)syspath, (char *)devnode, major, minor};
	const char *name = strrchr(syspath, '/');

	if (!name || !is_video_name(name + 1))
		return;
	if (!strcmp(action, "add"))
		m->func(m->data, true, &node);
	else if (!strcmp(action, "remove"))
		m->func(m->data, false, &node);
}

static void on_udev(struct ph_source *source, int fd, uint32_t events, void *data)
{
	struct ph_media_monitor *m = data;
	struct udev_device *d;

	while ((d = udev_monitor_receive_device(m->udev_monitor))) {
		const char *action = udev_device_get_action(d);
		const char *node = udev_device_get_devnode(d);
		dev_t devnum = udev_device_get_devnum(d);

		if (action && node)
			report(m, action, udev_device_get_syspath(d), node, major(devnum),
			       minor(devnum));
		udev_device_unref(d);
	}
}

static void on_netlink(struct ph_source *source, int fd, uint32_t events, void *data)
{
	struct ph_media_monitor *m = data;

	for (;;) {
		struct sockaddr_nl sender;
		struct iovec iov = {m->buffer, UEVENT_BUFFER};
		struct msghdr msg = {.msg_name = &sender,
				     .msg_namelen = sizeof(sender),
				     .msg_iov = &iov,
				     .msg_iovlen = 1};
		struct ph_uevent ev;
		char syspath[PATH_MAX], devnode[PATH_MAX];
		ssize_t len = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (len < 0) {
			if (errno == ENOBUFS) {
				ph_warn(m->ctx, "uevent socket overflowed: hotplug events lost\n");
				continue;
			}
			return; /* EAGAIN: drained */
		}
		/* Only the kernel (port 0) speaks on this group; ignore anyone else. */
		if (sender.nl_pid != 0 || (msg.msg_flags & MSG_TRUNC))
			continue;
		if (ph_uevent_parse(m->buffer, (size_t)len, &ev) < 0 ||
		    strcmp(ev.subsystem, "video4linux") || !ev.devname[0])
			continue;
		snprintf(syspath, sizeof(syspath), "/sys%s", ev.devpath);
		snprintf(devnode, sizeof(devnode), "/dev/%s", ev.devname);
		report(m, ev.action, syspath, devnode, ev.major, ev.minor);
	}
}

static int open_udev(struct ph_media_monitor *m, struct ph_loop *loop)
{
	m->udev = udev_new();
	if (!m->udev)
		return -ENOMEM;
	m->udev_monitor = udev_monitor_new_from_netlink(m->udev, "udev");
	if (!m->udev_monitor ||
	    udev_monitor_filter_add_match_subsystem_devtype(m->udev_monitor, "video4linux", NULL) <
		    0 ||
	    udev_monitor_enable_receiving(m->udev_monitor) < 0)
		return -EIO;
	m->source = ph_loop_add_fd(loop, udev_monitor_get_fd(m->udev_monitor), EPOLLIN, on_udev, m);
	return m->source ? 0 : -errno;
}

static int open_netlink(struct ph_media_monitor *m, struct ph_loop *loop)
{
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int size = 1 << 20;

	m->buffer = malloc(UEVENT_BUFFER + 1);
	if (!m->buffer)
		return -ENOMEM;
	m->netlink_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       NETLINK_KOBJECT_UEVENT);
	if (m->netlink_fd < 0)
		return -errno;
	/* Best effort: a bigger queue survives a burst (a driver with many nodes). */
	setsockopt(m->netlink_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(m->netlink_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	m->source = ph_loop_add_fd(loop, m->netlink_fd, EPOLLIN, on_netlink, m);
	return m->source ? 0 : -errno;
}

/*
 * The file alone is not enough: a daemon that died (or was killed) leaves
 * its socket behind, and udev's monitor would then wait for announcements
 * that never come. The kernel's list of bound unix sockets (/proc/net/unix,
 * readable by anyone, no message sent to the daemon) tells a listening
 * socket from a stale file.
 */
bool ph_media_socket_listens(const char *path)
{
	char line[512];
	bool listening = false;
	FILE *f;

	if (access(path, F_OK) < 0)
		return false;
	f = fopen("/proc/net/unix", "re");
	if (!f)
		return true; /* no /proc: trust the file */
	while (!listening && fgets(line, sizeof(line), f)) {
		unsigned long flags;
		char *name;

		line[strcspn(line, "\n")] = '\0';
		name = strrchr(line, ' ');
		/* "Num: RefCount Protocol Flags Type St Inode Path"; __SO_ACCEPTCON
		 * (0x10000) flags a listener. */
		if (name && !strcmp(name + 1, path) && sscanf(line, "%*s %*s %*s %lx", &flags) == 1)
			listening = flags & 0x10000;
	}
	fclose(f);
	return listening;
}

struct ph_media_monitor *ph_media_monitor_new(struct ph_context *ctx, struct ph_loop *loop,
					      ph_media_hotplug_func func, void *data)
{
	struct ph_media_monitor *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return NULL;
	m->ctx = ctx;
	m->func = func;
	m->data = data;
	m->netlink_fd = -1;
	/* A running udev daemon announces devices once their node is ready. */
	if (ph_media_socket_listens(UDEV_CONTROL)) {
		ret = open_udev(m, loop);
		if (ret == 0)
			return m;
		ph_dbg(ctx, "udev monitor unavailable (%s); using the kernel's uevents\n",
		       strerror(-ret));
		ph_loop_remove(m->source);
		m->source = NULL;
		udev_monitor_unref(m->udev_monitor);
		udev_unref(m->udev);
		m->udev_monitor = NULL;
		m->udev = NULL;
	} else if (access(UDEV_CONTROL, F_OK) == 0) {
		ph_dbg(ctx, "%s left behind by a udev daemon that is gone\n", UDEV_CONTROL);
	}
	ret = open_netlink(m, loop);
	if (ret == 0)
		return m;
	ph_info(ctx, "no hotplug: cannot listen to kernel uevents: %s\n", strerror(-ret));
	ph_media_monitor_free(m);
	return NULL;
}

void ph_media_monitor_free(struct ph_media_monitor *m)
{
	if (!m)
		return;
	ph_loop_remove(m->source);
	udev_monitor_unref(m->udev_monitor);
	udev_unref(m->udev);
	if (m->netlink_fd >= 0)
		close(m->netlink_fd);
	free(m->buffer);
	free(m);
}

const char *ph_media_monitor_source(const struct ph_media_monitor *m)
{
	return m->udev_monitor ? "udev" : "kernel";
}
