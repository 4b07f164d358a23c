/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"

/* A stream never holds more buffers than this: a guard against runaway allocation. */
#define PH_MAX_BUFFERS 64

static struct ph_context *stream_ctx(const struct ph_stream *stream)
{
	return stream->camera->ctx;
}

/* Close each distinct fd once: planes may share one. */
static void close_fds(struct ph_buffer *buf)
{
	for (unsigned i = 0; i < buf->plane_count; i++) {
		bool seen = false;

		for (unsigned j = 0; j < i; j++)
			seen |= buf->planes[j].fd == buf->planes[i].fd;
		if (!seen && buf->planes[i].fd >= 0)
			close(buf->planes[i].fd);
	}
}

void ph_buffer_free(struct ph_buffer *buf)
{
	if (!buf)
		return;
	for (unsigned i = 0; i < buf->plane_count; i++)
		if (buf->maps[i] && buf->map_lengths[i]) /* 0: borrowed from another plane */
			munmap(buf->maps[i], buf->map_lengths[i]);
	close_fds(buf);
	free(buf);
}

struct ph_buffer *ph_buffer_new_memfd(struct ph_stream *stream)
{
	uint32_t size = 0;
	int fd;

	for (unsigned i = 0; i < stream->plane_count; i++)
		size = stream->layout[i].offset + stream->layout[i].length;

	fd = memfd_create("pinhole-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		ph_err(stream_ctx(stream), "cannot allocate a %u-byte frame buffer: %s\n", size,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* A sealed size lets whoever we hand the fd to trust it. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	return ph_buffer_new_fd(stream, fd);
}

struct ph_buffer *ph_buffer_new_fd(struct ph_stream *stream, int fd)
{
	struct ph_buffer *buf = calloc(1, sizeof(*buf));

	if (!buf) {
		close(fd);
		return NULL;
	}
	buf->stream = stream;
	buf->plane_count = stream->plane_count;
	for (unsigned i = 0; i < stream->plane_count; i++)
		buf->planes[i] =
			(struct ph_plane){fd, stream->layout[i].offset, stream->layout[i].length,
					  stream->layout[i].stride};
	return buf;
}

/* Tell the pipeline, while it still exists, that the buffers go. */
static void pipeline_free_buffers(struct ph_stream *stream)
{
	struct ph_camera *cam = stream->camera;

	if (stream->buffer_count && !cam->removed && cam->priv && cam->ops->free_buffers)
		cam->ops->free_buffers(stream);
}

void ph_stream_free(struct ph_stream *stream)
{
	if (!stream)
		return;
	pipeline_free_buffers(stream);
	for (unsigned i = 0; i < stream->buffer_count; i++)
		ph_buffer_free(stream->buffers[i]);
	free(stream->buffers);
	free(stream);
}

static int check_stream(const struct ph_stream *stream, const char *what)
{
	if (!stream) {
		ph_err(NULL, "%s: stream is NULL\n", what);
		return -EINVAL;
	}
	if (stream->camera->removed) {
		ph_err(stream_ctx(stream), "%s: camera %s has been removed\n", what,
		       stream->camera->id);
		return -ENODEV;
	}
	return 0;
}

int ph_stream_add_memfds(struct ph_stream *stream, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		struct ph_buffer *buf = ph_buffer_new_memfd(stream);

		if (!buf || ph_stream_add_buffer(stream, buf) < 0) {
			ph_buffer_free(buf);
			return i > 0 ? (int)i : -ENOMEM;
		}
	}
	return (int)count;
}

