/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The V4L2 compatibility layer: Pinhole cameras answering as V4L2 capture
 * devices. map.c translates formats and controls (pure tables), device.c
 * implements the device files and their ioctls on the public API only, and
 * interpose.c is the LD_PRELOAD front that routes libc calls here.
 *
 * Locking: every device and file hangs off one struct v4l2c_state, guarded
 * by its `lock`. libpinhole is called only with `lock` held; it calls libc
 * (close, mmap, poll...) itself, which lands in the interposer again, so
 * the interposer's fast paths (is this fd or path ours?) never take `lock`:
 * the fd table is an array of atomics. Mappings are tracked under their own
 * `map_lock`, taken inside `lock` or alone, never the other way round.
 */

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <linux/videodev2.h>

#include <pinhole/pinhole.h>

#define V4L2C_MAX_DEVICES  8
#define V4L2C_MAX_BUFFERS  32
#define V4L2C_MIN_BUFFERS  2
#define V4L2C_READ_BUFFERS 4 /* buffers behind read() I/O */
#define V4L2C_MAX_FDS	   4096
#define V4L2C_MAX_FORMATS  32
#define V4L2C_MAX_EVENTS   32

/* ---- map.c: formats ---- */

struct v4l2c_format {
	uint32_t fourcc; /* V4L2 and Pinhole alike: Pinhole formats are V4L2 fourccs */
	const char *description;
};

/** @return the table entry for V4L2 fourcc @p fourcc, or NULL if not exposed. */
const struct v4l2c_format *v4l2c_format_find(uint32_t fourcc);

/** Fill the colour space fields of @p pix from a Pinhole colour space. */
void v4l2c_colorspace_to_v4l2(enum ph_colorspace cs, struct v4l2_pix_format *pix);

/* ---- map.c: controls ---- */

/* How a V4L2 control value relates to Pinhole's control(s). */
enum v4l2c_ctrl_kind {
	V4L2C_KIND_CLASS,	  /* a control class marker */
	V4L2C_KIND_SCALED,	  /* v4l2 = round(pinhole[element] * scale) */
	V4L2C_KIND_BOOL,	  /* the same boolean */
	V4L2C_KIND_AUTO_EXPOSURE, /* menu: 0 auto (AeEnable), 1 manual */
	V4L2C_KIND_METERING,	  /* menu: v4l2 = pinhole + 1 (no "average" mode) */
	V4L2C_KIND_POWER_LINE,	  /* menu: AeFlickerMode + AeFlickerPeriod */
	V4L2C_KIND_MENU,	  /* menu: the same integer */
	V4L2C_KIND_EV_MENU,	  /* integer menu of mEV: ExposureValue */
};

/* Which automatic mode makes a control inactive. */
enum v4l2c_ctrl_auto {
	V4L2C_AUTO_NONE,
	V4L2C_AUTO_AE,
	V4L2C_AUTO_AWB,
};

struct v4l2c_ctrl_map {
	uint32_t cid;
	uint32_t type; /* V4L2_CTRL_TYPE_* */
	const char *name;
	enum v4l2c_ctrl_kind kind;
	uint32_t ph_id; /* the Pinhole control (0 for classes) */
	unsigned element;
	double scale;
	enum v4l2c_ctrl_auto inactive_when;
	const char *const *menu; /* names, NULL-terminated (menus) */
	const int64_t *int_menu; /* values (integer menus) */
	unsigned int_menu_count;
};

/** @return the number of entries in the control table (sorted by cid). */
unsigned v4l2c_ctrl_count(void);
/** @return the @p index-th control table entry. */
const struct v4l2c_ctrl_map *v4l2c_ctrl_at(unsigned index);
/** @return the table index of @p cid, or -1. */
int v4l2c_ctrl_index(uint32_t cid);

/** V4L2 range of a control, derived from a camera's control info. */
struct v4l2c_ctrl_range {
	int32_t min, max, step, def;
	uint64_t menu_skip_mask; /* menu indices inside min..max that do not exist */
};

/**
 * Derive the V4L2 range of control @p map on a camera from its Pinhole
 * info (@p info for map->ph_id). @return 0, or -ENOENT if the camera lacks it.
 */
