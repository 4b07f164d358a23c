/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/dma-buf.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pipeline/v4l2/v4l2-camera.h"
#include "pipeline/v4l2/v4l2-ctrls.h"

static enum v4l2_memory queue_memory(const struct ph_v4l2_queue *q)
{
	return q->mode == PH_V4L2_QUEUE_DMABUF ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
}

void ph_v4l2_queue_init(struct ph_v4l2_queue *q, struct ph_camera *camera,
			ph_v4l2_frame_func on_frame, ph_v4l2_error_func on_error, void *data)
{
	memset(q, 0, sizeof(*q));
	for (unsigned i = 0; i < PH_V4L2_MAX_SLOTS; i++)
		q->slots[i] = (struct ph_v4l2_slot){.dmabuf_fd = -1, .request_fd = -1};
	q->camera = camera;
	q->on_frame = on_frame;
	q->on_error = on_error;
	q->data = data;
}

static void unmap_slots(struct ph_v4l2_queue *q)
{
	for (unsigned i = 0; i < q->slot_count; i++) {
		struct ph_v4l2_slot *s = &q->slots[i];

		if (s->map)
			munmap(s->map, s->map_length);
		if (s->dmabuf_fd >= 0)
			close(s->dmabuf_fd);
		if (s->request_fd >= 0)
			close(s->request_fd);
		*s = (struct ph_v4l2_slot){.dmabuf_fd = -1, .request_fd = -1};
	}
	q->slot_count = 0;
}

void ph_v4l2_queue_reset(struct ph_v4l2_queue *q)
{
	unsigned zero = 0;

	ph_v4l2_queue_stop(q);
	if (q->dev && q->mode != PH_V4L2_QUEUE_NONE)
		ph_v4l2_request_buffers(q->dev, &zero, queue_memory(q));
	unmap_slots(q);
	q->mode = PH_V4L2_QUEUE_NONE;
	q->orphaned = false;
}

int ph_v4l2_queue_export(struct ph_v4l2_queue *q, struct ph_stream *stream, unsigned count)
{
	uint32_t first = 0;
	unsigned n = count;
	int ret;

	if (q->mode == PH_V4L2_QUEUE_INTERNAL)
		return -EINVAL;
	if (q->orphaned || q->mode == PH_V4L2_QUEUE_DMABUF) {
		/* Imported buffers switched the queue to DMABUF: keep it so, with
		 * exported buffers re-imported. Start the exports from scratch. */
		ph_v4l2_queue_reset(q);
		q->orphaned = true;
	}
	if (q->slot_count + count > PH_V4L2_MAX_SLOTS)
		return -ENOSPC;
	ret = ph_v4l2_create_buffers(q->dev, &n, &first);
	if (ret < 0)
		return ret;
	if (n == 0 || first + n > PH_V4L2_MAX_SLOTS)
		return -ENOMEM;
	q->mode = PH_V4L2_QUEUE_EXPORT;
	for (unsigned i = 0; i < n; i++) {
		int fd = ph_v4l2_export_buffer(q->dev, first + i);
		struct ph_buffer *buf = fd >= 0 ? ph_buffer_new_fd(stream, fd) : NULL;

		if (!buf || ph_stream_add_buffer(stream, buf) < 0) {
			ph_buffer_free(buf);
			return i > 0 ? (int)i : fd < 0 ? fd : -ENOMEM;
		}
		q->slots[first + i] =
			(struct ph_v4l2_slot){.buffer = buf, .dmabuf_fd = -1, .request_fd = -1};
		if (first + i + 1 > q->slot_count)
			q->slot_count = first + i + 1;
	}
	return (int)n;
}

int ph_v4l2_queue_internal(struct ph_v4l2_queue *q, unsigned count)
{
	unsigned n = count;
	int ret;

	ph_v4l2_queue_reset(q);
	ret = ph_v4l2_request_buffers(q->dev, &n, V4L2_MEMORY_MMAP);
	if (ret < 0)
		return ret;
	if (n == 0 || n > PH_V4L2_MAX_SLOTS)
		return -ENOMEM;
	q->mode = PH_V4L2_QUEUE_INTERNAL;
	for (unsigned i = 0; i < n; i++) {
		struct ph_v4l2_slot *s = &q->slots[i];
		uint32_t offset, length;

		*s = (struct ph_v4l2_slot){.dmabuf_fd = -1, .request_fd = -1};
		q->slot_count = i + 1;
		ret = ph_v4l2_query_buffer(q->dev, i, &offset, &length);
		if (ret < 0)
			return ret;
		s->map = mmap(NULL, length, PROT_READ, MAP_SHARED, q->dev->fd, offset);
		if (s->map == MAP_FAILED) {
			s->map = NULL;
			return -errno;
		}
		s->map_length = length;
		/* An exported fd only for cache sync around CPU reads. */
		s->dmabuf_fd = ph_v4l2_export_buffer(q->dev, i);
	}
	return 0;
}

