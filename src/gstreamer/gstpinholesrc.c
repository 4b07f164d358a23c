/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pinholesrc: a live GStreamer source for Pinhole cameras.
 *
 * Threads: Pinhole is not thread-safe, so every Pinhole call is made
 * either by start()/stop()/set_caps() while the streaming thread is not
 * in create(), or by the streaming thread itself. create() polls the
 * context's fd, an eventfd signalled by unlock() and the pool's eventfd
 * signalled when downstream frees a frame; it dispatches the context and
 * queues released requests again. Downstream threads only touch the
 * pool's locked list (pinhole-pool.c) and the properties (object lock).
 */
#include "config.h"

#include "gstpinholesrc.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <gst/video/video.h>
#include <pinhole/pinhole.h>

#include "pinhole-caps.h"
#include "pinhole-pool.h"

GST_DEBUG_CATEGORY_STATIC(pinholesrc_debug);
#define GST_CAT_DEFAULT pinholesrc_debug

/* Buffers beyond what the camera needs queued, for downstream to hold. */
#define EXTRA_BUFFERS 2
/*
 * Requests the camera keeps queued in zero-copy mode: when downstream holds
 * so many frames that fewer would remain, the next frames are copied and
 * their requests go straight back, so the camera never starves (as
 * v4l2src's copy threshold does).
 */
#define MIN_QUEUED 2

enum {
	PROP_0,
	PROP_CAMERA,
	PROP_EXPOSURE_TIME,
	PROP_ANALOGUE_GAIN,
	PROP_AE_ENABLE,
	PROP_AWB_ENABLE,
	PROP_BRIGHTNESS,
	PROP_CONTRAST,
	PROP_SATURATION,
	N_PROPS
};

/* The control behind each control property. */
static const uint32_t prop_control[N_PROPS] = {
	[PROP_EXPOSURE_TIME] = PH_CONTROL_EXPOSURE_TIME,
	[PROP_ANALOGUE_GAIN] = PH_CONTROL_ANALOGUE_GAIN,
	[PROP_AE_ENABLE] = PH_CONTROL_AE_ENABLE,
	[PROP_AWB_ENABLE] = PH_CONTROL_AWB_ENABLE,
	[PROP_BRIGHTNESS] = PH_CONTROL_BRIGHTNESS,
	[PROP_CONTRAST] = PH_CONTROL_CONTRAST,
	[PROP_SATURATION] = PH_CONTROL_SATURATION,
};

/* Values of the control properties, as doubles (bools 0/1, ints exact). */
struct control_values {
	gdouble v[N_PROPS];
	guint mask; /* 1 << PROP_x: holds a value */
};

struct _GstPinholeSrc {
	GstPushSrc parent;

	/* Properties, under the object lock. */
	gchar *camera_name;
	struct control_values set;     /* what the user set */
	guint dirty;		       /* set and not yet sent to the camera */
	struct control_values applied; /* what the last frame was taken with */

	/* From start() to stop(). */
	struct ph_context *ctx;
	struct ph_camera *camera;
	GstCaps *probed_caps;
	struct ph_gst_preferred pref_processed, pref_raw;
	int control_fd; /* eventfd: unlock() wakes create() */
	gint flushing;
	gboolean removed;
	gchar *camera_error;

	/* From set_caps() to the next one or stop(). */
	struct ph_stream *stream;
	struct ph_request **requests; /* request i holds buffer i; its cookie is i */
	guint n_requests;
	struct ph_gst_pool *pool;
	gboolean bayer;
	GstVideoInfo vinfo;
	guint width, height;
	gsize frame_size;
	int64_t frame_duration_us;   /* asked for; 0: the camera's default */
	int64_t default_duration_us; /* the camera's default frame duration */
	gboolean layout_is_default;
	gboolean copy;
	gboolean running;
	GQueue done; /* completed requests not yet pushed */
	gboolean have_sequence;
	uint32_t next_sequence;
	GstClock *offset_clock; /* the clock offset was sampled on */
	GstClockTimeDiff monotonic_to_clock;
	uint64_t first_timestamp; /* without a clock, PTS counts from the first frame */
	gboolean have_first;
};

G_DEFINE_TYPE(GstPinholeSrc, gst_pinhole_src, GST_TYPE_PUSH_SRC)

static GParamSpec *properties[N_PROPS];

/* ---- properties ---- */

static void gst_pinhole_src_set_property(GObject *object, guint id, const GValue *value,
					 GParamSpec *pspec)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(object);
	gdouble v;

	GST_OBJECT_LOCK(self);
	switch (id) {
	case PROP_CAMERA:
		g_free(self->camera_name);
		self->camera_name = g_value_dup_string(value);
		GST_OBJECT_UNLOCK(self);
		return;
	case PROP_EXPOSURE_TIME:
		v = g_value_get_int(value);
		break;
	case PROP_ANALOGUE_GAIN:
	case PROP_BRIGHTNESS:
	case PROP_CONTRAST:
	case PROP_SATURATION:
		v = g_value_get_double(value);
		break;
	case PROP_AE_ENABLE:
	case PROP_AWB_ENABLE:
		v = g_value_get_boolean(value);
		break;
	default:
		GST_OBJECT_UNLOCK(self);
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		return;
	}
	/* Exposure time and gain 0 mean "automatic": nothing to send. */
	if ((id == PROP_EXPOSURE_TIME || id == PROP_ANALOGUE_GAIN) && v == 0) {
		self->set.mask &= ~(1u << id);
		self->dirty &= ~(1u << id);
	} else {
		self->set.v[id] = v;
		self->set.mask |= 1u << id;
		self->dirty |= 1u << id;
	}
	GST_OBJECT_UNLOCK(self);
}

