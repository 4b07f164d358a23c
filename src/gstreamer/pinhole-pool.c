/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pinhole-pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>

#define MAX_PLANES 3

struct slot {
	guint n_memories;
	GstMemory *memories[MAX_PLANES]; /* parents, one per distinct fd, kept mapped */
	guint n_planes;
	gsize offsets[GST_VIDEO_MAX_PLANES]; /* of each plane in the concatenated memories */
	gint strides[GST_VIDEO_MAX_PLANES];
};

struct ph_gst_pool {
	gint refcount; /* the element's, plus one per frame handed out */
	GMutex lock;
	int event_fd;
	struct slot *slots;
	guint n_slots;
	GQueue released; /* GUINT_TO_POINTER(index + 1) */
	guint outstanding;
};

/* One frame downstream: its memories count down to the release. */
struct frame {
	struct ph_gst_pool *pool;
	guint index;
	gint memories_alive;
};

static void pool_free(struct ph_gst_pool *pool)
{
	for (guint i = 0; i < pool->n_slots; i++) {
		for (guint m = 0; m < pool->slots[i].n_memories; m++)
			gst_memory_unref(pool->slots[i].memories[m]);
	}
	g_free(pool->slots);
	g_queue_clear(&pool->released);
	if (pool->event_fd >= 0)
		close(pool->event_fd);
	g_mutex_clear(&pool->lock);
	g_free(pool);
}

void ph_gst_pool_unref(struct ph_gst_pool *pool)
{
	if (pool && g_atomic_int_dec_and_test(&pool->refcount))
		pool_free(pool);
}

int ph_gst_pool_get_fd(const struct ph_gst_pool *pool)
{
	return pool->event_fd;
}

static gboolean is_dmabuf(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return FALSE;
	target[n] = '\0';
	return g_str_has_prefix(target, "anon_inode:dmabuf") ||
	       g_str_has_prefix(target, "/dmabuf:");
}

/* The size of the file behind @fd: fstat for memfds, SEEK_END for dma-bufs. */
static off_t fd_size(int fd)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st) == 0 && st.st_size > 0)
		return st.st_size;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0)
		lseek(fd, 0, SEEK_SET);
	return end;
}

static gboolean wrap_slot(struct slot *slot, struct ph_buffer *buf, GstAllocator *fd_alloc,
			  GstAllocator *dmabuf_alloc, GError **error)
{
	int fds[MAX_PLANES];
	gsize sizes[MAX_PLANES];

	slot->n_planes = ph_buffer_plane_count(buf);
	if (slot->n_planes == 0 || slot->n_planes > MAX_PLANES) {
		g_set_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
			    "unexpected plane count %u", slot->n_planes);
		return FALSE;
	}
	for (guint p = 0; p < slot->n_planes; p++) {
		const struct ph_plane *plane = ph_buffer_plane_at(buf, p);
		guint m;

		for (m = 0; m < slot->n_memories && fds[m] != plane->fd; m++)
			;
		if (m == slot->n_memories) {
			int dup_fd = fcntl(plane->fd, F_DUPFD_CLOEXEC, 0);
			off_t size = dup_fd >= 0 ? fd_size(dup_fd) : -1;

			if (size <= 0) {
				int err = errno;

				if (dup_fd >= 0)
					close(dup_fd);
				g_set_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
					    "cannot wrap a frame buffer: %s", g_strerror(err));
				return FALSE;
			}
			/* The memory owns the duplicate: it stays valid after the camera is gone.
			 */
			slot->memories[m] =
				is_dmabuf(dup_fd)
					? gst_fd_allocator_alloc(dmabuf_alloc, dup_fd, (gsize)size,
								 GST_FD_MEMORY_FLAG_KEEP_MAPPED)
					: gst_fd_allocator_alloc(fd_alloc, dup_fd, (gsize)size,
								 GST_FD_MEMORY_FLAG_KEEP_MAPPED);
			if (!slot->memories[m]) {
				close(dup_fd);
				g_set_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
					    "cannot wrap a frame buffer");
				return FALSE;
			}
			fds[m] = plane->fd;
			sizes[m] = (gsize)size;
			slot->n_memories++;
		}
		slot->offsets[p] = plane->offset;
		for (guint before = 0; before < m; before++)
			slot->offsets[p] += sizes[before];
		slot->strides[p] = (gint)plane->stride;
	}
	return TRUE;
}