int ph_stream_add_buffer(struct ph_stream *stream, struct ph_buffer *buf)
{
	struct ph_buffer **n = realloc(stream->buffers, (stream->buffer_count + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	stream->buffers = n;
	n[stream->buffer_count++] = buf;
	return 0;
}

PH_EXPORT const struct ph_stream_config *ph_stream_get_config(const struct ph_stream *stream)
{
	return stream ? &stream->config : NULL;
}

PH_EXPORT int ph_stream_allocate_buffers(struct ph_stream *stream, unsigned count)
{
	int ret = check_stream(stream, "ph_stream_allocate_buffers");

	if (ret < 0)
		return ret;
	if (stream->camera->state == PH_CAMERA_RUNNING) {
		ph_err(stream_ctx(stream), "ph_stream_allocate_buffers: camera is running\n");
		return -EBUSY;
	}
	if (count == 0 || stream->buffer_count + count > PH_MAX_BUFFERS) {
		ph_err(stream_ctx(stream),
		       "ph_stream_allocate_buffers: %u buffers asked, a stream holds 1 to %d\n",
		       count, PH_MAX_BUFFERS);
		return -EINVAL;
	}
	if (stream->camera->ops->allocate_buffers) {
		ret = stream->camera->ops->allocate_buffers(stream, count);
		if (ret < 0)
			ph_err(stream_ctx(stream), "ph_stream_allocate_buffers: %s\n",
			       strerror(-ret));
		return ret;
	}
	return ph_stream_add_memfds(stream, count);
}

/* Size of what @fd refers to: st_size for memfds and files, the end for dma-bufs. */
static int64_t fd_size(int fd)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode))
		return st.st_size;
	end = lseek(fd, 0, SEEK_END);
	return end < 0 ? -errno : end;
}

PH_EXPORT struct ph_buffer *ph_stream_import_buffer(struct ph_stream *stream,
						    const struct ph_plane *planes,
						    unsigned plane_count)
{
	const char *what = "ph_stream_import_buffer";
	struct ph_buffer *buf;

	if (check_stream(stream, what) < 0)
		return NULL;
	if (!planes || plane_count != stream->plane_count) {
		ph_err(stream_ctx(stream), "%s: format %s needs %u planes, got %u\n", what,
		       ph_format_name(stream->config.pixel_format), stream->plane_count,
		       plane_count);
		return NULL;
	}
	if (stream->buffer_count >= PH_MAX_BUFFERS) {
		ph_err(stream_ctx(stream), "%s: stream already holds %d buffers\n", what,
		       PH_MAX_BUFFERS);
		return NULL;
	}
	for (unsigned i = 0; i < plane_count; i++) {
		const struct ph_plane *p = &planes[i];
		int64_t size = p->fd >= 0 ? fd_size(p->fd) : -EBADF;

		if (size < 0) {
			ph_err(stream_ctx(stream), "%s: plane %u: bad fd %d: %s\n", what, i, p->fd,
			       strerror((int)-size));
			return NULL;
		}
		if (p->stride != stream->layout[i].stride || p->length < stream->layout[i].length ||
		    (int64_t)p->offset + p->length > size) {
			ph_err(stream_ctx(stream),
			       "%s: plane %u (offset %u, length %u, stride %u, fd size %lld) does "
			       "not "
			       "fit the stream: needs length >= %u and stride %u\n",
			       what, i, p->offset, p->length, p->stride, (long long)size,
			       stream->layout[i].length, stream->layout[i].stride);
			return NULL;
		}
	}

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;
	buf->stream = stream;
	buf->plane_count = plane_count;
	for (unsigned i = 0; i < plane_count; i++) {
		buf->planes[i] = planes[i];
		buf->planes[i].fd = -1;
	}
	for (unsigned i = 0; i < plane_count; i++) {
		int fd = -1;

		/* Planes that share an fd share its duplicate too. */
		for (unsigned j = 0; j < i; j++)
			if (planes[j].fd == planes[i].fd)
				fd = buf->planes[j].fd;
		if (fd < 0)
			fd = fcntl(planes[i].fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			ph_err(stream_ctx(stream), "%s: cannot duplicate fd: %s\n", what,
			       strerror(errno));
			ph_buffer_free(buf);
			return NULL;
		}
		buf->planes[i].fd = fd;
	}
	if (stream->camera->ops->import_buffer) {
		int ret = stream->camera->ops->import_buffer(stream, buf);

		if (ret < 0) {
			ph_err(stream_ctx(stream), "%s: %s\n", what, strerror(-ret));
			ph_buffer_free(buf);
			return NULL;
		}
	}
	if (ph_stream_add_buffer(stream, buf) < 0) {
		ph_buffer_free(buf);
		return NULL;
	}
	return buf;
}