int v4l2c_ctrl_range(const struct v4l2c_ctrl_map *map, const struct ph_control_info *info,
		     struct v4l2c_ctrl_range *range);

/**
 * Convert V4L2 @p value of @p map into Pinhole controls added to @p list.
 * @return 0 or a negative errno.
 */
int v4l2c_ctrl_to_pinhole(const struct v4l2c_ctrl_map *map, int32_t value,
			  struct ph_control_list *list);

/**
 * Read the V4L2 value of @p map out of Pinhole @p metadata.
 * @return 0, or -ENOENT if the metadata does not hold it.
 */
int v4l2c_ctrl_from_pinhole(const struct v4l2c_ctrl_map *map,
			    const struct ph_control_list *metadata, int32_t *value);

/* ---- device.c ---- */

/* Real libc functions, reached past the interposer. */
struct v4l2c_sys {
	int (*open)(const char *path, int flags, ...);
	int (*close)(int fd);
	int (*fcntl)(int fd, int cmd, ...);
	void *(*mmap)(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
	int (*ppoll)(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		     const sigset_t *sigmask);
	ssize_t (*read)(int fd, void *buf, size_t count);
	int (*munmap)(void *addr, size_t length);
};

enum v4l2c_buf_state {
	V4L2C_BUF_DEQUEUED = 0, /* with the application */
	V4L2C_BUF_QUEUED,	/* queued: waiting for STREAMON or in the camera */
	V4L2C_BUF_DONE,		/* filled, waiting for DQBUF */
};

struct v4l2c_buffer {
	struct ph_buffer *buffer; /* owned by the stream */
	struct ph_request *request;
	enum v4l2c_buf_state state;
	bool in_camera;	 /* its request is queued to the camera */
	uint64_t serial; /* identifies its memory among all buffers ever made */
	int fd;		 /* the frame memfd, borrowed from the buffer */
	uint32_t length; /* bytes of one frame */
	uint32_t bytesused;
	uint32_t sequence;
	uint32_t flags; /* V4L2_BUF_FLAG_ERROR */
	struct timeval timestamp;
	size_t read_pos;	 /* read() I/O: bytes already returned */
	const uint8_t *read_map; /* read() I/O: the frame, mapped by us */
};

struct v4l2c_format_entry {
	uint32_t fourcc;
	enum ph_stream_role role;
	struct ph_size_range sizes;
};

enum v4l2c_io {
	V4L2C_IO_NONE = 0,
	V4L2C_IO_MMAP,
	V4L2C_IO_READ,
};

struct v4l2c_file;

struct v4l2c_device {
	unsigned index;
	char path[256];
	char camera_id[128];
	dev_t rdev;

	/* Filled when the context is created. */
	struct ph_camera *camera; /* a reference of ours */
	bool probed;
	struct v4l2c_format_entry formats[V4L2C_MAX_FORMATS];
	unsigned format_count;
	char card[32];

	bool acquired;
	struct v4l2_pix_format fmt; /* the current format */
	struct v4l2_fract interval; /* the current frame interval */

	int32_t ctrl_values[64];
	bool ctrl_present[64];
	struct v4l2c_ctrl_range ctrl_ranges[64];
	bool interval_pending;		 /* the frame interval changed while streaming */
	struct v4l2_fract intervals[16]; /* the discrete frame intervals offered */
	unsigned interval_count;
	uint64_t ctrl_pending; /* bits of controls changed since the last request */

	unsigned prio_count[V4L2_PRIORITY_RECORD + 1];
	struct v4l2c_file *files; /* every open file of the device */