static void gst_pinhole_src_get_property(GObject *object, guint id, GValue *value,
					 GParamSpec *pspec)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(object);
	gdouble v;

	if (id == PROP_CAMERA) {
		GST_OBJECT_LOCK(self);
		g_value_set_string(value, self->camera_name);
		GST_OBJECT_UNLOCK(self);
		return;
	}
	if (id <= PROP_CAMERA || id >= N_PROPS) {
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		return;
	}
	GST_OBJECT_LOCK(self);
	/* While streaming, what the last frame was taken with; else what was set. */
	if (self->applied.mask & (1u << id)) {
		v = self->applied.v[id];
	} else if (self->set.mask & (1u << id)) {
		v = self->set.v[id];
	} else {
		GST_OBJECT_UNLOCK(self);
		g_param_value_set_default(pspec, value);
		return;
	}
	GST_OBJECT_UNLOCK(self);
	if (G_VALUE_HOLDS_INT(value))
		g_value_set_int(value, (gint)v);
	else if (G_VALUE_HOLDS_BOOLEAN(value))
		g_value_set_boolean(value, v != 0);
	else
		g_value_set_double(value, v);
}

/* Put the control properties in @mask into @list. */
static void controls_to_list(const struct control_values *values, guint mask,
			     struct ph_control_list *list)
{
	for (guint id = PROP_EXPOSURE_TIME; id < N_PROPS; id++) {
		const struct ph_control_desc *desc = ph_control_desc_by_id(prop_control[id]);

		if (!(mask & values->mask & (1u << id)) || !desc)
			continue;
		if (desc->type == PH_CONTROL_TYPE_BOOL)
			ph_control_list_set_bool(list, desc->id, values->v[id] != 0);
		else if (desc->type == PH_CONTROL_TYPE_INT32)
			ph_control_list_set_int32(list, desc->id, (int32_t)values->v[id]);
		else if (desc->type == PH_CONTROL_TYPE_FLOAT)
			ph_control_list_set_float(list, desc->id, (float)values->v[id]);
	}
}

/* The changed control properties the camera supports, taken for the next request. */
static void take_dirty_controls(GstPinholeSrc *self, struct ph_control_list *list, gboolean all)
{
	struct control_values set;
	guint mask;

	GST_OBJECT_LOCK(self);
	set = self->set;
	mask = all ? self->set.mask : self->dirty;
	self->dirty = 0;
	GST_OBJECT_UNLOCK(self);
	for (guint id = PROP_EXPOSURE_TIME; id < N_PROPS; id++) {
		if ((mask & (1u << id)) &&
		    !ph_camera_find_control(self->camera, prop_control[id])) {
			GST_WARNING_OBJECT(self, "camera has no control %s: ignored",
					   ph_control_desc_by_id(prop_control[id])->name);
			mask &= ~(1u << id);
		}
	}
	controls_to_list(&set, mask, list);
}

/* ---- Pinhole context ---- */

static void log_handler(struct ph_context *ctx, enum ph_log_priority priority, void *data,
			const char *format, va_list args)
{
	GstPinholeSrc *self = data;
	GstDebugLevel level = priority <= PH_LOG_ERROR	   ? GST_LEVEL_ERROR
			      : priority <= PH_LOG_WARNING ? GST_LEVEL_WARNING
			      : priority <= PH_LOG_INFO	   ? GST_LEVEL_INFO
							   : GST_LEVEL_DEBUG;
	gchar *msg;

	if (level > gst_debug_category_get_threshold(pinholesrc_debug))
		return;
	msg = g_strdup_vprintf(format, args);
	g_strchomp(msg);
	GST_CAT_LEVEL_LOG(pinholesrc_debug, level, self, "pinhole: %s", msg);
	g_free(msg);
}

static void queue_request(GstPinholeSrc *self, guint index)
{
	struct ph_request *req = self->requests[index];
	int ret;

	ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS);
	take_dirty_controls(self, ph_request_get_controls(req), FALSE);
	ret = ph_camera_queue_request(self->camera, req);
	if (ret == -ENODEV)
		self->removed = TRUE;
	else if (ret < 0)
		GST_WARNING_OBJECT(self, "cannot queue a request: %s", g_strerror(-ret));
}

/* Take the context's events: completed requests, unplug, errors. */
static void handle_events(GstPinholeSrc *self)
{
	struct ph_event *ev;

	while ((ev = ph_context_next_event(self->ctx))) {
		struct ph_request *req = ph_event_get_request(ev);
		gboolean ours = ph_event_get_camera(ev) == self->camera;

		switch (ph_event_get_type(ev)) {
		case PH_EVENT_REQUEST_COMPLETED:
			if (!ours || !self->running ||
			    ph_request_get_status(req) != PH_REQUEST_COMPLETE)
				break; /* cancelled: the camera stopped or went away */
			if (ph_buffer_get_status(ph_request_find_buffer(req, self->stream)) ==
			    PH_BUFFER_SUCCESS) {
				g_queue_push_tail(&self->done, req);
			} else {
				GST_WARNING_OBJECT(self, "frame %u is corrupt: skipped",
						   ph_request_get_sequence(req));
				queue_request(self, (guint)ph_request_get_cookie(req));
			}
			break;
		case PH_EVENT_CAMERA_REMOVED:
			if (ours)
				self->removed = TRUE;
			break;
		case PH_EVENT_CAMERA_ERROR:
			if (ours && !self->camera_error)
				self->camera_error = g_strdup(ph_event_get_message(ev));
			break;
		default:
			break;
		}
		ph_event_free(ev);
	}
}