PH_EXPORT unsigned ph_stream_buffer_count(const struct ph_stream *stream)
{
	return stream ? stream->buffer_count : 0;
}

PH_EXPORT struct ph_buffer *ph_stream_buffer_at(const struct ph_stream *stream, unsigned index)
{
	return stream && index < stream->buffer_count ? stream->buffers[index] : NULL;
}

PH_EXPORT int ph_stream_free_buffers(struct ph_stream *stream)
{
	int ret = check_stream(stream, "ph_stream_free_buffers");

	if (ret < 0)
		return ret;
	for (unsigned i = 0; i < stream->buffer_count; i++) {
		if (stream->buffers[i]->request) {
			ph_err(stream_ctx(stream), "ph_stream_free_buffers: a buffer is queued\n");
			return -EBUSY;
		}
	}
	pipeline_free_buffers(stream);
	for (unsigned i = 0; i < stream->buffer_count; i++)
		ph_buffer_free(stream->buffers[i]);
	free(stream->buffers);
	stream->buffers = NULL;
	stream->buffer_count = 0;
	/* Requests may still point at the freed buffers: make them stale. */
	stream->camera->generation++;
	return 0;
}

PH_EXPORT struct ph_stream *ph_buffer_get_stream(const struct ph_buffer *buf)
{
	return buf ? buf->stream : NULL;
}

PH_EXPORT unsigned ph_buffer_plane_count(const struct ph_buffer *buf)
{
	return buf ? buf->plane_count : 0;
}

PH_EXPORT const struct ph_plane *ph_buffer_plane_at(const struct ph_buffer *buf, unsigned index)
{
	return buf && index < buf->plane_count ? &buf->planes[index] : NULL;
}

PH_EXPORT enum ph_buffer_status ph_buffer_get_status(const struct ph_buffer *buf)
{
	return buf ? buf->status : PH_BUFFER_IDLE;
}

PH_EXPORT uint32_t ph_buffer_get_sequence(const struct ph_buffer *buf)
{
	return buf ? buf->sequence : 0;
}

PH_EXPORT uint64_t ph_buffer_get_timestamp(const struct ph_buffer *buf)
{
	return buf ? buf->timestamp : 0;
}

PH_EXPORT uint32_t ph_buffer_get_bytes_used(const struct ph_buffer *buf, unsigned index)
{
	return buf && index < buf->plane_count ? buf->bytes_used[index] : 0;
}

void *ph_buffer_map_write(struct ph_buffer *buf, unsigned index)
{
	const struct ph_plane *p;
	size_t size = 0;
	void *map;

	if (!buf || index >= buf->plane_count)
		return NULL;
	if (buf->maps[index])
		return (uint8_t *)buf->maps[index] + buf->map_deltas[index];
	p = &buf->planes[index];
	/*
	 * Planes sharing an fd share one mapping from its start: some dma-buf
	 * exporters (videobuf2-vmalloc) ignore the offset of an mmap.
	 */
	for (unsigned j = 0; j < buf->plane_count; j++) {
		if (buf->planes[j].fd != p->fd)
			continue;
		if (buf->maps[j] && buf->map_lengths[j]) {
			buf->maps[index] = buf->maps[j]; /* borrowed: map_lengths stays 0 */
			buf->map_deltas[index] = p->offset;
			return (uint8_t *)buf->maps[index] + p->offset;
		}
		if ((size_t)buf->planes[j].offset + buf->planes[j].length > size)
			size = (size_t)buf->planes[j].offset + buf->planes[j].length;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (map == MAP_FAILED) {
		ph_err(buf->stream->camera->ctx, "cannot map a buffer plane: %s\n",
		       strerror(errno));
		return NULL;
	}
	buf->maps[index] = map;
	buf->map_lengths[index] = size;
	buf->map_deltas[index] = p->offset;
	return (uint8_t *)map + p->offset;
}

PH_EXPORT const void *ph_buffer_map(struct ph_buffer *buf, unsigned index)
{
	return ph_buffer_map_write(buf, index);
}