	struct v4l2c_file *owner; /* the file that holds the buffers */
	enum v4l2c_io io;
	struct ph_stream *stream;
	struct v4l2c_buffer bufs[V4L2C_MAX_BUFFERS];
	unsigned buf_count;
	unsigned done[V4L2C_MAX_BUFFERS]; /* FIFO of DONE buffer indices */
	unsigned done_head, done_count;
	bool streaming;
	bool waiting_for_buffers; /* no QBUF since REQBUFS/STREAMON */
	bool have_first_sequence;
	uint32_t first_sequence;
	int error; /* negative errno once the camera failed or left */
};

struct v4l2c_file {
	struct v4l2c_device *dev;
	struct v4l2c_file *next; /* in dev->files */
	int signal_fd;		 /* eventfd; the application's fds are dups of it */
	unsigned fd_refs;
	bool nonblock;
	bool signalled; /* signal_fd's counter is non-zero */
	enum v4l2_priority prio;
	/* Subscribed control events and the pending queue. */
	uint32_t event_subs[64]; /* V4L2_EVENT_SUB_FL_* + 1 per control; 0 not subscribed */
	struct v4l2_event events[V4L2C_MAX_EVENTS];
	unsigned event_head, event_count;
	uint32_t event_sequence;
};

struct v4l2c_mapping {
	void *addr;
	size_t length;
	uint64_t serial;
};

/*
 * Everything the layer knows. One per process under LD_PRELOAD (the
 * interposer's only global); unit tests make their own.
 */
struct v4l2c_state {
	struct v4l2c_sys sys;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast on every buffer or stream change */
	struct ph_context *ctx;
	int ctx_error;
	struct v4l2c_device devices[V4L2C_MAX_DEVICES];
	unsigned device_count;
	_Atomic(struct v4l2c_file *) fds[V4L2C_MAX_FDS];
	uint64_t next_serial;
	uint32_t kernel_version; /* QUERYCAP reports the running kernel's, as drivers do */

	/* Dispatches the context while any device streams. */
	pthread_t worker;
	bool worker_running;
	bool worker_stop;
	int wake_fd;

	pthread_mutex_t map_lock;
	struct v4l2c_mapping *maps;
	unsigned map_count, map_capacity;
};

/**
 * Set up @p st for the devices in @p spec: "PATH=CAMERA[,PATH=CAMERA...]".
 * No camera is touched until a device is opened. @return 0 or -EINVAL.
 */
int v4l2c_state_init(struct v4l2c_state *st, const struct v4l2c_sys *sys, const char *spec);
/** Close every file, stop the cameras, free everything. */
void v4l2c_state_fini(struct v4l2c_state *st);

/** @return the device index for @p path, or -1. Lock-free. */
int v4l2c_find_path(const struct v4l2c_state *st, const char *path);
/** @return true if @p fd is one of the emulated devices' fds. Lock-free. */
bool v4l2c_is_ours(struct v4l2c_state *st, int fd);
/** Fill @p sb as the character device of device @p index. */
void v4l2c_fill_stat(const struct v4l2c_state *st, unsigned index, struct stat *sb);
/** @return the device index of emulated @p fd, or -1. */
int v4l2c_fd_device(struct v4l2c_state *st, int fd);

/** Open device @p index with open(2) @p flags. @return an fd or a negative errno. */
int v4l2c_open(struct v4l2c_state *st, unsigned index, int flags);
/** Close emulated @p fd. @return 0 or a negative errno. */
int v4l2c_close(struct v4l2c_state *st, int fd);
/** Record that @p newfd (made by dup of @p oldfd) is the same file. @return 0 or -errno. */
int v4l2c_dup_register(struct v4l2c_state *st, int oldfd, int newfd);
/** fcntl F_GETFL / F_SETFL on emulated @p fd. @return flags or 0, or a negative errno. */
int v4l2c_fcntl_flags(struct v4l2c_state *st, int fd, int cmd, int flags);
/** A V4L2 ioctl on emulated @p fd. @return 0 or a negative errno. */
int v4l2c_ioctl(struct v4l2c_state *st, int fd, unsigned long request, void *arg);
/** read() I/O. @return bytes read or a negative errno. */
ssize_t v4l2c_read(struct v4l2c_state *st, int fd, void *buf, size_t count);
/** mmap of emulated @p fd at a QUERYBUF offset. @return the mapping, or MAP_FAILED with *err. */
void *v4l2c_mmap(struct v4l2c_state *st, void *addr, size_t length, int prot, int flags, int fd,
		 off_t offset, int *err);
/** Forget a mapping made by v4l2c_mmap() (called for every munmap). */
void v4l2c_munmap(struct v4l2c_state *st, void *addr);
/**
 * poll() over a set holding emulated fds. @p timeout NULL waits forever.
 * @return as ppoll(2), with -errno for errors.
 */
int v4l2c_poll(struct v4l2c_state *st, struct pollfd *fds, nfds_t nfds,
	       const struct timespec *timeout, const sigset_t *sigmask);
