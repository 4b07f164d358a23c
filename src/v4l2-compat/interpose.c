/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpinhole-v4l2.so: loaded with LD_PRELOAD, it answers libc's file calls
 * on the device paths named in $PINHOLE_V4L2_DEVICES ("/dev/video0=virtual:0,...")
 * from Pinhole cameras, and passes everything else to the next libc.
 *
 * The one global: `interposer`. A preloaded library is entered through
 * plain libc calls that carry no context pointer, so the state they reach
 * has to be found from a static; everything lives in that one object,
 * created once (pthread_once) on the first call.
 */

/* The functions below are the libc ABI names: no renaming to *64 variants, no fortify inlines. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "v4l2-compat.h"

#define EXPORT __attribute__((visibility("default")))

/* The next definitions of what we replace (libc's), found with dlsym(RTLD_NEXT). */
struct real_libc {
	int (*openat)(int dirfd, const char *path, int flags, ...);
	int (*dup)(int fd);
	int (*dup2)(int fd, int fd2);
	int (*dup3)(int fd, int fd2, int flags);
	int (*ioctl)(int fd, unsigned long request, ...);
	int (*poll)(struct pollfd *fds, nfds_t nfds, int timeout);
	int (*select)(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout);
	int (*pselect)(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
		       const sigset_t *sigmask);
	int (*fstatat)(int dirfd, const char *path, struct stat *sb, int flags);
	int (*statx)(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx);
	int (*faccessat)(int dirfd, const char *path, int mode, int flags);
	FILE *(*fopen)(const char *path, const char *mode);
	FILE *(*fopen64)(const char *path, const char *mode);
};

struct interposer {
	struct v4l2c_state st;
	struct real_libc libc;
	bool active; /* some device path is configured */
};

static struct interposer *interposer;
static pthread_once_t interposer_once = PTHREAD_ONCE_INIT;

#define REAL(sym) dlsym(RTLD_NEXT, sym)

static void atfork_prepare(void)
{
	pthread_mutex_lock(&interposer->st.lock);
	pthread_mutex_lock(&interposer->st.map_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&interposer->st.map_lock);
	pthread_mutex_unlock(&interposer->st.lock);
}

/* The child has no dispatch thread; its copies of the devices' fds are not for use. */
static void atfork_child(void)
{
	interposer->st.worker_running = false;
	atfork_parent();
}