/* Stop the camera and forget the configured stream. */
static void teardown_stream(GstPinholeSrc *self)
{
	if (self->running) {
		ph_camera_stop(self->camera); /* cancels the queued requests */
		self->running = FALSE;
	}
	if (self->ctx)
		handle_events(self);
	g_queue_clear(&self->done);
	for (guint i = 0; i < self->n_requests; i++)
		ph_request_free(self->requests[i]);
	g_clear_pointer(&self->requests, g_free);
	self->n_requests = 0;
	g_clear_pointer(&self->pool, ph_gst_pool_unref);
	self->stream = NULL;
	gst_clear_object(&self->offset_clock);
	self->have_first = FALSE;
	self->have_sequence = FALSE;
}

static gboolean gst_pinhole_src_stop(GstBaseSrc *src);

static gboolean gst_pinhole_src_start(GstBaseSrc *src)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	struct ph_context_params params = {.size = sizeof(params)};
	const struct ph_control_info *fdl;
	struct ph_event *ev;
	GstCaps *caps;
	gchar *name;
	int ret;

	params.log_handler = log_handler;
	params.log_data = self;
	self->ctx = ph_context_new(&params);
	if (!self->ctx) {
		GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Cannot start Pinhole."),
				  ("ph_context_new failed"));
		return FALSE;
	}
	while ((ev = ph_context_next_event(self->ctx)))
		ph_event_free(ev);

	GST_OBJECT_LOCK(self);
	name = g_strdup(self->camera_name);
	self->applied.mask = 0;
	self->dirty = self->set.mask;
	GST_OBJECT_UNLOCK(self);
	self->camera = name && *name ? ph_context_get_camera(self->ctx, name)
				     : ph_context_camera_at(self->ctx, 0);
	if (!self->camera) {
		GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
				  ("Camera \"%s\" was not found.", name && *name ? name : "(any)"),
				  ("%u cameras present", ph_context_camera_count(self->ctx)));
		goto fail;
	}
	ph_camera_ref(self->camera);
	ret = ph_camera_acquire(self->camera);
	if (ret < 0) {
		if (ret == -EBUSY)
			GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
					  ("Camera %s is in use.", ph_camera_get_id(self->camera)),
					  (NULL));
		else
			GST_ELEMENT_ERROR(
				self, RESOURCE, OPEN_READ,
				("Cannot open camera %s.", ph_camera_get_id(self->camera)),
				("%s", g_strerror(-ret)));
		g_clear_pointer(&self->camera, ph_camera_unref);
		goto fail;
	}
	caps = ph_gst_probe_caps(self->camera, &self->pref_processed, &self->pref_raw);
	GST_OBJECT_LOCK(self);
	self->probed_caps = caps; /* get_caps() may run on another thread */
	GST_OBJECT_UNLOCK(self);
	if (!caps) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("Camera %s offers no format GStreamer can carry.",
				   ph_camera_get_id(self->camera)),
				  (NULL));
		goto fail;
	}
	GST_INFO_OBJECT(self, "camera %s offers %" GST_PTR_FORMAT, ph_camera_get_id(self->camera),
			self->probed_caps);
	fdl = ph_camera_find_control(self->camera, PH_CONTROL_FRAME_DURATION_LIMITS);
	self->default_duration_us = fdl ? fdl->def.i64[0] : 0;
	self->control_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (self->control_fd < 0) {
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, (NULL),
				  ("eventfd: %s", g_strerror(errno)));
		goto fail;
	}
	self->removed = FALSE;
	g_free(name);
	return TRUE;

fail:
	g_free(name);
	gst_pinhole_src_stop(src);
	return FALSE;
}

static gboolean gst_pinhole_src_stop(GstBaseSrc *src)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	GstCaps *caps;

	teardown_stream(self);
	if (self->camera) {
		ph_camera_release(self->camera); /* -ENODEV once unplugged: nothing to do */
		g_clear_pointer(&self->camera, ph_camera_unref);
	}
	if (self->ctx) {
		handle_events(self);
		g_clear_pointer(&self->ctx, ph_context_unref);
	}
	GST_OBJECT_LOCK(self);
	caps = self->probed_caps;
	self->probed_caps = NULL;
	GST_OBJECT_UNLOCK(self);
	gst_clear_caps(&caps);
	if (self->control_fd >= 0)
		close(self->control_fd);
	self->control_fd = -1;
	g_clear_pointer(&self->camera_error, g_free);
	return TRUE;
}

/* ---- negotiation ---- */

static GstCaps *gst_pinhole_src_get_caps(GstBaseSrc *src, GstCaps *filter)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	GstCaps *caps;

	/* Before start() the camera is not open: the template. */
	GST_OBJECT_LOCK(self);
	caps = self->probed_caps ? gst_caps_ref(self->probed_caps) : NULL;
	GST_OBJECT_UNLOCK(self);
	if (!caps)
		caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(src));
	if (filter) {
		GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);

		gst_caps_unref(caps);
		caps = both;
	}
	return caps;
}