int ph_v4l2_queue_prepare(struct ph_v4l2_queue *q, struct ph_stream *stream)
{
	bool imported = false;
	unsigned n = stream->buffer_count;
	int ret;

	if (q->mode == PH_V4L2_QUEUE_INTERNAL)
		return 0;
	for (unsigned i = 0; i < stream->buffer_count; i++) {
		bool found = false;

		for (unsigned s = 0; s < q->slot_count && !found; s++)
			found = q->slots[s].buffer == stream->buffers[i];
		imported |= !found;
	}
	if (!imported && !q->orphaned && q->mode == PH_V4L2_QUEUE_EXPORT)
		return 0;
	if (n > PH_V4L2_MAX_SLOTS)
		n = PH_V4L2_MAX_SLOTS;
	/* Dropping MMAP buffers orphans them: their exported dma-bufs live on. */
	ph_v4l2_queue_reset(q);
	ret = ph_v4l2_request_buffers(q->dev, &n, V4L2_MEMORY_DMABUF);
	if (ret < 0)
		return ret;
	q->mode = PH_V4L2_QUEUE_DMABUF;
	q->orphaned = true;
	for (unsigned i = 0; i < n && i < stream->buffer_count; i++)
		q->slots[i] = (struct ph_v4l2_slot){
			.buffer = stream->buffers[i], .dmabuf_fd = -1, .request_fd = -1};
	q->slot_count = n < stream->buffer_count ? n : stream->buffer_count;
	return 0;
}

static void on_poll(struct ph_source *source, int fd, uint32_t events, void *data)
{
	struct ph_v4l2_queue *q = data;

	for (;;) {
		struct ph_v4l2_buffer b = {0};
		int ret = ph_v4l2_dqbuf(q->dev, &b, queue_memory(q));

		if (ret == -EAGAIN)
			return;
		if (ret < 0) {
			q->on_error(q->data, ret == -ENODEV || ret == -ENXIO ? -ENODEV : ret);
			return;
		}
		if (b.index >= q->slot_count)
			continue;
		q->slots[b.index].queued = false;
		q->on_frame(q->data, b.index, &b);
		if (!q->streaming)
			return; /* the callback stopped or removed the camera */
	}
}

static int watch(struct ph_v4l2_queue *q)
{
	if (q->source)
		return 0;
	q->source = ph_loop_add_fd(ph_context_get_loop(q->camera->ctx), q->dev->fd, EPOLLIN,
				   on_poll, q);
	return q->source ? 0 : -errno;
}

void ph_v4l2_queue_use_requests(struct ph_v4l2_queue *q, struct ph_media_device *media)
{
	q->media = media;
	q->use_requests = media && (q->dev->buf_caps & V4L2_BUF_CAP_SUPPORTS_REQUESTS);
	if (q->use_requests)
		ph_dbg(q->camera->ctx, "%s: per-frame controls through media requests\n",
		       q->camera->id);
}

/* The slot's media request, ready to fill: allocated once, re-initialised after use. */
static int slot_request(struct ph_v4l2_queue *q, struct ph_v4l2_slot *s)
{
	if (s->request_fd >= 0)
		return ph_media_request_reinit(s->request_fd) < 0 ? -EBUSY : s->request_fd;
	s->request_fd = ph_media_request_alloc(q->media);
	return s->request_fd;
}

int ph_v4l2_queue_buffer(struct ph_v4l2_queue *q, struct ph_buffer *buffer, void *owner,
			 struct ph_v4l2_ctrls *ctrls, const struct ph_control_list *controls)
{
	struct ph_v4l2_buffer b = {.memory = queue_memory(q), .dmabuf_fd = -1, .request_fd = -1};
	unsigned i;
	int ret;

	for (i = 0; i < q->slot_count; i++) {
		if (buffer ? q->slots[i].buffer == buffer : !q->slots[i].queued)
			break;
	}
	if (i == q->slot_count)
		return buffer ? -EINVAL : -ENOBUFS;
	if (q->slots[i].queued)
		return -EBUSY;
	b.index = i;
	if (q->mode == PH_V4L2_QUEUE_DMABUF)
		b.dmabuf_fd = buffer->planes[0].fd;
	if (q->use_requests) {
		b.request_fd = slot_request(q, &q->slots[i]);
		if (b.request_fd < 0)
			return b.request_fd;
		if (ctrls && controls &&
		    (ret = ph_v4l2_ctrls_apply(ctrls, q->dev->fd, controls, b.request_fd)) < 0)
			return ret;
	}
	ret = ph_v4l2_qbuf(q->dev, &b);
	if (ret < 0)
		return ret;
	if (b.request_fd >= 0 && (ret = ph_media_request_queue(b.request_fd)) < 0)
		return ret; /* the buffer stays with the unqueued request until STREAMOFF */
	q->slots[i].queued = true;
	q->slots[i].owner = owner;
	/* Watched from the first queued buffer: before it, vb2 polls as an error. */
	ret = q->streaming ? watch(q) : 0;
	return ret < 0 ? ret : (int)i;
}

int ph_v4l2_queue_start(struct ph_v4l2_queue *q)
{
	int ret = ph_v4l2_stream_on(q->dev);
	bool any = false;

	if (ret < 0)
		return ret;
	q->streaming = true;
	for (unsigned i = 0; i < q->slot_count; i++)
		any |= q->slots[i].queued;
	if (any && (ret = watch(q)) < 0) {
		ph_v4l2_queue_stop(q);
		return ret;
	}
	return 0;
}

void ph_v4l2_queue_stop(struct ph_v4l2_queue *q)
{
	if (q->source) {
		ph_loop_remove(q->source);
		q->source = NULL;
	}
	if (q->streaming && q->dev)
		ph_v4l2_stream_off(q->dev); /* returns every queued buffer */
	q->streaming = false;
	for (unsigned i = 0; i < q->slot_count; i++) {
		q->slots[i].queued = false;
		q->slots[i].owner = NULL;
	}
}

void ph_v4l2_queue_cpu_access(struct ph_v4l2_queue *q, unsigned slot, bool begin)
{
	struct dma_buf_sync sync = {.flags = DMA_BUF_SYNC_READ |
					     (begin ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END)};

	if (slot < q->slot_count && q->slots[slot].dmabuf_fd >= 0)
		ph_v4l2_ioctl(q->slots[slot].dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}