struct ph_gst_pool *ph_gst_pool_new(struct ph_stream *stream, GError **error)
{
	struct ph_gst_pool *pool = g_new0(struct ph_gst_pool, 1);
	GstAllocator *fd_alloc = gst_fd_allocator_new();
	GstAllocator *dmabuf_alloc = gst_dmabuf_allocator_new();
	gboolean ok = TRUE;

	pool->refcount = 1;
	g_mutex_init(&pool->lock);
	g_queue_init(&pool->released);
	pool->n_slots = ph_stream_buffer_count(stream);
	pool->slots = g_new0(struct slot, pool->n_slots);
	pool->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pool->event_fd < 0) {
		g_set_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, "eventfd: %s",
			    g_strerror(errno));
		ok = FALSE;
	}
	for (guint i = 0; ok && i < pool->n_slots; i++)
		ok = wrap_slot(&pool->slots[i], ph_stream_buffer_at(stream, i), fd_alloc,
			       dmabuf_alloc, error);
	gst_object_unref(fd_alloc);
	gst_object_unref(dmabuf_alloc);
	if (!ok) {
		pool_free(pool);
		return NULL;
	}
	return pool;
}

static void memory_released(gpointer data, GstMiniObject *memory)
{
	struct frame *frame = data;
	struct ph_gst_pool *pool = frame->pool;
	uint64_t one = 1;

	if (!g_atomic_int_dec_and_test(&frame->memories_alive))
		return;
	g_mutex_lock(&pool->lock);
	g_queue_push_tail(&pool->released, GUINT_TO_POINTER(frame->index + 1));
	pool->outstanding--;
	g_mutex_unlock(&pool->lock);
	/* Wake the streaming thread; a full counter is still readable, so ignore EAGAIN. */
	if (write(pool->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		GST_WARNING("cannot signal a released frame: %s", g_strerror(errno));
	g_free(frame);
	ph_gst_pool_unref(pool);
}

int ph_gst_pool_pop_released(struct ph_gst_pool *pool)
{
	gpointer p;
	uint64_t count;

	g_mutex_lock(&pool->lock);
	p = g_queue_pop_head(&pool->released);
	if (!p && read(pool->event_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		GST_WARNING("cannot read the release eventfd: %s", g_strerror(errno));
	g_mutex_unlock(&pool->lock);
	return p ? (int)GPOINTER_TO_UINT(p) - 1 : -1;
}

guint ph_gst_pool_outstanding(struct ph_gst_pool *pool)
{
	guint n;

	g_mutex_lock(&pool->lock);
	n = pool->outstanding;
	g_mutex_unlock(&pool->lock);
	return n;
}

GstBuffer *ph_gst_pool_wrap(struct ph_gst_pool *pool, guint index, GstVideoFormat format,
			    guint width, guint height, gsize frame_size)
{
	struct slot *slot;
	struct frame *frame;
	GstBuffer *buffer;

	g_return_val_if_fail(index < pool->n_slots, NULL);
	slot = &pool->slots[index];
	buffer = gst_buffer_new();
	frame = g_new0(struct frame, 1);
	frame->pool = pool;
	frame->index = index;
	frame->memories_alive = (gint)slot->n_memories;
	g_atomic_int_inc(&pool->refcount);
	g_mutex_lock(&pool->lock);
	pool->outstanding++;
	g_mutex_unlock(&pool->lock);
	for (guint m = 0; m < slot->n_memories; m++) {
		/* A read-only child: downstream cannot write into the camera's buffer. */
		gssize size = slot->n_memories == 1 && frame_size ? (gssize)frame_size : -1;
		GstMemory *child = gst_memory_share(slot->memories[m], 0, size);

		gst_mini_object_weak_ref(GST_MINI_OBJECT_CAST(child), memory_released, frame);
		gst_buffer_append_memory(buffer, child);
	}
	if (format != GST_VIDEO_FORMAT_UNKNOWN &&
	    !gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE, format, width,
					    height, slot->n_planes, slot->offsets, slot->strides)) {
		gst_buffer_unref(buffer); /* releases the frame */
		return NULL;
	}
	return buffer;
}