/* Towards the camera's preferred size, rate and format for the role the caps imply. */
static GstCaps *gst_pinhole_src_fixate(GstBaseSrc *src, GstCaps *caps)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	GstStructure *s;
	const struct ph_gst_preferred *pref;
	const char *name;

	caps = gst_caps_truncate(gst_caps_make_writable(caps));
	s = gst_caps_get_structure(caps, 0);
	pref = gst_structure_has_name(s, "video/x-bayer") ? &self->pref_raw : &self->pref_processed;
	name = pref->fourcc ? ph_gst_format_name(pref->fourcc, NULL) : NULL;
	if (name && gst_structure_has_field(s, "format"))
		gst_structure_fixate_field_string(s, "format", name);
	if (pref->width) {
		gst_structure_fixate_field_nearest_int(s, "width", (gint)pref->width);
		gst_structure_fixate_field_nearest_int(s, "height", (gint)pref->height);
	}
	if (pref->fps_n > 0 && gst_structure_has_field(s, "framerate"))
		gst_structure_fixate_field_nearest_fraction(s, "framerate", pref->fps_n,
							    pref->fps_d);
	return GST_BASE_SRC_CLASS(gst_pinhole_src_parent_class)->fixate(src, caps);
}

/* Whether the camera's plane layout is the one GStreamer assumes without a GstVideoMeta. */
static gboolean layout_is_default(GstPinholeSrc *self)
{
	struct ph_buffer *buf = ph_stream_buffer_at(self->stream, 0);
	guint n = ph_buffer_plane_count(buf);

	if (self->bayer) {
		guint row = self->width * ph_gst_bayer_bytes_per_pixel(
						  ph_stream_get_config(self->stream)->pixel_format);

		return n == 1 && ph_buffer_plane_at(buf, 0)->stride == GST_ROUND_UP_4(row);
	}
	if (n != GST_VIDEO_INFO_N_PLANES(&self->vinfo))
		return FALSE;
	for (guint p = 0; p < n; p++) {
		const struct ph_plane *plane = ph_buffer_plane_at(buf, p);

		if (plane->fd != ph_buffer_plane_at(buf, 0)->fd ||
		    plane->offset != GST_VIDEO_INFO_PLANE_OFFSET(&self->vinfo, p) ||
		    (gint)plane->stride != GST_VIDEO_INFO_PLANE_STRIDE(&self->vinfo, p))
			return FALSE;
	}
	return TRUE;
}

static gboolean gst_pinhole_src_set_caps(GstBaseSrc *src, GstCaps *caps)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	struct ph_gst_stream_request want;
	struct ph_config *cfg;
	struct ph_stream_config *sc;
	enum ph_config_status status;
	GError *error = NULL;
	int ret, count;

	if (!self->camera)
		return FALSE;
	if (!ph_gst_caps_to_stream(caps, &want)) {
		GST_ERROR_OBJECT(self, "caps %" GST_PTR_FORMAT " are not a Pinhole stream", caps);
		return FALSE;
	}
	GST_INFO_OBJECT(self, "configuring %" GST_PTR_FORMAT, caps);
	/* Renegotiation: stop, reconfigure; create() starts again. */
	teardown_stream(self);

	cfg = ph_camera_generate_config(self->camera, &want.role, 1);
	if (!cfg) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot configure the camera."),
				  ("no configuration for role %s", ph_stream_role_name(want.role)));
		return FALSE;
	}
	sc = ph_config_stream_at(cfg, 0);
	sc->pixel_format = want.fourcc;
	sc->width = want.width;
	sc->height = want.height;
	sc->stride = 0;
	sc->colorspace = want.colorspace;
	status = ph_config_validate(cfg);
	if (status == PH_CONFIG_INVALID ||
	    (sc->adjusted & (PH_ADJUSTED_FORMAT | PH_ADJUSTED_SIZE | PH_ADJUSTED_COLORSPACE))) {
		GST_ERROR_OBJECT(self, "camera refuses %" GST_PTR_FORMAT ": %s", caps,
				 ph_config_get_message(cfg));
		ph_config_free(cfg);
		return FALSE;
	}
	ret = ph_camera_configure(self->camera, cfg);
	count = (int)sc->buffer_count + EXTRA_BUFFERS;
	self->frame_size = sc->frame_size;
	ph_config_free(cfg);
	if (ret < 0) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot configure the camera."),
				  ("%s", g_strerror(-ret)));
		return FALSE;
	}
	self->stream = ph_camera_stream_at(self->camera, 0);
	ret = ph_stream_allocate_buffers(self->stream, (unsigned)count);
	if (ret < 0) {
		GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT, ("Cannot allocate frame buffers."),
				  ("%s", g_strerror(-ret)));
		return FALSE;
	}
	self->n_requests = ph_stream_buffer_count(self->stream);
	self->requests = g_new0(struct ph_request *, self->n_requests);
	for (guint i = 0; i < self->n_requests; i++) {
		self->requests[i] = ph_camera_create_request(self->camera, i);
		if (!self->requests[i] ||
		    ph_request_add_buffer(self->requests[i], self->stream,
					  ph_stream_buffer_at(self->stream, i)) < 0) {
			GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot create requests."),
					  (NULL));
			return FALSE;
		}
	}
	self->pool = ph_gst_pool_new(self->stream, &error);
	if (!self->pool) {
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot wrap frame buffers."),
				  ("%s", error->message));
		g_error_free(error);
		return FALSE;
	}

	self->bayer = gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-bayer");
	gst_video_info_init(&self->vinfo);
	if (!self->bayer && !gst_video_info_from_caps(&self->vinfo, caps))
		return FALSE;
	self->width = want.width;
	self->height = want.height;
	self->frame_duration_us =
		want.fps_n > 0 ? (int64_t)gst_util_uint64_scale_round(1000000, (guint64)want.fps_d,
								      (guint64)want.fps_n)
			       : 0;
	self->layout_is_default = layout_is_default(self);
	self->copy = FALSE;
	return TRUE;
}