static void interposer_init(void)
{
	struct interposer *ip = calloc(1, sizeof(*ip));
	struct v4l2c_sys sys = {
		.open = REAL("open"),
		.close = REAL("close"),
		.fcntl = REAL("fcntl"),
		.mmap = REAL("mmap"),
		.ppoll = REAL("ppoll"),
		.read = REAL("read"),
		.munmap = REAL("munmap"),
	};
	const char *spec = getenv("PINHOLE_V4L2_DEVICES");

	if (!ip)
		abort(); /* nothing can work without the real libc functions */
	ip->libc = (struct real_libc){
		.openat = REAL("openat"),
		.dup = REAL("dup"),
		.dup2 = REAL("dup2"),
		.dup3 = REAL("dup3"),
		.ioctl = REAL("ioctl"),
		.poll = REAL("poll"),
		.select = REAL("select"),
		.pselect = REAL("pselect"),
		.fstatat = REAL("fstatat"),
		.statx = REAL("statx"),
		.faccessat = REAL("faccessat"),
		.fopen = REAL("fopen"),
		.fopen64 = REAL("fopen64"),
	};
	if (!sys.open || !sys.close || !sys.fcntl || !sys.mmap || !sys.ppoll || !sys.read ||
	    !sys.munmap || !ip->libc.openat || !ip->libc.dup || !ip->libc.dup2 || !ip->libc.dup3 ||
	    !ip->libc.ioctl || !ip->libc.poll || !ip->libc.select || !ip->libc.pselect ||
	    !ip->libc.fstatat || !ip->libc.faccessat || !ip->libc.fopen || !ip->libc.fopen64)
		abort();
	if (v4l2c_state_init(&ip->st, &sys, spec) < 0) {
		fprintf(stderr, "pinhole-v4l2: ignoring malformed PINHOLE_V4L2_DEVICES '%s'\n",
			spec);
		ip->st.device_count = 0;
	}
	ip->active = ip->st.device_count > 0;
	interposer = ip;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static struct interposer *get(void)
{
	pthread_once(&interposer_once, interposer_init);
	return interposer;
}

/* Stop the dispatch thread before libpinhole's own teardown runs at exit. */
__attribute__((destructor)) static void interposer_exit(void)
{
	struct v4l2c_state *st = interposer ? &interposer->st : NULL;
	uint64_t one = 1;

	if (!st || !st->worker_running)
		return;
	pthread_mutex_lock(&st->lock);
	st->worker_stop = true;
	if (write(st->wake_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "pinhole-v4l2: cannot stop the dispatch thread\n");
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->worker, NULL);
	st->worker_running = false;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int ret_errno(int ret)
{
	return ret < 0 ? fail(-ret) : ret;
}

/* @return the emulated device for @p path, or -1 (relative paths under AT_FDCWD too). */
static int device_at(struct interposer *ip, int dirfd, const char *path)
{
	if (!ip->active || !path || (path[0] != '/' && dirfd != AT_FDCWD))
		return -1;
	return v4l2c_find_path(&ip->st, path);
}

/* ---- open ---- */

static int open_common(int dirfd, const char *path, int flags, mode_t mode)
{
	struct interposer *ip = get();
	int dev = device_at(ip, dirfd, path);

	if (dev < 0)
		return ip->libc.openat(dirfd, path, flags, mode);
	if (flags & (O_CREAT | O_TMPFILE | O_DIRECTORY))
		return fail(flags & O_DIRECTORY ? ENOTDIR : EEXIST);
	return ret_errno(v4l2c_open(&ip->st, (unsigned)dev, flags));
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return open_common(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return open_common(AT_FDCWD, path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return open_common(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return open_common(dirfd, path, flags, mode);
}

/* The _FORTIFY_SOURCE entry points programs built with it call. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

EXPORT int __open_2(const char *path, int flags)
{
	return open_common(AT_FDCWD, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return open_common(AT_FDCWD, path, flags, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return open_common(dirfd, path, flags, 0);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return open_common(dirfd, path, flags, 0);
}

/* ---- close, dup, fcntl ---- */

EXPORT int close(int fd)
{
	struct interposer *ip = get();

	if (v4l2c_is_ours(&ip->st, fd))
		return ret_errno(v4l2c_close(&ip->st, fd));
	return ip->st.sys.close(fd);
}

/* @p newfd now refers to what @p oldfd does: keep the table in step. */
static int after_dup(struct interposer *ip, int oldfd, int newfd)
{
	int ret;

	if (newfd < 0 || (!v4l2c_is_ours(&ip->st, oldfd) && !v4l2c_is_ours(&ip->st, newfd)))
		return newfd;
	ret = v4l2c_dup_register(&ip->st, oldfd, newfd);
	if (ret < 0 && v4l2c_is_ours(&ip->st, oldfd)) {
		ip->st.sys.close(newfd);
		return fail(-ret);
	}
	return newfd;
}

EXPORT int dup(int fd)
{
	struct interposer *ip = get();

	return after_dup(ip, fd, ip->libc.dup(fd));
}

EXPORT int dup2(int fd, int fd2)
{
	struct interposer *ip = get();

	return after_dup(ip, fd, ip->libc.dup2(fd, fd2));
}

EXPORT int dup3(int fd, int fd2, int flags)
{
	struct interposer *ip = get();

	return after_dup(ip, fd, ip->libc.dup3(fd, fd2, flags));
}

static int fcntl_common(int fd, int cmd, va_list ap)
{
	struct interposer *ip = get();
	void *arg = va_arg(ap, void *);
	int iarg = (int)(intptr_t)arg;

	if (v4l2c_is_ours(&ip->st, fd)) {
		switch (cmd) {
		case F_GETFL:
		case F_SETFL:
			return ret_errno(v4l2c_fcntl_flags(&ip->st, fd, cmd, iarg));
		case F_DUPFD:
		case F_DUPFD_CLOEXEC:
			return after_dup(ip, fd, ip->st.sys.fcntl(fd, cmd, iarg));
		default:
			break;
		}
	}
	return ip->st.sys.fcntl(fd, cmd, arg);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int ret;

	va_start(ap, cmd);
	ret = fcntl_common(fd, cmd, ap);
	va_end(ap);
	return ret;
}

int fcntl64(int fd, int cmd, ...);

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	int ret;

	va_start(ap, cmd);
	ret = fcntl_common(fd, cmd, ap);
	va_end(ap);
	return ret;
}

/* ---- ioctl, read ---- */

EXPORT int ioctl(int fd, unsigned long request, ...)
{
	struct interposer *ip = get();
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!v4l2c_is_ours(&ip->st, fd))
		return ip->libc.ioctl(fd, request, arg);
	if (request == FIONBIO)
		return ret_errno(v4l2c_fcntl_flags(&ip->st, fd, F_SETFL,
						   arg && *(int *)arg ? O_NONBLOCK : 0));
	if (request == FIOCLEX || request == FIONCLEX)
		return ip->libc.ioctl(fd, request, arg);
	return ret_errno(v4l2c_ioctl(&ip->st, fd, request, arg));
}

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	struct interposer *ip = get();
	ssize_t ret;

	if (!v4l2c_is_ours(&ip->st, fd))
		return ip->st.sys.read(fd, buf, count);
	ret = v4l2c_read(&ip->st, fd, buf, count);
	return ret < 0 ? fail((int)-ret) : ret;
}

ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);

EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	if (count > buflen)
		abort(); /* what glibc's check does */
	return read(fd, buf, count);
}

