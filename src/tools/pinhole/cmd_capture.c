/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pinhole capture: configure a camera, run it, write frames and metadata. */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "image_writer.h"
#include "options.h"

/* Give up when no frame arrives for this long. */
#define CAPTURE_TIMEOUT_MS 10000
/* Fewest buffers per stream, whatever the pipeline asks for. */
#define CAPTURE_MIN_BUFFERS    4
#define CAPTURE_DEFAULT_FRAMES 10

struct capture_options {
	struct cli_global global;
	const char *camera;
	struct stream_spec streams[CLI_MAX_STREAMS];
	unsigned stream_count;
	struct control_setting *controls;
	unsigned control_count;
	uint32_t frames; /* 0: until interrupted */
	/* --output patterns: one for every stream, or one per stream in order. */
	const char *outputs[CLI_MAX_STREAMS];
	enum image_file_type output_types[CLI_MAX_STREAMS];
	unsigned output_count;
	int jpeg_quality;
	bool metadata;
	bool quiet;
};

struct capture {
	const struct capture_options *opts;
	struct ph_context *ctx;
	struct ph_camera *camera; /* a reference of ours */
	bool acquired;
	bool started;
	struct ph_config *config;
	struct ph_control_list *controls; /* the --control values, for start */
	struct ph_stream *streams[CLI_MAX_STREAMS];
	unsigned stream_count;
	struct ph_request **requests;
	unsigned request_count;
	int signal_fd;

	bool show_progress;
	bool progress_shown;
	bool interrupted;
	uint32_t queued;    /* requests queued in all */
	uint32_t completed; /* frames completed */
	uint32_t failed;    /* frames with a buffer in error */
	uint32_t dropped;   /* gaps in the sensor sequence */
	uint32_t last_sequence;
	uint64_t first_timestamp, last_timestamp;
};