/* Zero copy when downstream reads GstVideoMeta or the layout is the default one. */
static gboolean gst_pinhole_src_decide_allocation(GstBaseSrc *src, GstQuery *query)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	gboolean meta = gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL);

	self->copy = !self->layout_is_default && (self->bayer || !meta);
	GST_INFO_OBJECT(self, "%s (downstream %s GstVideoMeta, camera layout %s)",
			self->copy ? "copying frames" : "zero copy", meta ? "reads" : "ignores",
			self->layout_is_default ? "default" : "padded");
	return TRUE;
}

static gboolean gst_pinhole_src_query(GstBaseSrc *src, GstQuery *query)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);

	if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
		/* Answered from values cached by start() and set_caps(): this may run on
		 * any thread, and Pinhole is only called from one at a time. */
		int64_t us = self->frame_duration_us ? self->frame_duration_us
						     : self->default_duration_us;

		if (us <= 0)
			return FALSE;
		/* A frame is ready one frame time after its exposure starts. */
		gst_query_set_latency(query, TRUE, (GstClockTime)us * GST_USECOND,
				      (GstClockTime)us * GST_USECOND * MAX(self->n_requests, 1));
		return TRUE;
	}
	return GST_BASE_SRC_CLASS(gst_pinhole_src_parent_class)->query(src, query);
}

/* ---- streaming ---- */

static gboolean gst_pinhole_src_unlock(GstBaseSrc *src)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	uint64_t one = 1;

	g_atomic_int_set(&self->flushing, 1);
	if (self->control_fd >= 0 && write(self->control_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		GST_WARNING_OBJECT(self, "cannot wake the streaming thread: %s", g_strerror(errno));
	return TRUE;
}

static gboolean gst_pinhole_src_unlock_stop(GstBaseSrc *src)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);
	uint64_t count;

	if (self->control_fd >= 0 && read(self->control_fd, &count, sizeof(count)) < 0 &&
	    errno != EAGAIN)
		GST_WARNING_OBJECT(self, "cannot read the control eventfd: %s", g_strerror(errno));
	g_atomic_int_set(&self->flushing, 0);
	return TRUE;
}

static GstFlowReturn start_camera(GstPinholeSrc *self)
{
	struct ph_control_list *controls = ph_control_list_new();
	int ret;

	if (!controls)
		return GST_FLOW_ERROR;
	if (self->frame_duration_us > 0) {
		const int64_t limits[2] = {self->frame_duration_us, self->frame_duration_us};

		ph_control_list_set_int64_array(controls, PH_CONTROL_FRAME_DURATION_LIMITS, limits,
						2);
	}
	take_dirty_controls(self, controls, TRUE);
	ret = ph_camera_start(self->camera, controls);
	ph_control_list_free(controls);
	if (ret < 0) {
		if (ret == -ENODEV) {
			self->removed = TRUE;
			return GST_FLOW_OK; /* create() reports it */
		}
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
				  ("Cannot start camera %s.", ph_camera_get_id(self->camera)),
				  ("%s", g_strerror(-ret)));
		return GST_FLOW_ERROR;
	}
	self->running = TRUE;
	for (guint i = 0; i < self->n_requests; i++)
		queue_request(self, i);
	return GST_FLOW_OK;
}

static void sample_clock_offset(GstPinholeSrc *self, GstClock *clock)
{
	struct timespec ts;
	GstClockTime now;
	gint type = -1;

	gst_object_replace((GstObject **)&self->offset_clock, GST_OBJECT(clock));
	/* The system clock in monotonic mode is the sensor's clock: no offset at all. */
	if (GST_IS_SYSTEM_CLOCK(clock))
		g_object_get(clock, "clock-type", &type, NULL);
	if (type == GST_CLOCK_TYPE_MONOTONIC) {
		self->monotonic_to_clock = 0;
		return;
	}
	now = gst_clock_get_time(clock);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	self->monotonic_to_clock = (GstClockTimeDiff)now - GST_TIMESPEC_TO_TIME(ts);
}

/* Sensor timestamp (CLOCK_MONOTONIC, start of exposure) to running time. */
static GstClockTime frame_pts(GstPinholeSrc *self, uint64_t sensor_ns)
{
	GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
	GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
	GstClockTimeDiff t;

	if (!clock) {
		if (!self->have_first) {
			self->first_timestamp = sensor_ns;
			self->have_first = TRUE;
		}
		return sensor_ns - self->first_timestamp;
	}
	if (clock != self->offset_clock)
		sample_clock_offset(self, clock);
	gst_object_unref(clock);
	t = (GstClockTimeDiff)sensor_ns + self->monotonic_to_clock - (GstClockTimeDiff)base;
	return t > 0 ? (GstClockTime)t : 0;
}