/* ---- mmap ---- */

static void *mmap_common(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	struct interposer *ip = get();
	void *map;
	int err;

	if (!v4l2c_is_ours(&ip->st, fd))
		return ip->st.sys.mmap(addr, length, prot, flags, fd, offset);
	map = v4l2c_mmap(&ip->st, addr, length, prot, flags, fd, offset, &err);
	if (map == MAP_FAILED)
		errno = err;
	return map;
}

EXPORT void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	return mmap_common(addr, length, prot, flags, fd, offset);
}

EXPORT void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t offset)
{
	return mmap_common(addr, length, prot, flags, fd, (off_t)offset);
}

EXPORT int munmap(void *addr, size_t length)
{
	struct interposer *ip = get();

	if (ip->active)
		v4l2c_munmap(&ip->st, addr);
	return ip->st.sys.munmap(addr, length);
}

/* ---- poll, select ---- */

static bool any_ours(struct interposer *ip, const struct pollfd *fds, nfds_t nfds)
{
	if (!ip->active)
		return false;
	for (nfds_t i = 0; i < nfds; i++)
		if (v4l2c_is_ours(&ip->st, fds[i].fd))
			return true;
	return false;
}

EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct interposer *ip = get();
	struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};

	if (!any_ours(ip, fds, nfds))
		return ip->libc.poll(fds, nfds, timeout);
	return ret_errno(v4l2c_poll(&ip->st, fds, nfds, timeout < 0 ? NULL : &ts, NULL));
}

int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);

EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		abort();
	return poll(fds, nfds, timeout);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		 const sigset_t *sigmask)
{
	struct interposer *ip = get();

	if (!any_ours(ip, fds, nfds))
		return ip->st.sys.ppoll(fds, nfds, timeout, sigmask);
	return ret_errno(v4l2c_poll(&ip->st, fds, nfds, timeout, sigmask));
}

int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		const sigset_t *sigmask, size_t fdslen);

EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		       const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		abort();
	return ppoll(fds, nfds, timeout, sigmask);
}

/* select() through v4l2c_poll when an emulated fd is in a set. @return -2 if none is. */
static int select_common(struct interposer *ip, int nfds, fd_set *r, fd_set *w, fd_set *e,
			 const struct timespec *timeout, const sigset_t *sigmask)
{
	struct pollfd *fds;
	unsigned n = 0;
	bool ours = false;
	int ret;

	if (!ip->active || nfds <= 0 || nfds > FD_SETSIZE)
		return -2;
	for (int fd = 0; fd < nfds; fd++) {
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) {
			ours |= v4l2c_is_ours(&ip->st, fd);
			n++;
		}
	}
	if (!ours)
		return -2;
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return fail(ENOMEM);
	n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short events = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) |
				       (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				       (e && FD_ISSET(fd, e) ? POLLPRI : 0));

		if (events)
			fds[n++] = (struct pollfd){.fd = fd, .events = events};
	}
	ret = v4l2c_poll(&ip->st, fds, n, timeout, sigmask);
	if (ret < 0) {
		free(fds);
		return fail(-ret);
	}
	ret = 0;
	for (unsigned i = 0; i < n; i++) {
		int fd = fds[i].fd;
		short rev = fds[i].revents;

		if (rev & POLLNVAL) {
			free(fds);
			return fail(EBADF);
		}
		if (r && FD_ISSET(fd, r) && !(rev & (POLLIN | POLLRDNORM | POLLHUP | POLLERR)))
			FD_CLR(fd, r);
		if (w && FD_ISSET(fd, w) && !(rev & (POLLOUT | POLLWRNORM | POLLERR)))
			FD_CLR(fd, w);
		if (e && FD_ISSET(fd, e) && !(rev & POLLPRI))
			FD_CLR(fd, e);
		ret += (r && FD_ISSET(fd, r)) + (w && FD_ISSET(fd, w)) + (e && FD_ISSET(fd, e));
	}
	free(fds);
	return ret;
}

EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	struct interposer *ip = get();
	struct timespec ts;
	int ret;

	if (timeout)
		ts = (struct timespec){timeout->tv_sec, timeout->tv_usec * 1000};
	ret = select_common(ip, nfds, r, w, e, timeout ? &ts : NULL, NULL);
	return ret == -2 ? ip->libc.select(nfds, r, w, e, timeout) : ret;
}

EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
		   const sigset_t *sigmask)
{
	struct interposer *ip = get();
	int ret = select_common(ip, nfds, r, w, e, timeout, sigmask);

	return ret == -2 ? ip->libc.pselect(nfds, r, w, e, timeout, sigmask) : ret;
}

/* ---- the stat family: a character device with the V4L2 major ---- */

static int stat_common(int dirfd, const char *path, struct stat *sb, int flags)
{
	struct interposer *ip = get();
	int dev = device_at(ip, dirfd, path);

	if (dev < 0 && path && !path[0] && (flags & AT_EMPTY_PATH))
		dev = v4l2c_fd_device(&ip->st, dirfd);
	if (dev < 0)
		return ip->libc.fstatat(dirfd, path, sb, flags);
	v4l2c_fill_stat(&ip->st, (unsigned)dev, sb);
	return 0;
}

static int fstat_common(int fd, struct stat *sb)
{
	struct interposer *ip = get();
	int dev = v4l2c_fd_device(&ip->st, fd);

	if (dev < 0)
		return ip->libc.fstatat(fd, "", sb, AT_EMPTY_PATH);
	v4l2c_fill_stat(&ip->st, (unsigned)dev, sb);
	return 0;
}

EXPORT int stat(const char *path, struct stat *sb)
{
	return stat_common(AT_FDCWD, path, sb, 0);
}

EXPORT int stat64(const char *path, struct stat64 *sb)
{
	return stat_common(AT_FDCWD, path, (struct stat *)sb, 0);
}

EXPORT int lstat(const char *path, struct stat *sb)
{
	return stat_common(AT_FDCWD, path, sb, AT_SYMLINK_NOFOLLOW);
}

EXPORT int lstat64(const char *path, struct stat64 *sb)
{
	return stat_common(AT_FDCWD, path, (struct stat *)sb, AT_SYMLINK_NOFOLLOW);
}

EXPORT int fstat(int fd, struct stat *sb)
{
	return fstat_common(fd, sb);
}

EXPORT int fstat64(int fd, struct stat64 *sb)
{
	return fstat_common(fd, (struct stat *)sb);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *sb, int flags)
{
	return stat_common(dirfd, path, sb, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *sb, int flags)
{
	return stat_common(dirfd, path, (struct stat *)sb, flags);
}

/* Binaries built against glibc before 2.33 call these; on x86-64 the struct is the same. */
int __xstat(int ver, const char *path, struct stat *sb);
int __xstat64(int ver, const char *path, struct stat64 *sb);
int __lxstat(int ver, const char *path, struct stat *sb);
int __lxstat64(int ver, const char *path, struct stat64 *sb);
int __fxstat(int ver, int fd, struct stat *sb);
int __fxstat64(int ver, int fd, struct stat64 *sb);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *sb, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *sb, int flags);

EXPORT int __xstat(int ver, const char *path, struct stat *sb)
{
	return stat_common(AT_FDCWD, path, sb, 0);
}

EXPORT int __xstat64(int ver, const char *path, struct stat64 *sb)
{
	return stat_common(AT_FDCWD, path, (struct stat *)sb, 0);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *sb)
{
	return stat_common(AT_FDCWD, path, sb, AT_SYMLINK_NOFOLLOW);
}