/* Parse the command line. @return -1 to go on, else an exit code. */
static int parse_options(struct capture_options *opts, int argc, char **argv)
{
	enum {
		OPT_JPEG_QUALITY = 256
	};
	static const struct option options[] = {
		{"stream", required_argument, NULL, 's'},
		{"jpeg-quality", required_argument, NULL, OPT_JPEG_QUALITY},
		{"frames", required_argument, NULL, 'n'},
		{"control", required_argument, NULL, 'c'},
		{"output", required_argument, NULL, 'o'},
		{"metadata", no_argument, NULL, 'm'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	char err[256];
	int opt;

	opts->frames = CAPTURE_DEFAULT_FRAMES;
	opts->controls = calloc((size_t)argc, sizeof(*opts->controls));
	if (!opts->controls) {
		cli_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:n:c:o:mqhv", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (opts->stream_count == CLI_MAX_STREAMS)
				return cli_usage_error("capture", "at most %u streams",
						       CLI_MAX_STREAMS);
			if (parse_stream_spec(optarg, &opts->streams[opts->stream_count], err,
					      sizeof(err)))
				return cli_usage_error("capture", "invalid --stream '%s': %s",
						       optarg, err);
			opts->stream_count++;
			break;
		case 'n':
			if (cli_parse_uint(optarg, UINT32_MAX, &opts->frames))
				return cli_usage_error("capture", "invalid frame count '%s'",
						       optarg);
			break;
		case 'c':
			if (parse_control_setting(optarg, &opts->controls[opts->control_count], err,
						  sizeof(err)))
				return cli_usage_error("capture", "%s", err);
			opts->control_count++;
			break;
		case 'o':
			if (opts->output_count == CLI_MAX_STREAMS)
				return cli_usage_error("capture", "at most %u --output patterns",
						       CLI_MAX_STREAMS);
			if (image_file_type_from_path(optarg,
						      &opts->output_types[opts->output_count]))
				return cli_usage_error("capture",
						       "unknown output file type '%s'; supported "
						       "extensions: " IMAGE_FILE_EXTENSIONS,
						       optarg);
			opts->outputs[opts->output_count++] = optarg;
			break;
		case OPT_JPEG_QUALITY: {
			int ret = cli_parse_jpeg_quality("capture", optarg, &opts->jpeg_quality);

			if (ret >= 0)
				return ret;
			break;
		}
		case 'm':
			opts->metadata = true;
			break;
		case 'q':
			opts->quiet = true;
			break;
		case 'h':
			cli_usage(stdout, "capture");
			return CLI_EXIT_OK;
		case 'v':
			opts->global.verbose = true;
			break;
		case ':':
			return cli_usage_error("capture", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("capture", "unknown option '%s'", argv[optind - 1]);
		}
	}

	if (optind >= argc)
		return cli_usage_error("capture", "no camera given");
	opts->camera = argv[optind++];
	if (optind < argc)
		return cli_usage_error("capture", "unexpected argument '%s'", argv[optind]);

	if (!opts->stream_count) {
		opts->streams[0] = (struct stream_spec){.role = PH_ROLE_VIEWFINDER};
		opts->stream_count = 1;
	}
	if (opts->output_count > 1 && opts->output_count != opts->stream_count)
		return cli_usage_error("capture",
				       "%u --output patterns for %u streams: give one, or one per "
				       "stream",
				       opts->output_count, opts->stream_count);
	for (unsigned i = 0; i < opts->output_count; i++)
		if (!strchr(opts->outputs[i], '#') && opts->frames != 1)
			cli_warning("output pattern '%s' has no '#': each frame replaces the last",
				    opts->outputs[i]);
	return -1;
}

/* "NV12, YUYV, ..." : the formats stream @p index of @p config can take. */
static void format_list(const struct ph_config *config, unsigned index, char *buf, size_t size)
{
	unsigned count = ph_config_format_count(config, index);
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < count && len < size; i++) {
		const char *name = ph_format_name(ph_config_format_at(config, index, i));
		int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", name ? name : "?");

		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (!count)
		snprintf(buf, size, "(none)");
}

/* Print what every stream of @p config can take, after an error. */
static void print_stream_offers(const struct ph_config *config)
{
	for (unsigned s = 0; s < ph_config_stream_count(config); s++) {
		unsigned count = ph_config_format_count(config, s);

		fprintf(stderr, "pinhole: stream %u supports:", s);
		for (unsigned i = 0; i < count; i++) {
			uint32_t fourcc = ph_config_format_at(config, s, i);
			const char *name = ph_format_name(fourcc);
			struct ph_size_range r;

			fprintf(stderr, "%s %s", i ? "," : "", name ? name : "?");
			if (ph_config_size_range(config, s, fourcc, &r) == 0)
				fprintf(stderr, " %ux%u..%ux%u", r.min_width, r.min_height,
					r.max_width, r.max_height);
		}
		fprintf(stderr, "\n");
	}
}

/* Print each line of @p message as a warning. */
static void warn_lines(const char *message)
{
	while (message && *message) {
		const char *end = strchr(message, '\n');
		int len = end ? (int)(end - message) : (int)strlen(message);

		if (len)
			cli_warning("%.*s", len, message);
		message = end ? end + 1 : NULL;
	}
}

/* Generate, adjust and validate the configuration. @return 0 or an exit code. */
static int build_config(struct capture *cap)
{
	const struct capture_options *opts = cap->opts;
	enum ph_stream_role roles[CLI_MAX_STREAMS];
	char list[512];

	for (unsigned i = 0; i < opts->stream_count; i++)
		roles[i] = opts->streams[i].role;

	cap->config = ph_camera_generate_config(cap->camera, roles, opts->stream_count);
	if (!cap->config) {
		/* Find the role at fault, if a single one is. */
		for (unsigned i = 0; i < opts->stream_count; i++) {
			struct ph_config *one =
				ph_camera_generate_config(cap->camera, &roles[i], 1);

			ph_config_free(one);
			if (!one) {
				cli_error("camera '%s' does not support the %s role",
					  ph_camera_get_id(cap->camera),
					  ph_stream_role_name(roles[i]));
				return CLI_EXIT_RUNTIME;
			}
		}
		cli_error("camera '%s' does not support this combination of streams",
			  ph_camera_get_id(cap->camera));
		return CLI_EXIT_RUNTIME;
	}

	for (unsigned i = 0; i < opts->stream_count; i++) {
		const struct stream_spec *spec = &opts->streams[i];
		struct ph_stream_config *sc = ph_config_stream_at(cap->config, i);
		bool offered = false;

		if (!sc) {
			cli_error("the camera returned fewer streams than asked for");
			return CLI_EXIT_RUNTIME;
		}
		if (spec->format[0]) {
			uint32_t fourcc = ph_format_from_name(spec->format);

			format_list(cap->config, i, list, sizeof(list));
			if (!fourcc) {
				cli_error("stream %u: unknown format '%s'; valid formats: %s", i,
					  spec->format, list);
				return CLI_EXIT_USAGE;
			}
			for (unsigned f = 0; f < ph_config_format_count(cap->config, i); f++)
				if (ph_config_format_at(cap->config, i, f) == fourcc)
					offered = true;
			if (!offered) {
				cli_error("stream %u (%s) does not support format %s; valid "
					  "formats: %s",
					  i, ph_stream_role_name(spec->role),
					  ph_format_name(fourcc), list);
				return CLI_EXIT_RUNTIME;
			}
			sc->pixel_format = fourcc;
		}
		if (spec->width)
			sc->width = spec->width;
		if (spec->height)
			sc->height = spec->height;
		if (sc->buffer_count < CAPTURE_MIN_BUFFERS)
			sc->buffer_count = CAPTURE_MIN_BUFFERS;
	}

	switch (ph_config_validate(cap->config)) {
	case PH_CONFIG_VALID:
		break;
	case PH_CONFIG_ADJUSTED: {
		const char *message = ph_config_get_message(cap->config);

		if (message && *message) {
			warn_lines(message);
		} else {
			for (unsigned i = 0; i < ph_config_stream_count(cap->config); i++) {
				struct ph_stream_config *sc = ph_config_stream_at(cap->config, i);

				if (sc->adjusted & (PH_ADJUSTED_FORMAT | PH_ADJUSTED_SIZE))
					cli_warning("stream %u adjusted to %s %ux%u", i,
						    ph_format_name(sc->pixel_format), sc->width,
						    sc->height);
			}
		}
		break;
	}
	case PH_CONFIG_INVALID:
	default: {
		const char *message = ph_config_get_message(cap->config);

		cli_error("invalid configuration: %s",
			  message && *message ? message : "rejected by the camera");
		print_stream_offers(cap->config);
		return CLI_EXIT_RUNTIME;
	}
	}
	return 0;
}

/* Check the --control values against what the camera supports. */
static int check_controls(struct capture *cap)
{
	const struct capture_options *opts = cap->opts;

	cap->controls = ph_control_list_new();
	if (!cap->controls) {
		cli_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < opts->control_count; i++) {
		const struct control_setting *set = &opts->controls[i];
		const struct ph_control_info *info =
			ph_camera_find_control(cap->camera, set->desc->id);
		const struct ph_control_value *v = &set->value;
		bool out_of_range = false;
		char min[128], max[128];
		int ret;

		if (!info) {
			cli_error("camera '%s' does not support control '%s'",
				  ph_camera_get_id(cap->camera), set->desc->name);
			return CLI_EXIT_RUNTIME;
		}
		for (uint32_t e = 0; e < v->count && e < PH_CONTROL_MAX_ELEMENTS; e++) {
			if (info->min.type != v->type || info->max.type != v->type ||
			    info->min.count != v->count || info->max.count != v->count)
				break;
			switch (v->type) {
			case PH_CONTROL_TYPE_INT32:
				out_of_range |= v->i32[e] < info->min.i32[e] ||
						v->i32[e] > info->max.i32[e];
				break;
			case PH_CONTROL_TYPE_INT64:
				out_of_range |= v->i64[e] < info->min.i64[e] ||
						v->i64[e] > info->max.i64[e];
				break;
			case PH_CONTROL_TYPE_FLOAT:
				out_of_range |=
					v->f[e] < info->min.f[e] || v->f[e] > info->max.f[e];
				break;
			default:
				break;
			}
		}
		if (out_of_range) {
			ph_control_value_format(&info->min, min, sizeof(min));
			ph_control_value_format(&info->max, max, sizeof(max));
			cli_warning("control '%s' is outside its range %s..%s; the camera clamps "
				    "it",
				    set->desc->name, min, max);
		}
		ret = ph_control_list_set(cap->controls, set->desc->id, v);
		if (ret < 0) {
			cli_error("cannot set control '%s': %s", set->desc->name, strerror(-ret));
			return CLI_EXIT_RUNTIME;
		}
	}
	return 0;
}

static int set_request_controls(struct capture *cap, struct ph_request *request)
{
	struct ph_control_list *list = ph_request_get_controls(request);

	for (unsigned i = 0; i < cap->opts->control_count; i++) {
		const struct control_setting *set = &cap->opts->controls[i];
		int ret = ph_control_list_set(list, set->desc->id, &set->value);

		if (ret < 0) {
			cli_error("cannot set control '%s': %s", set->desc->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The --output pattern of stream @p index, or NULL; its writer in @p type. */
static const char *stream_output(const struct capture_options *opts, unsigned index,
				 enum image_file_type *type)
{
	unsigned o = opts->output_count > 1 ? index : 0;

	if (!opts->output_count)
		return NULL;
	*type = opts->output_types[o];
	return opts->outputs[o];
}

/* Refuse a writer that cannot take the stream's frames. @return 0 or -EINVAL (reported). */
static int check_output_type(const struct capture_options *opts, unsigned index,
			     const struct ph_stream_config *sc)
{
	enum image_file_type type;
	const char *pattern = stream_output(opts, index, &type);
	uint32_t fourcc = sc->pixel_format;
	const char *fits;

	if (!pattern || image_file_supports(type, fourcc))
		return 0;
	if (image_format_is_bayer(fourcc))
		fits = ".dng, .png or .raw";
	else if (image_format_is_processed(fourcc) || fourcc == PH_FORMAT_RGB48)
		fits = ".png, .jpg, .ppm or .raw";
	else
		fits = ".raw";
	cli_error("cannot write stream %u (%s, %s) as %s ('%s'): %s files take %s frames; for "
		  "this stream use %s%s",
		  index, ph_stream_role_name(sc->role), ph_format_name(fourcc),
		  image_file_type_name(type), pattern, image_file_type_name(type),
		  image_file_type_takes(type), fits,
		  opts->stream_count > 1 ? ", with one --output per stream" : "");
	return -EINVAL;
}

/* Configure the camera, allocate buffers, create requests. @return 0 or an exit code. */
static int prepare(struct capture *cap)
{
	const struct capture_options *opts = cap->opts;
	unsigned request_count = UINT32_MAX;
	int ret;

	ret = ph_camera_configure(cap->camera, cap->config);
	if (ret < 0) {
		cli_error("cannot configure camera '%s': %s", ph_camera_get_id(cap->camera),
			  strerror(-ret));
		return CLI_EXIT_RUNTIME;
	}
	cap->stream_count = ph_camera_stream_count(cap->camera);
	if (cap->stream_count != opts->stream_count) {
		cli_error("camera configured %u streams instead of %u", cap->stream_count,
			  opts->stream_count);
		return CLI_EXIT_RUNTIME;
	}

	/* Every stream's writer first, so nothing is allocated or printed for nothing. */
	for (unsigned i = 0; i < cap->stream_count; i++) {
		struct ph_stream *stream = ph_camera_stream_at(cap->camera, i);
		const struct ph_stream_config *sc = stream ? ph_stream_get_config(stream) : NULL;

		if (sc && check_output_type(opts, i, sc))
			return CLI_EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < cap->stream_count; i++) {
		struct ph_stream *stream = ph_camera_stream_at(cap->camera, i);
		const struct ph_stream_config *sc = stream ? ph_stream_get_config(stream) : NULL;
		unsigned want;

		if (!sc) {
			cli_error("camera lost stream %u", i);
			return CLI_EXIT_RUNTIME;
		}
		cap->streams[i] = stream;

		want = sc->buffer_count > CAPTURE_MIN_BUFFERS ? sc->buffer_count
							      : CAPTURE_MIN_BUFFERS;
		ret = ph_stream_allocate_buffers(stream, want);
		if (ret < 0) {
			cli_error("cannot allocate buffers for stream %u: %s", i, strerror(-ret));
			return CLI_EXIT_RUNTIME;
		}
		if (ph_stream_buffer_count(stream) < request_count)
			request_count = ph_stream_buffer_count(stream);
		if (!opts->quiet)
			printf("stream %u: %s %s %ux%u, stride %u, %u buffers\n", i,
			       ph_stream_role_name(sc->role), ph_format_name(sc->pixel_format),
			       sc->width, sc->height, sc->stride, ph_stream_buffer_count(stream));
	}

	if (!request_count || request_count == UINT32_MAX) {
		cli_error("no buffers allocated");
		return CLI_EXIT_RUNTIME;
	}
	cap->requests = calloc(request_count, sizeof(*cap->requests));
	if (!cap->requests) {
		cli_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	for (unsigned r = 0; r < request_count; r++) {
		struct ph_request *request = ph_camera_create_request(cap->camera, r);

		if (!request) {
			cli_error("cannot create a request");
			return CLI_EXIT_RUNTIME;
		}
		cap->requests[cap->request_count++] = request;
		for (unsigned i = 0; i < cap->stream_count; i++) {
			ret = ph_request_add_buffer(request, cap->streams[i],
						    ph_stream_buffer_at(cap->streams[i], r));
			if (ret < 0) {
				cli_error("cannot add a buffer to a request: %s", strerror(-ret));
				return CLI_EXIT_RUNTIME;
			}
		}
		if (set_request_controls(cap, request) < 0)
			return CLI_EXIT_RUNTIME;
	}
	return 0;
}

/* Block SIGINT and SIGTERM and receive them through a signalfd in the poll set. */
static void setup_signals(struct capture *cap)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return;
	cap->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (cap->signal_fd < 0) {
		cli_warning("cannot watch for Ctrl-C: %s", strerror(errno));
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
	}
}

static int queue_request(struct capture *cap, struct ph_request *request)
{
	int ret = ph_camera_queue_request(cap->camera, request);

	if (ret < 0) {
		cli_error("cannot queue a request: %s", strerror(-ret));
		return ret;
	}
	cap->queued++;
	return 0;
}

static uint64_t request_timestamp(const struct capture *cap, const struct ph_request *request)
{
	const struct ph_control_list *metadata = ph_request_get_metadata(request);
	int64_t ts;

	for (unsigned i = 0; i < cap->stream_count; i++) {
		struct ph_buffer *buffer = ph_request_find_buffer(request, cap->streams[i]);

		if (buffer && ph_buffer_get_timestamp(buffer))
			return ph_buffer_get_timestamp(buffer);
	}
	if (metadata && ph_control_list_get_int64(metadata, PH_CONTROL_SENSOR_TIMESTAMP, &ts) == 0)
		return (uint64_t)ts;
	return 0;
}

static void print_metadata(const struct ph_request *request, uint64_t timestamp)
{
	const struct ph_control_list *metadata = ph_request_get_metadata(request);
	unsigned count = metadata ? ph_control_list_count(metadata) : 0;
	char value[512];

	printf("seq=%u ts=%llu", ph_request_get_sequence(request), (unsigned long long)timestamp);
	for (unsigned i = 0; i < count; i++) {
		uint32_t id = ph_control_list_id_at(metadata, i);
		const struct ph_control_desc *desc = ph_control_desc_by_id(id);

		if (cli_format_list_value(metadata, id, value, sizeof(value)) < 0)
			continue;
		if (desc)
			printf(" %s=%s", desc->name, value);
		else
			printf(" 0x%x=%s", id, value);
	}
	printf("\n");
	fflush(stdout);
}

/* CLOCK_MONOTONIC nanoseconds to seconds since the epoch, for DNG dates. */
static int64_t wall_clock_seconds(uint64_t monotonic_ns)
{
	struct timespec mono, real;
	int64_t now_mono_ns;

	if (!monotonic_ns || clock_gettime(CLOCK_MONOTONIC, &mono) ||
	    clock_gettime(CLOCK_REALTIME, &real))
		return 0;
	now_mono_ns = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	return real.tv_sec - (now_mono_ns - (int64_t)monotonic_ns) / 1000000000;
}

/* What a DNG of this request records: its metadata and the camera's model. */
static void raw_info(const struct capture *cap, const struct ph_request *request,
		     uint64_t timestamp, struct image_raw_info *info)
{
	const struct ph_control_list *md = ph_request_get_metadata(request);
	struct ph_control_value v;

	*info = (struct image_raw_info){
		.model = ph_control_list_get_string(ph_camera_get_properties(cap->camera),
						    PH_PROPERTY_MODEL),
		.capture_time = wall_clock_seconds(timestamp),
	};
	if (!md)
		return;
	if (!ph_control_list_get(md, PH_CONTROL_SENSOR_BLACK_LEVELS, &v) &&
	    v.type == PH_CONTROL_TYPE_INT32 && v.count == 4) {
		info->have_black = true;
		for (unsigned i = 0; i < 4; i++)
			info->black_level[i] = (uint16_t)(v.i32[i] < 0	     ? 0
							  : v.i32[i] > 65535 ? 65535
									     : v.i32[i]);
	}
	if (!ph_control_list_get(md, PH_CONTROL_COLOUR_GAINS, &v) &&
	    v.type == PH_CONTROL_TYPE_FLOAT && v.count == 2) {
		info->have_gains = true;
		memcpy(info->colour_gains, v.f, sizeof(info->colour_gains));
	}
	if (!ph_control_list_get(md, PH_CONTROL_COLOUR_CORRECTION_MATRIX, &v) &&
	    v.type == PH_CONTROL_TYPE_FLOAT && v.count == 9) {
		info->have_ccm = true;
		memcpy(info->ccm, v.f, sizeof(info->ccm));
	}
	ph_control_list_get_int32(md, PH_CONTROL_COLOUR_TEMPERATURE, &info->colour_temperature);
	ph_control_list_get_int32(md, PH_CONTROL_EXPOSURE_TIME, &info->exposure_us);
	ph_control_list_get_float(md, PH_CONTROL_ANALOGUE_GAIN, &info->analogue_gain);
}

/* Write the buffers of a completed request. @return 0 or an exit code. */
static int write_frame(struct capture *cap, struct ph_request *request)
{
	uint32_t sequence = ph_request_get_sequence(request);
	struct image_raw_info info;
	struct image_write_options options = {
		.jpeg_quality = cap->opts->jpeg_quality,
		.raw = &info,
	};

	raw_info(cap, request, request_timestamp(cap, request), &info);

	for (unsigned i = 0; i < cap->stream_count; i++) {
		struct ph_buffer *buffer = ph_request_find_buffer(request, cap->streams[i]);
		const struct ph_stream_config *sc = ph_stream_get_config(cap->streams[i]);
		struct image_frame frame = {
			.fourcc = sc->pixel_format,
			.width = sc->width,
			.height = sc->height,
			.colorspace = sc->colorspace,
		};
		enum image_file_type type = IMAGE_FILE_RAW;
		const char *pattern = stream_output(cap->opts, i, &type);
		char *path;
		int ret;

		if (!buffer || ph_buffer_get_status(buffer) != PH_BUFFER_SUCCESS)
			continue;
		frame.plane_count = ph_buffer_plane_count(buffer);
		if (frame.plane_count > 3)
			frame.plane_count = 3;
		for (unsigned p = 0; p < frame.plane_count; p++) {
			const struct ph_plane *plane = ph_buffer_plane_at(buffer, p);

			frame.data[p] = ph_buffer_map(buffer, p);
			if (!plane || !frame.data[p]) {
				cli_error("cannot map plane %u of a stream %u buffer", p, i);
				return CLI_EXIT_RUNTIME;
			}
			frame.stride[p] = plane->stride ? plane->stride : sc->stride;
			frame.bytes_used[p] = ph_buffer_get_bytes_used(buffer, p);
			if (!frame.bytes_used[p])
				frame.bytes_used[p] = plane->length;
		}

		/* One pattern for all streams: "-s<i>" tells them apart. */
		path = output_file_name(pattern, sequence, cap->opts->output_count > 1 ? 0 : i);
		if (!path) {
			cli_error("out of memory");
			return CLI_EXIT_RUNTIME;
		}
		ret = image_write(path, type, &frame, &options);
		if (ret < 0) {
			cli_error("cannot write '%s': %s", path,
				  ret == -EMSGSIZE ? "frame smaller than its format needs"
						   : strerror(-ret));
			free(path);
			return CLI_EXIT_RUNTIME;
		}
		free(path);
	}
	return 0;
}

static void show_progress(struct capture *cap)
{
	double fps = 0.0;

	if (cap->completed > 1 && cap->last_timestamp > cap->first_timestamp)
		fps = (cap->completed - 1) * 1e9 /
		      (double)(cap->last_timestamp - cap->first_timestamp);
	if (cap->opts->frames)
		fprintf(stderr, "\rframe %u/%u, %.1f fps", cap->completed, cap->opts->frames, fps);
	else
		fprintf(stderr, "\rframe %u, %.1f fps", cap->completed, fps);
	cap->progress_shown = true;
}

/* Handle one completed request. @return 0 or an exit code. */
static int request_completed(struct capture *cap, struct ph_request *request)
{
	const struct capture_options *opts = cap->opts;
	uint32_t sequence;
	uint64_t timestamp;
	bool failed = false;
	int ret;

	if (ph_request_get_status(request) != PH_REQUEST_COMPLETE)
		return 0; /* cancelled: nothing to use, and no reason to requeue */
	if (opts->frames && cap->completed >= opts->frames)
		return 0;

	sequence = ph_request_get_sequence(request);
	timestamp = request_timestamp(cap, request);
	if (cap->completed) {
		if (sequence > cap->last_sequence + 1)
			cap->dropped += sequence - cap->last_sequence - 1;
	} else {
		cap->first_timestamp = timestamp;
	}
	cap->last_sequence = sequence;
	cap->last_timestamp = timestamp;
	cap->completed++;

	for (unsigned i = 0; i < cap->stream_count; i++) {
		struct ph_buffer *buffer = ph_request_find_buffer(request, cap->streams[i]);

		if (buffer && ph_buffer_get_status(buffer) != PH_BUFFER_SUCCESS)
			failed = true;
	}
	if (failed) {
		cap->failed++;
		if (!opts->quiet)
			cli_warning("frame %u: a buffer holds no valid data", sequence);
	}

	if (opts->metadata)
		print_metadata(request, timestamp);
	if (opts->output_count) {
		ret = write_frame(cap, request);
		if (ret)
			return ret;
	}
	if (cap->show_progress)
		show_progress(cap);

	if (cap->interrupted || (opts->frames && cap->queued >= opts->frames))
		return 0;
	ret = ph_request_reuse(request, PH_REQUEST_REUSE_BUFFERS);
	if (ret < 0) {
		cli_error("cannot reuse a request: %s", strerror(-ret));
		return CLI_EXIT_RUNTIME;
	}
	if (set_request_controls(cap, request) < 0 || queue_request(cap, request) < 0)
		return CLI_EXIT_RUNTIME;
	return 0;
}

/* Handle the queued events. @return 0 or an exit code. */
static int handle_events(struct capture *cap)
{
	struct ph_event *event;
	int ret = 0;

	while ((event = ph_context_next_event(cap->ctx))) {
		bool ours = ph_event_get_camera(event) == cap->camera;

		switch (ph_event_get_type(event)) {
		case PH_EVENT_REQUEST_COMPLETED:
			if (!ret && ours)
				ret = request_completed(cap, ph_event_get_request(event));
			break;
		case PH_EVENT_CAMERA_REMOVED:
			if (ours && !ret) {
				cli_error("camera '%s' was removed", ph_camera_get_id(cap->camera));
				ret = CLI_EXIT_RUNTIME;
			}
			break;
		case PH_EVENT_CAMERA_ERROR:
			if (ours && !ret) {
				const char *message = ph_event_get_message(event);

				cli_error("camera '%s' failed: %s (%s)",
					  ph_camera_get_id(cap->camera), message ? message : "",
					  strerror(-ph_event_get_error(event)));
				cap->started = false; /* it stopped itself */
				ret = CLI_EXIT_RUNTIME;
			}
			break;
		default:
			break;
		}
		ph_event_free(event);
	}
	return ret;
}

static int run(struct capture *cap)
{
	const struct capture_options *opts = cap->opts;
	unsigned initial = cap->request_count;
	int ret;

	if (opts->frames && opts->frames < initial)
		initial = opts->frames;

	setup_signals(cap);
	ret = ph_camera_start(cap->camera, cap->controls);
	if (ret < 0) {
		cli_error("cannot start camera '%s': %s", ph_camera_get_id(cap->camera),
			  strerror(-ret));
		return CLI_EXIT_RUNTIME;
	}
	cap->started = true;
	for (unsigned r = 0; r < initial; r++)
		if (queue_request(cap, cap->requests[r]) < 0)
			return CLI_EXIT_RUNTIME;

	while (!opts->frames || cap->completed < opts->frames) {
		struct pollfd fds[2] = {
			{.fd = ph_context_get_fd(cap->ctx), .events = POLLIN},
			{.fd = cap->signal_fd, .events = POLLIN},
		};
		int n = poll(fds, 2, CAPTURE_TIMEOUT_MS);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			cli_error("poll: %s", strerror(errno));
			return CLI_EXIT_RUNTIME;
		}
		if (n == 0) {
			cli_error("no frame from camera '%s' for %d s",
				  ph_camera_get_id(cap->camera), CAPTURE_TIMEOUT_MS / 1000);
			return CLI_EXIT_RUNTIME;
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo info;

			if (read(cap->signal_fd, &info, sizeof(info)) > 0)
				cap->interrupted = true;
		}
		if (fds[0].revents) {
			ret = ph_context_dispatch(cap->ctx);
			if (ret < 0) {
				cli_error("dispatch: %s", strerror(-ret));
				return CLI_EXIT_RUNTIME;
			}
		}
		ret = handle_events(cap);
		if (ret)
			return ret;
		if (cap->interrupted)
			break;
	}
	return 0;
}

static void print_summary(const struct capture *cap)
{
	double seconds = 0.0;

	if (cap->progress_shown)
		fputc('\n', stderr);
	if (cap->completed > 1 && cap->last_timestamp > cap->first_timestamp)
		seconds = (double)(cap->last_timestamp - cap->first_timestamp) / 1e9;
	printf("%s%u frame%s captured, %u dropped", cap->interrupted ? "interrupted: " : "",
	       cap->completed, cap->completed == 1 ? "" : "s", cap->dropped);
	if (cap->failed)
		printf(", %u with errors", cap->failed);
	if (seconds > 0.0)
		printf(", %.2f fps\n", (cap->completed - 1) / seconds);
	else
		printf(", fps unknown\n");
}

static void cleanup(struct capture *cap)
{
	if (cap->started)
		ph_camera_stop(cap->camera);
	cap->started = false;
	/* Stopping cancelled the queued requests: their events hand them back. */
	cli_drain_events(cap->ctx);
	for (unsigned r = 0; r < cap->request_count; r++)
		if (ph_request_free(cap->requests[r]) < 0)
			cli_warning("a request is still queued; leaking it");
	free(cap->requests);
	if (cap->acquired)
		ph_camera_release(cap->camera);
	cli_drain_events(cap->ctx);
	ph_config_free(cap->config);
	ph_control_list_free(cap->controls);
	if (cap->camera)
		ph_camera_unref(cap->camera);
	if (cap->signal_fd >= 0)
		close(cap->signal_fd);
	ph_context_unref(cap->ctx);
}

int cmd_capture(const struct cli_global *global, int argc, char **argv)
{
	struct capture_options opts = {.global = *global};
	struct capture cap = {.opts = &opts, .signal_fd = -1};
	struct ph_camera *camera;
	int ret;

	ret = parse_options(&opts, argc, argv);
	if (ret >= 0) {
		free(opts.controls);
		return ret;
	}

	cap.ctx = cli_context_new(&opts.global);
	if (!cap.ctx) {
		free(opts.controls);
		return CLI_EXIT_RUNTIME;
	}
	cli_drain_events(cap.ctx);

	camera = cli_find_camera(cap.ctx, opts.camera);
	if (!camera) {
		ret = CLI_EXIT_RUNTIME;
		goto out;
	}
	cap.camera = ph_camera_ref(camera);

	ret = ph_camera_acquire(cap.camera);
	if (ret < 0) {
		cli_error("cannot acquire camera '%s': %s", ph_camera_get_id(cap.camera),
			  ret == -EBUSY ? "it is in use" : strerror(-ret));
		ret = CLI_EXIT_RUNTIME;
		goto out;
	}
	cap.acquired = true;

	ret = build_config(&cap);
	if (!ret)
		ret = check_controls(&cap);
	if (!ret)
		ret = prepare(&cap);
	if (!ret) {
		cap.show_progress = !opts.quiet && !opts.metadata && isatty(STDERR_FILENO);
		ret = run(&cap);
		print_summary(&cap);
	}

out:
	cleanup(&cap);
	free(opts.controls);
	return ret;
}