static void value_from_control(GValue *out, const struct ph_control_value *v)
{
	GValue item = G_VALUE_INIT;

	if (v->count != 1)
		g_value_init(out, GST_TYPE_ARRAY);
	for (uint32_t i = 0; i < v->count; i++) {
		GValue *dst = v->count == 1 ? out : &item;

		switch (v->type) {
		case PH_CONTROL_TYPE_BOOL:
			g_value_init(dst, G_TYPE_BOOLEAN);
			g_value_set_boolean(dst, v->b[i]);
			break;
		case PH_CONTROL_TYPE_INT32:
			g_value_init(dst, G_TYPE_INT);
			g_value_set_int(dst, v->i32[i]);
			break;
		case PH_CONTROL_TYPE_INT64:
			g_value_init(dst, G_TYPE_INT64);
			g_value_set_int64(dst, v->i64[i]);
			break;
		default:
			g_value_init(dst, G_TYPE_DOUBLE);
			g_value_set_double(dst, v->f[i]);
			break;
		}
		if (v->count != 1) {
			gst_value_array_append_and_take_value(out, &item);
			memset(&item, 0, sizeof(item));
		}
	}
}

/* The frame's metadata on the buffer, and read back into the control properties. */
static void attach_metadata(GstPinholeSrc *self, GstBuffer *buffer, struct ph_request *req)
{
	const struct ph_control_list *md = ph_request_get_metadata(req);
	GstCustomMeta *meta = gst_buffer_add_custom_meta(buffer, GST_PINHOLE_META_NAME);
	GstStructure *s = meta ? gst_custom_meta_get_structure(meta) : NULL;
	struct control_values applied = {.mask = 0};

	for (unsigned i = 0; i < ph_control_list_count(md); i++) {
		uint32_t id = ph_control_list_id_at(md, i);
		const struct ph_control_desc *desc = ph_control_desc_by_id(id);
		struct ph_control_value v;

		if (!desc || ph_control_list_get(md, id, &v) < 0)
			continue;
		if (s && desc->type == PH_CONTROL_TYPE_STRING) {
			gst_structure_set(s, desc->name, G_TYPE_STRING,
					  ph_control_list_get_string(md, id), NULL);
		} else if (s && v.count >= 1) {
			GValue gv = G_VALUE_INIT;

			value_from_control(&gv, &v);
			gst_structure_take_value(s, desc->name, &gv);
		}
		for (guint p = PROP_EXPOSURE_TIME; p < N_PROPS; p++) {
			if (prop_control[p] != id || v.count != 1)
				continue;
			applied.mask |= 1u << p;
			applied.v[p] = v.type == PH_CONTROL_TYPE_BOOL	 ? v.b[0]
				       : v.type == PH_CONTROL_TYPE_INT32 ? v.i32[0]
									 : v.f[0];
		}
	}
	GST_OBJECT_LOCK(self);
	self->applied = applied;
	GST_OBJECT_UNLOCK(self);
}

/* Copy a frame into GStreamer's default layout, for downstream that needs it. */
static GstBuffer *copy_frame(GstPinholeSrc *self, struct ph_buffer *pbuf)
{
	gsize size = self->bayer
			     ? GST_ROUND_UP_4(
				       self->width *
				       ph_gst_bayer_bytes_per_pixel(
					       ph_stream_get_config(self->stream)->pixel_format)) *
				       self->height
			     : GST_VIDEO_INFO_SIZE(&self->vinfo);
	GstBuffer *out = gst_buffer_new_allocate(NULL, size, NULL);
	GstMapInfo map;
	guint planes = self->bayer ? 1 : GST_VIDEO_INFO_N_PLANES(&self->vinfo);

	if (!out || !gst_buffer_map(out, &map, GST_MAP_WRITE)) {
		gst_clear_buffer(&out);
		return NULL;
	}
	for (guint p = 0; p < planes; p++) {
		const struct ph_plane *plane = ph_buffer_plane_at(pbuf, p);
		const guint8 *src = ph_buffer_map(pbuf, p);
		gsize dst_offset = self->bayer ? 0 : GST_VIDEO_INFO_PLANE_OFFSET(&self->vinfo, p);
		gsize dst_stride = self->bayer
					   ? size / self->height
					   : (gsize)GST_VIDEO_INFO_PLANE_STRIDE(&self->vinfo, p);
		guint rows = self->height;
		gsize row = MIN(dst_stride, plane ? plane->stride : 0);

		if (!self->bayer) {
			gint comps[GST_VIDEO_MAX_COMPONENTS];

			gst_video_format_info_component(self->vinfo.finfo, p, comps);
			rows = GST_VIDEO_INFO_COMP_HEIGHT(&self->vinfo, comps[0]);
		}
		if (!src || !plane) {
			gst_buffer_unmap(out, &map);
			gst_buffer_unref(out);
			return NULL;
		}
		for (guint y = 0; y < rows; y++)
			memcpy(map.data + dst_offset + y * dst_stride,
			       src + (gsize)y * plane->stride, row);
	}
	gst_buffer_unmap(out, &map);
	return out;
}