EXPORT int __lxstat64(int ver, const char *path, struct stat64 *sb)
{
	return stat_common(AT_FDCWD, path, (struct stat *)sb, AT_SYMLINK_NOFOLLOW);
}

EXPORT int __fxstat(int ver, int fd, struct stat *sb)
{
	return fstat_common(fd, sb);
}

EXPORT int __fxstat64(int ver, int fd, struct stat64 *sb)
{
	return fstat_common(fd, (struct stat *)sb);
}

EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *sb, int flags)
{
	return stat_common(dirfd, path, sb, flags);
}

EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *sb, int flags)
{
	return stat_common(dirfd, path, (struct stat *)sb, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	struct interposer *ip = get();
	int dev = device_at(ip, dirfd, path);
	struct stat sb;

	if (dev < 0 && !path[0] && (flags & AT_EMPTY_PATH))
		dev = v4l2c_fd_device(&ip->st, dirfd);
	if (dev < 0) {
		if (!ip->libc.statx)
			return fail(ENOSYS);
		return ip->libc.statx(dirfd, path, flags, mask, stx);
	}
	v4l2c_fill_stat(&ip->st, (unsigned)dev, &sb);
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (uint32_t)sb.st_blksize;
	stx->stx_nlink = (uint32_t)sb.st_nlink;
	stx->stx_uid = sb.st_uid;
	stx->stx_gid = sb.st_gid;
	stx->stx_mode = (uint16_t)sb.st_mode;
	stx->stx_ino = sb.st_ino;
	stx->stx_atime.tv_sec = sb.st_atim.tv_sec;
	stx->stx_mtime.tv_sec = sb.st_mtim.tv_sec;
	stx->stx_ctime.tv_sec = sb.st_ctim.tv_sec;
	stx->stx_rdev_major = major(sb.st_rdev);
	stx->stx_rdev_minor = minor(sb.st_rdev);
	stx->stx_dev_major = major(sb.st_dev);
	stx->stx_dev_minor = minor(sb.st_dev);
	return 0;
}

/* access(): the emulated node is there, readable and writable. */
EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct interposer *ip = get();

	if (device_at(ip, dirfd, path) >= 0)
		return (mode & X_OK) ? fail(EACCES) : 0;
	return ip->libc.faccessat(dirfd, path, mode, flags);
}

EXPORT int access(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, 0);
}

/*
 * The sysfs uevent of an emulated device: tools (v4l-utils' media-info)
 * read DEVNAME from /sys/dev/char/MAJOR:MINOR/uevent to learn what a node is.
 */
static FILE *uevent_file(struct interposer *ip, const char *path)
{
	if (!ip->active || !path || strncmp(path, "/sys/dev/char/", 14) != 0)
		return NULL;
	for (unsigned i = 0; i < ip->st.device_count; i++) {
		const struct v4l2c_device *dev = &ip->st.devices[i];
		const char *name = strrchr(dev->path, '/');
		char want[64], text[400], devname[256];
		FILE *f;
		int fd, n;

		snprintf(want, sizeof(want), "/sys/dev/char/%u:%u/uevent", major(dev->rdev),
			 minor(dev->rdev));
		if (strcmp(path, want) != 0)
			continue;
		/* A real fd behind the FILE: libstdc++ reads streams through fileno(). */
		fd = memfd_create("pinhole-v4l2-uevent", MFD_CLOEXEC);
		if (fd < 0)
			return NULL;
		/* The kernel's name for the node, whatever path the program uses. */
		if (name && strncmp(name + 1, "video", 5) == 0 && isdigit((unsigned char)name[6]))
			snprintf(devname, sizeof(devname), "%s", name + 1);
		else
			snprintf(devname, sizeof(devname), "video%u", minor(dev->rdev));
		n = snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\n",
			     major(dev->rdev), minor(dev->rdev), devname);
		if (n <= 0 || write(fd, text, (size_t)n) != n || lseek(fd, 0, SEEK_SET) != 0 ||
		    !(f = fdopen(fd, "r"))) {
			ip->st.sys.close(fd);
			return NULL;
		}
		return f;
	}
	return NULL;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	struct interposer *ip = get();
	FILE *f = uevent_file(ip, path);

	return f ? f : ip->libc.fopen(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	struct interposer *ip = get();
	FILE *f = uevent_file(ip, path);

	return f ? f : ip->libc.fopen64(path, mode);
}
