/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pinholesrc against the simulated camera: negotiation, control
 * properties, timestamps, state changes, renegotiation, the copy
 * fallback and the errors (camera missing, camera unplugged).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <gst/allocators/allocators.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#define PULL_TIMEOUT (10 * GST_SECOND)

/* The simulated camera of each test: set before the element starts. */
static void virtual_camera(const char *settings)
{
	g_setenv("PINHOLE_VIRTUAL", settings ? settings : "", TRUE);
}

static guint count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	guint n = 0;

	fail_unless(dir != NULL);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/*
 * Open fds once the last frames' memories are gone: buffers released on
 * another thread close their fd shares a little later (much later under
 * valgrind). A leak stays open however long this waits.
 */
static guint settled_fds(void)
{
	guint last = count_fds();

	for (int i = 0; i < 50; i++) {
		guint now;

		g_usleep(100 * 1000);
		now = count_fds();
		if (now == last)
			return now;
		last = now;
	}
	return last;
}

static GstElement *pipeline_new(const char *description)
{
	GError *error = NULL;
	GstElement *pipeline = gst_parse_launch(description, &error);

	fail_unless(pipeline != NULL, "%s: %s", description, error ? error->message : "?");
	g_clear_error(&error);
	return pipeline;
}

static GstElement *by_name(GstElement *pipeline, const char *name)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);

	fail_unless(e != NULL, "no element %s", name);
	gst_object_unref(e); /* the pipeline keeps it */
	return e;
}

static void set_state(GstElement *pipeline, GstState state)
{
	GstStateChangeReturn ret = gst_element_set_state(pipeline, state);

	fail_if(ret == GST_STATE_CHANGE_FAILURE, "cannot go to %s",
		gst_element_state_get_name(state));
	if (ret == GST_STATE_CHANGE_ASYNC)
		ret = gst_element_get_state(pipeline, NULL, NULL, PULL_TIMEOUT);
	fail_if(ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC,
		"state change to %s did not complete", gst_element_state_get_name(state));
}

static GstSample *pull(GstElement *pipeline)
{
	GstSample *sample =
		gst_app_sink_try_pull_sample(GST_APP_SINK(by_name(pipeline, "sink")), PULL_TIMEOUT);

	fail_unless(sample != NULL, "no frame within 10 s");
	return sample;
}

static const GstStructure *pinhole_meta(GstBuffer *buffer)
{
	GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, "PinholeMeta");

	fail_unless(meta != NULL, "buffer without PinholeMeta");
	return gst_custom_meta_get_structure(meta);
}

/* ---- negotiation ---- */

static gboolean caps_can(GstCaps *caps, const char *want)
{
	GstCaps *w = gst_caps_from_string(want);
	gboolean ok = gst_caps_can_intersect(caps, w);

	gst_caps_unref(w);
	return ok;
}