/* With the request being handed out, would fewer than MIN_QUEUED stay with the camera? */
static gboolean low_on_requests(GstPinholeSrc *self)
{
	guint away = ph_gst_pool_outstanding(self->pool) + g_queue_get_length(&self->done) + 1;

	return away + MIN_QUEUED > self->n_requests;
}

static GstFlowReturn make_buffer(GstPinholeSrc *self, struct ph_request *req, GstBuffer **out)
{
	guint index = (guint)ph_request_get_cookie(req);
	struct ph_buffer *pbuf = ph_request_find_buffer(req, self->stream);
	const struct ph_control_list *md = ph_request_get_metadata(req);
	uint32_t sequence = ph_request_get_sequence(req);
	int64_t ts, duration_us = 0;
	gboolean copied = self->copy || low_on_requests(self);
	GstBuffer *buffer;

	if (ph_control_list_get_int64(md, PH_CONTROL_SENSOR_TIMESTAMP, &ts) < 0)
		ts = (int64_t)ph_buffer_get_timestamp(pbuf);
	if (ph_control_list_get_int64(md, PH_CONTROL_FRAME_DURATION, &duration_us) < 0)
		duration_us = self->frame_duration_us;

	if (copied) {
		buffer = copy_frame(self, pbuf);
	} else {
		buffer = ph_gst_pool_wrap(self->pool, index,
					  self->bayer ? GST_VIDEO_FORMAT_UNKNOWN
						      : GST_VIDEO_INFO_FORMAT(&self->vinfo),
					  self->width, self->height, self->frame_size);
	}
	if (!buffer) {
		if (copied)
			queue_request(self, index);
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot wrap a frame."), (NULL));
		return GST_FLOW_ERROR;
	}
	GST_BUFFER_PTS(buffer) = frame_pts(self, (uint64_t)ts);
	GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
	GST_BUFFER_DURATION(buffer) =
		duration_us > 0 ? (GstClockTime)duration_us * GST_USECOND : GST_CLOCK_TIME_NONE;
	GST_BUFFER_OFFSET(buffer) = sequence;
	GST_BUFFER_OFFSET_END(buffer) = (guint64)sequence + 1;
	if (self->have_sequence && sequence != self->next_sequence) {
		GST_DEBUG_OBJECT(self, "%u frames dropped before %u",
				 sequence - self->next_sequence, sequence);
		GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
	}
	self->have_sequence = TRUE;
	self->next_sequence = sequence + 1;
	attach_metadata(self, buffer, req);
	if (copied)
		queue_request(self, index); /* the camera can have it back at once */
	*out = buffer;
	return GST_FLOW_OK;
}

static GstFlowReturn gst_pinhole_src_create(GstPushSrc *src, GstBuffer **out)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(src);

	if (!self->stream)
		return GST_FLOW_NOT_NEGOTIATED;
	for (;;) {
		struct pollfd fds[3] = {
			{ph_context_get_fd(self->ctx), POLLIN, 0},
			{self->control_fd, POLLIN, 0},
			{ph_gst_pool_get_fd(self->pool), POLLIN, 0},
		};
		struct ph_request *req;
		int index;

		if (g_atomic_int_get(&self->flushing))
			return GST_FLOW_FLUSHING;
		if (!self->running && !self->removed) {
			GstFlowReturn ret = start_camera(self);

			if (ret != GST_FLOW_OK)
				return ret;
		}
		while (self->running && !self->removed &&
		       (index = ph_gst_pool_pop_released(self->pool)) >= 0)
			queue_request(self, (guint)index);
		req = g_queue_pop_head(&self->done);
		if (req)
			return make_buffer(self, req, out);
		if (self->removed) {
			GST_ELEMENT_ERROR(
				self, RESOURCE, READ,
				("Camera %s was unplugged.", ph_camera_get_id(self->camera)),
				(NULL));
			return GST_FLOW_ERROR;
		}
		if (self->camera_error) {
			GST_ELEMENT_ERROR(self, RESOURCE, READ,
					  ("Camera %s failed.", ph_camera_get_id(self->camera)),
					  ("%s", self->camera_error));
			return GST_FLOW_ERROR;
		}
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0 && errno != EINTR) {
			GST_ELEMENT_ERROR(self, RESOURCE, READ, (NULL),
					  ("poll: %s", g_strerror(errno)));
			return GST_FLOW_ERROR;
		}
		if (fds[0].revents) {
			int ret = ph_context_dispatch(self->ctx);

			if (ret < 0)
				GST_WARNING_OBJECT(self, "dispatch: %s", g_strerror(-ret));
			handle_events(self);
		}
	}
}

/* ---- class ---- */

static void gst_pinhole_src_finalize(GObject *object)
{
	GstPinholeSrc *self = GST_PINHOLE_SRC(object);

	g_free(self->camera_name);
	G_OBJECT_CLASS(gst_pinhole_src_parent_class)->finalize(object);
}

static void gst_pinhole_src_init(GstPinholeSrc *self)
{
	self->control_fd = -1;
	g_queue_init(&self->done);
	gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
	gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
	gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);
}