GST_START_TEST(test_caps_query)
{
	GstElement *src;
	GstPad *pad;
	GstCaps *caps;

	virtual_camera(NULL);
	src = gst_element_factory_make("pinholesrc", NULL);
	fail_unless(src != NULL);
	fail_if(gst_element_set_state(src, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
	pad = gst_element_get_static_pad(src, "src");
	caps = gst_pad_query_caps(pad, NULL);
	GST_INFO("caps: %" GST_PTR_FORMAT, caps);
	/* The preferred (video role) format first, so an open-ended peer gets it. */
	fail_unless(gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw"));
	fail_unless(
		caps_can(caps, "video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1"));
	fail_unless(caps_can(caps, "video/x-raw,format=I420,width=64,height=64,framerate=60/1"));
	fail_unless(caps_can(caps, "video/x-raw,format=RGB,width=640,height=480,colorimetry=sRGB"));
	fail_unless(caps_can(caps, "video/x-raw,format=BGRx,width=320,height=240"));
	fail_unless(caps_can(caps, "video/x-raw,format=YUY2,width=640,height=480"));
	fail_unless(caps_can(caps, "video/x-bayer,format=rggb10le,width=1920,height=1080"));
	/* Beyond the sensor, odd sizes, frame rates out of range, formats it lacks. */
	fail_if(caps_can(caps, "video/x-raw,format=NV12,width=3840,height=2160"));
	fail_if(caps_can(caps, "video/x-raw,format=NV12,width=641,height=480"));
	fail_if(caps_can(caps, "video/x-raw,format=NV12,width=640,height=480,framerate=120/1"));
	fail_if(caps_can(caps, "video/x-bayer,format=bggr10le"));
	fail_if(caps_can(caps, "video/x-raw,format=GRAY8"));
	gst_caps_unref(caps);
	gst_object_unref(pad);
	fail_unless(gst_element_set_state(src, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);

	/* Another sensor: its own Bayer order and depth. */
	virtual_camera("bayer=GRBG,bit-depth=12,width=640,height=480");
	fail_if(gst_element_set_state(src, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
	pad = gst_element_get_static_pad(src, "src");
	caps = gst_pad_query_caps(pad, NULL);
	fail_unless(caps_can(caps, "video/x-bayer,format=grbg12le,width=640,height=480"));
	fail_if(caps_can(caps, "video/x-bayer,format=rggb10le"));
	fail_if(caps_can(caps, "video/x-raw,width=1280,height=720"));
	gst_caps_unref(caps);
	gst_object_unref(pad);
	fail_unless(gst_element_set_state(src, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
	gst_object_unref(src);
}
GST_END_TEST;

/* Capture two frames in @caps: what arrives is what was negotiated, laid out as described. */
static void capture_format(const char *caps_str)
{
	gchar *desc = g_strdup_printf("pinholesrc ! %s ! appsink name=sink", caps_str);
	GstElement *pipeline = pipeline_new(desc);
	GstCaps *want = gst_caps_from_string(caps_str);
	const GstStructure *ws = gst_caps_get_structure(want, 0);

	set_state(pipeline, GST_STATE_PLAYING);
	for (int i = 0; i < 2; i++) {
		GstSample *sample = pull(pipeline);
		GstCaps *caps = gst_sample_get_caps(sample);
		GstBuffer *buffer = gst_sample_get_buffer(sample);
		const GstStructure *s = gst_caps_get_structure(caps, 0);
		gint w, h, ww, wh;
		GstMapInfo map;
		gsize differ = 0;

		fail_unless(gst_caps_is_fixed(caps));
		fail_unless(gst_caps_is_subset(caps, want), "%" GST_PTR_FORMAT, caps);
		fail_unless(gst_structure_get_int(s, "width", &w) &&
			    gst_structure_get_int(s, "height", &h));
		fail_unless(gst_structure_get_int(ws, "width", &ww) &&
			    gst_structure_get_int(ws, "height", &wh));
		fail_unless_equals_int(w, ww);
		fail_unless_equals_int(h, wh);
		if (gst_structure_has_name(s, "video/x-raw")) {
			GstVideoInfo info;
			GstVideoFrame frame;
			GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);

			fail_unless(gst_video_info_from_caps(&info, caps));
			fail_unless(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ));
			if (meta) {
				fail_unless_equals_int(meta->n_planes,
						       GST_VIDEO_INFO_N_PLANES(&info));
				fail_unless_equals_int(meta->width, w);
				for (guint p = 0; p < meta->n_planes; p++)
					fail_unless(meta->stride[p] >=
						    (gint)GST_VIDEO_FRAME_COMP_WIDTH(&frame, p));
			}
			gst_video_frame_unmap(&frame);
		} else {
			/* Bayer: 16-bit words, no padding GStreamer would not expect. */
			fail_unless(gst_buffer_get_size(buffer) >= (gsize)w * h * 2);
		}
		/* A real picture, not a blank buffer. */
		fail_unless(gst_buffer_map(buffer, &map, GST_MAP_READ));
		for (gsize b = 1; b < map.size; b++)
			differ += map.data[b] != map.data[0];
		gst_buffer_unmap(buffer, &map);
		fail_unless(differ > map.size / 4, "%s: frame is nearly uniform", caps_str);
		gst_sample_unref(sample);
	}
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
	gst_caps_unref(want);
	g_free(desc);
}

GST_START_TEST(test_formats)
{
	virtual_camera("width=1280,height=720");
	capture_format("video/x-raw,format=NV12,width=640,height=480");
	capture_format("video/x-raw,format=I420,width=320,height=240");
	capture_format("video/x-raw,format=YUY2,width=640,height=360");
	capture_format("video/x-raw,format=RGB,width=1280,height=720");
	capture_format("video/x-raw,format=BGRx,width=320,height=180");
	capture_format("video/x-raw,format=NV21,width=640,height=480,colorimetry=1:4:7:1");
	capture_format("video/x-bayer,format=rggb10le,width=1280,height=720");
	capture_format("video/x-bayer,format=rggb10le,width=640,height=360");
}
GST_END_TEST;

/* Downstream that ignores GstVideoMeta gets a compact copy of a padded frame. */
GST_START_TEST(test_copy_fallback)
{
	/* 100 RGB pixels are 300 bytes; Pinhole pads lines to 320. A flat scene
	 * without noise or vignetting: any stride mistake shows as a step. */
	GstElement *pipeline;
	GstSample *sample;
	GstBuffer *buffer;
	GstVideoInfo info;
	GstVideoFrame frame;

	virtual_camera("scene=flat,noise=false,vignetting=0");
	pipeline = pipeline_new(
		"pinholesrc ! video/x-raw,format=RGB,width=100,height=64 ! appsink name=sink");
	set_state(pipeline, GST_STATE_PLAYING);
	for (int i = 0; i < 5; i++) {
		sample = pull(pipeline);
		buffer = gst_sample_get_buffer(sample);
		fail_unless(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
		if (gst_buffer_get_video_meta(buffer)) {
			fail_unless_equals_int(gst_buffer_get_video_meta(buffer)->stride[0], 320);
		} else {
			fail_unless_equals_int(gst_buffer_get_size(buffer), 300 * 64);
			fail_if(gst_is_fd_memory(gst_buffer_peek_memory(buffer, 0)));
		}
		fail_unless(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ));
		for (int y = 0; y < 64; y++) {
			const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 0) +
					    y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);

			for (int x = 0; x < 300; x++)
				fail_unless(abs(row[x] - row[x % 3]) <= 2, "step at %d,%d", x, y);
			fail_unless(row[1] > 20, "frame is black");
		}
		gst_video_frame_unmap(&frame);
		gst_sample_unref(sample);
	}
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
}
GST_END_TEST;

/* Unpadded frames go downstream as the camera's own fd memory. */
GST_START_TEST(test_zero_copy)
{
	GstElement *pipeline;
	GstSample *sample;
	GstBuffer *buffer;

	virtual_camera(NULL);
	pipeline = pipeline_new(
		"pinholesrc ! video/x-raw,format=NV12,width=1280,height=720 ! appsink name=sink");
	set_state(pipeline, GST_STATE_PLAYING);
	sample = pull(pipeline);
	buffer = gst_sample_get_buffer(sample);
	fail_unless(gst_is_fd_memory(gst_buffer_peek_memory(buffer, 0)));
	/* Read-only: downstream must not write into the camera's buffer. */
	fail_if(gst_memory_is_writable(gst_buffer_peek_memory(buffer, 0)));
	fail_unless(gst_buffer_get_video_meta(buffer) != NULL);
	fail_unless_equals_int(gst_buffer_get_video_meta(buffer)->offset[1], 1280 * 720);
	gst_sample_unref(sample);
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
}
GST_END_TEST;

/*
 * Downstream holding every frame (a sink that does not release them yet)
 * must not starve the camera: once only a few requests would stay queued,
 * frames come as copies and the stream goes on.
 */
GST_START_TEST(test_downstream_holds_frames)
{
	enum {
		HELD = 40
	};
	GstSample *held[HELD];
	GstElement *pipeline;
	guint zero_copy = 0, copies = 0;

	virtual_camera("frame-rate=60");
	pipeline = pipeline_new(
		"pinholesrc ! video/x-raw,format=NV12,width=320,height=240 ! appsink name=sink");
	set_state(pipeline, GST_STATE_PLAYING);
	for (guint i = 0; i < HELD; i++) {
		GstBuffer *buffer;

		held[i] = pull(pipeline);
		buffer = gst_sample_get_buffer(held[i]);
		if (gst_is_fd_memory(gst_buffer_peek_memory(buffer, 0)))
			zero_copy++;
		else
			copies++;
		/* Copies carry the frame's metadata too (taken before the request is reused). */
		fail_unless(gst_structure_has_field(pinhole_meta(buffer), "SensorTimestamp"),
			    "frame %u has no SensorTimestamp", i);
	}
	/* Every frame came although the sink held them all: most as copies. */
	fail_unless(zero_copy > 0 && copies > HELD / 2, "%u zero-copy frames, %u copies", zero_copy,
		    copies);
	for (guint i = 0; i < HELD; i++)
		gst_sample_unref(held[i]);
	/* Released: zero copy again. */
	for (guint i = 0; i < 3 * HELD; i++) {
		GstSample *sample = pull(pipeline);
		gboolean fd =
			gst_is_fd_memory(gst_buffer_peek_memory(gst_sample_get_buffer(sample), 0));

		gst_sample_unref(sample);
		if (fd)
			break;
		fail_if(i + 1 == 3 * HELD, "no zero-copy frame after the release");
	}
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
}
GST_END_TEST;

/* ---- controls ---- */

static void last_frame_controls(GstElement *pipeline, guint frames, gint *exposure, gdouble *gain,
				gboolean *ae, gdouble *brightness)
{
	for (guint i = 0; i < frames; i++) {
		GstSample *sample = pull(pipeline);
		const GstStructure *md = pinhole_meta(gst_sample_get_buffer(sample));

		fail_unless(gst_structure_get_int(md, "ExposureTime", exposure));
		fail_unless(gst_structure_get_double(md, "AnalogueGain", gain));
		fail_unless(gst_structure_get_boolean(md, "AeEnable", ae));
		fail_unless(gst_structure_get_double(md, "Brightness", brightness));
		fail_unless(gst_structure_has_field(md, "SensorTimestamp"));
		fail_unless(gst_structure_has_field(md, "SensorSequence"));
		gst_sample_unref(sample);
	}
}

GST_START_TEST(test_controls)
{
	GstElement *pipeline, *src;
	gint exposure, prop_exposure;
	gdouble gain, brightness, prop_gain;
	gboolean ae, prop_ae;

	virtual_camera(NULL);
	pipeline = pipeline_new("pinholesrc name=src exposure-time=20000 ae-enable=false "
				"analogue-gain=2.0 brightness=0.25 ! "
				"video/x-raw,width=320,height=240,framerate=30/1 ! "
				"appsink name=sink max-buffers=1");
	src = by_name(pipeline, "src");
	set_state(pipeline, GST_STATE_PLAYING);
	/* Given at start: in effect from the first frame on. */
	last_frame_controls(pipeline, 4, &exposure, &gain, &ae, &brightness);
	/* Exposure is quantised to sensor lines (about 15 us here). */
	fail_unless(abs(exposure - 20000) <= 30, "exposure %d", exposure);
	fail_unless(gain > 1.95 && gain < 2.05, "gain %f", gain);
	fail_if(ae);
	fail_unless(brightness > 0.24 && brightness < 0.26, "brightness %f", brightness);
	/* Properties read back what the camera reports. */
	g_object_get(src, "exposure-time", &prop_exposure, "analogue-gain", &prop_gain, "ae-enable",
		     &prop_ae, NULL);
	fail_unless_equals_int(prop_exposure, exposure);
	fail_unless(prop_gain > 1.95 && prop_gain < 2.05);
	fail_if(prop_ae);

	/* Changed while playing: sent with the next request queued, so it lands after
	 * the requests already queued (up to 6) and the sensor delays. */
	g_object_set(src, "exposure-time", 5000, "analogue-gain", 1.0, NULL);
	last_frame_controls(pipeline, 10, &exposure, &gain, &ae, &brightness);
	fail_unless(abs(exposure - 5000) <= 30, "exposure %d", exposure);
	fail_unless(gain > 0.99 && gain < 1.01, "gain %f", gain);

	/* Auto exposure back on: the metadata says so. */
	g_object_set(src, "ae-enable", TRUE, NULL);
	last_frame_controls(pipeline, 12, &exposure, &gain, &ae, &brightness);
	fail_unless(ae);
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
}
GST_END_TEST;

/* ---- timestamps ---- */

GST_START_TEST(test_timestamps)
{
	GstElement *pipeline;
	GstClockTime last_pts = GST_CLOCK_TIME_NONE;
	guint64 last_offset = 0;

	virtual_camera(NULL);
	pipeline = pipeline_new("pinholesrc ! video/x-raw,width=320,height=240,framerate=50/1 ! "
				"appsink name=sink");
	set_state(pipeline, GST_STATE_PLAYING);
	for (int i = 0; i < 25; i++) {
		GstSample *sample = pull(pipeline);
		GstBuffer *buffer = gst_sample_get_buffer(sample);
		GstClockTime pts = GST_BUFFER_PTS(buffer);
		GstClock *clock = gst_element_get_clock(pipeline);
		GstClockTime running =
			gst_clock_get_time(clock) - gst_element_get_base_time(pipeline);
		const GstStructure *md = pinhole_meta(buffer);
		gint64 sensor_ts;

		gst_object_unref(clock);
		fail_unless(GST_CLOCK_TIME_IS_VALID(pts));
		fail_unless_equals_uint64(GST_BUFFER_DURATION(buffer), 20 * GST_MSECOND);
		/* Start of exposure: a frame is never stamped in the future. */
		fail_unless(pts <= running, "pts %" GST_TIME_FORMAT " after now",
			    GST_TIME_ARGS(pts));
		/* The system clock is CLOCK_MONOTONIC, the sensor's: the same time. */
		fail_unless(gst_structure_get_int64(md, "SensorTimestamp", &sensor_ts));
		fail_unless_equals_uint64((guint64)sensor_ts,
					  pts + gst_element_get_base_time(pipeline));
		if (GST_CLOCK_TIME_IS_VALID(last_pts)) {
			guint64 frames = GST_BUFFER_OFFSET(buffer) - last_offset;

			fail_unless(frames >= 1);
			/* Exactly the frame duration per sensor frame (drops included). */
			fail_unless_equals_uint64(pts - last_pts, frames * 20 * GST_MSECOND);
		}
		last_pts = pts;
		last_offset = GST_BUFFER_OFFSET(buffer);
		gst_sample_unref(sample);
	}
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
}
GST_END_TEST;

/* ---- state changes ---- */

GST_START_TEST(test_state_changes)
{
	GstElement *pipeline;
	GstSample *kept;
	GstMapInfo map;
	guint fds;

	virtual_camera(NULL);
	/*
	 * The sink keeps only the newest frame, as a viewer does: an appsink
	 * queueing every frame while the test changes state (slow under
	 * valgrind) would hold all of the camera's buffers, and a live sink
	 * going back to PLAYING waits for a frame the source cannot make.
	 */
	pipeline = pipeline_new("pinholesrc ! video/x-raw,format=NV12,width=640,height=480 ! "
				"appsink name=sink max-buffers=1 drop=true");
	/* Warm up once: GStreamer opens a few fds of its own the first time. */
	set_state(pipeline, GST_STATE_PLAYING);
	gst_sample_unref(pull(pipeline));
	set_state(pipeline, GST_STATE_NULL);
	fds = settled_fds();
	for (int i = 0; i < 5; i++) {
		set_state(pipeline, GST_STATE_PLAYING);
		for (int k = 0; k < 3; k++)
			gst_sample_unref(pull(pipeline));
		set_state(pipeline, GST_STATE_NULL);
	}
	fail_unless_equals_int(settled_fds(), fds);

	/* READY <-> PAUSED (no data: live), then PLAYING still works. */
	for (int i = 0; i < 3; i++) {
		set_state(pipeline, GST_STATE_PAUSED);
		set_state(pipeline, GST_STATE_READY);
	}
	set_state(pipeline, GST_STATE_PLAYING);
	gst_sample_unref(pull(pipeline));
	set_state(pipeline, GST_STATE_PAUSED);
	set_state(pipeline, GST_STATE_PLAYING);
	gst_sample_unref(pull(pipeline));

	/* A frame held past the element's stop stays readable. */
	kept = pull(pipeline);
	set_state(pipeline, GST_STATE_NULL);
	fail_unless(gst_buffer_map(gst_sample_get_buffer(kept), &map, GST_MAP_READ));
	fail_unless(map.size >= 640 * 480 * 3 / 2);
	fail_unless(map.data[map.size / 2] != 0 || map.data[0] != 0);
	gst_buffer_unmap(gst_sample_get_buffer(kept), &map);
	gst_sample_unref(kept);
	fail_unless_equals_int(settled_fds(), fds);
	gst_object_unref(pipeline);
}
GST_END_TEST;

/* Downstream changes its caps while playing: the camera is reconfigured. */
GST_START_TEST(test_renegotiation)
{
	GstElement *pipeline, *filter;
	GstCaps *rgb = gst_caps_from_string("video/x-raw,format=RGB,width=320,height=240");
	gboolean switched = FALSE;

	virtual_camera(NULL);
	pipeline = pipeline_new("pinholesrc ! capsfilter name=filter "
				"caps=video/x-raw,format=NV12,width=640,height=480 ! "
				"appsink name=sink max-buffers=2");
	filter = by_name(pipeline, "filter");
	set_state(pipeline, GST_STATE_PLAYING);
	gst_sample_unref(pull(pipeline));
	g_object_set(filter, "caps", rgb, NULL);
	for (int i = 0; i < 30 && !switched; i++) {
		GstSample *sample = pull(pipeline);

		switched = gst_caps_is_subset(gst_sample_get_caps(sample), rgb);
		if (switched)
			fail_unless_equals_int(gst_buffer_get_size(gst_sample_get_buffer(sample)) >=
						       320 * 240 * 3,
					       TRUE);
		gst_sample_unref(sample);
	}
	fail_unless(switched, "caps never changed to RGB 320x240");
	set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
	gst_caps_unref(rgb);
}
GST_END_TEST;

/* ---- errors ---- */

/* Wait for an error or EOS on the bus; return the error, if any. */
static GError *wait_error(GstElement *pipeline, gboolean *eos)
{
	GstBus *bus = gst_element_get_bus(pipeline);
	GstMessage *msg =
		gst_bus_timed_pop_filtered(bus, PULL_TIMEOUT, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
	GError *error = NULL;

	fail_unless(msg != NULL, "neither error nor EOS within 10 s");
	*eos = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
	if (!*eos)
		gst_message_parse_error(msg, &error, NULL);
	gst_message_unref(msg);
	gst_object_unref(bus);
	return error;
}

GST_START_TEST(test_camera_missing)
{
	GstElement *pipeline;
	GError *error;
	gboolean eos;

	virtual_camera(NULL);
	pipeline = pipeline_new("pinholesrc camera=no-such-camera ! fakesink");
	fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_PAUSED),
			       GST_STATE_CHANGE_FAILURE);
	error = wait_error(pipeline, &eos);
	fail_unless(error != NULL);
	fail_unless(g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND), "%s",
		    error->message);
	fail_unless(strstr(error->message, "no-such-camera") != NULL);
	g_error_free(error);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(pipeline);
}
GST_END_TEST;

GST_START_TEST(test_unplug)
{
	GstElement *pipeline;
	GError *error;
	gboolean eos;
	guint frames = 0;
	GstSample *sample;

	/* The simulated camera unplugs itself after 8 frames. */
	virtual_camera("disconnect-after=8,frame-rate=60");
	pipeline = pipeline_new("pinholesrc ! video/x-raw,width=320,height=240 ! "
				"appsink name=sink wait-on-eos=false");
	set_state(pipeline, GST_STATE_PLAYING);
	error = wait_error(pipeline, &eos);
	fail_unless(error != NULL, "unplug ended the stream without an error");
	fail_unless(g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ), "%s",
		    error->message);
	fail_unless(strstr(error->message, "unplugged") != NULL, "%s", error->message);
	g_error_free(error);
	while ((sample =
			gst_app_sink_try_pull_sample(GST_APP_SINK(by_name(pipeline, "sink")), 0))) {
		frames++;
		gst_sample_unref(sample);
	}
	fail_unless(frames <= 8, "%u frames from an 8-frame camera", frames);
	/* Shutting down after the unplug does not hang. */
	fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
			       GST_STATE_CHANGE_SUCCESS);
	gst_object_unref(pipeline);
	virtual_camera(NULL);
}
GST_END_TEST;

static Suite *pinholesrc_suite(void)
{
	Suite *s = suite_create("pinholesrc");
	TCase *tc = tcase_create("general");

	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_caps_query);
	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_zero_copy);
	tcase_add_test(tc, test_copy_fallback);
	tcase_add_test(tc, test_downstream_holds_frames);
	tcase_add_test(tc, test_controls);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_state_changes);
	tcase_add_test(tc, test_renegotiation);
	tcase_add_test(tc, test_camera_missing);
	tcase_add_test(tc, test_unplug);
	return s;
}

GST_CHECK_MAIN(pinholesrc);