static void gst_pinhole_src_class_init(GstPinholeSrcClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
	GstBaseSrcClass *base_class = GST_BASE_SRC_CLASS(klass);
	GstPushSrcClass *push_class = GST_PUSH_SRC_CLASS(klass);
	const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
	const GParamFlags ctl = rw | GST_PARAM_MUTABLE_PLAYING;
	GstCaps *caps = ph_gst_template_caps();

	GST_DEBUG_CATEGORY_INIT(pinholesrc_debug, "pinholesrc", 0, "Pinhole camera source");
	object_class->set_property = gst_pinhole_src_set_property;
	object_class->get_property = gst_pinhole_src_get_property;
	object_class->finalize = gst_pinhole_src_finalize;

	properties[PROP_CAMERA] = g_param_spec_string(
		"camera", "Camera",
		"Camera to open: an id (\"virtual:0\"), a unique prefix of one (\"virtual\") or an "
		"index (\"0\"); `pinhole list` shows them. Unset: the first camera",
		NULL, rw | GST_PARAM_MUTABLE_READY);
	properties[PROP_EXPOSURE_TIME] = g_param_spec_int(
		"exposure-time", "Exposure time",
		"ExposureTime in microseconds, sent with the next request; a manual value "
		"turns auto exposure off until ae-enable=true. 0: leave it to the camera. "
		"Reads back what the last frame was taken with",
		0, G_MAXINT, 0, ctl);
	properties[PROP_ANALOGUE_GAIN] = g_param_spec_double(
		"analogue-gain", "Analogue gain",
		"AnalogueGain (1.0 = none), sent with the next request; a manual value turns "
		"automatic gain off until ae-enable=true. 0: leave it to the camera. Reads back "
		"what the last frame was taken with",
		0.0, 1024.0, 0.0, ctl);
	properties[PROP_AE_ENABLE] = g_param_spec_boolean(
		"ae-enable", "Auto exposure",
		"AeEnable: automatic exposure and gain. Sent only once set; reads back the "
		"camera's state from the last frame",
		TRUE, ctl);
	properties[PROP_AWB_ENABLE] = g_param_spec_boolean(
		"awb-enable", "Auto white balance",
		"AwbEnable: automatic white balance. Sent only once set; reads back the camera's "
		"state from the last frame",
		TRUE, ctl);
	properties[PROP_BRIGHTNESS] = g_param_spec_double(
		"brightness", "Brightness",
		"Brightness, -1 to 1 (0 = unchanged), sent once set; reads back the last frame's",
		-1.0, 1.0, 0.0, ctl);
	properties[PROP_CONTRAST] = g_param_spec_double(
		"contrast", "Contrast",
		"Contrast, 0 to 4 (1 = unchanged), sent once set; reads back the last frame's", 0.0,
		4.0, 1.0, ctl);
	properties[PROP_SATURATION] = g_param_spec_double(
		"saturation", "Saturation",
		"Saturation, 0 (grey) to 4 (1 = unchanged), sent once set; reads back the last "
		"frame's",
		0.0, 4.0, 1.0, ctl);
	g_object_class_install_properties(object_class, N_PROPS, properties);

	gst_element_class_set_static_metadata(
		element_class, "Pinhole camera source", "Source/Video",
		"Captures from a Pinhole camera (the simulated one, raw sensors behind the "
		"software ISP, ...): a live source whose caps are every format, size and frame "
		"rate the camera offers (video/x-raw for processed streams, video/x-bayer for "
		"raw ones), timestamped from the sensor's start of exposure, with frames "
		"passed downstream without a copy (fd memory with GstVideoMeta). Each buffer "
		"carries the frame's Pinhole metadata as a GstCustomMeta named "
		"\"" GST_PINHOLE_META_NAME
		"\". Unplugging the camera posts an error and ends the stream",
		"Pinhole developers");
	gst_element_class_add_pad_template(
		element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
	gst_caps_unref(caps);

	base_class->start = GST_DEBUG_FUNCPTR(gst_pinhole_src_start);
	base_class->stop = GST_DEBUG_FUNCPTR(gst_pinhole_src_stop);
	base_class->get_caps = GST_DEBUG_FUNCPTR(gst_pinhole_src_get_caps);
	base_class->fixate = GST_DEBUG_FUNCPTR(gst_pinhole_src_fixate);
	base_class->set_caps = GST_DEBUG_FUNCPTR(gst_pinhole_src_set_caps);
	base_class->decide_allocation = GST_DEBUG_FUNCPTR(gst_pinhole_src_decide_allocation);
	base_class->query = GST_DEBUG_FUNCPTR(gst_pinhole_src_query);
	base_class->unlock = GST_DEBUG_FUNCPTR(gst_pinhole_src_unlock);
	base_class->unlock_stop = GST_DEBUG_FUNCPTR(gst_pinhole_src_unlock_stop);
	push_class->create = GST_DEBUG_FUNCPTR(gst_pinhole_src_create);
}

static gboolean plugin_init(GstPlugin *plugin)
{
	static const gchar *tags[] = {GST_META_TAG_VIDEO_STR, NULL};

	/* Registered once per process; later calls find it registered. */
	if (!gst_meta_get_info(GST_PINHOLE_META_NAME))
		gst_meta_register_custom(GST_PINHOLE_META_NAME, tags, NULL, NULL, NULL);
	return gst_element_register(plugin, "pinholesrc", GST_RANK_NONE, GST_TYPE_PINHOLE_SRC);
}

#define PACKAGE "pinhole"
/* The macro leaves GstPluginDesc's reserved fields to zero-initialisation. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, pinhole,
		  "Pinhole camera stack: source element", plugin_init, PH_VERSION, "LGPL",
		  "Pinhole", "Pinhole")
#pragma GCC diagnostic pop
