/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nothing outlives the context: after a capture with allocated, imported
 * and mapped buffers, on two streams and through a reconfiguration, every
 * file descriptor and every mapping the library made is gone once the
 * context is destroyed. Counts /proc/self/fd and /proc/self/maps.
 * Exit 0 on success, 1 on failure, 77 if /proc is missing.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pinhole/pinhole.h>

#define FRAMES	 20
#define REQUESTS 4

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* CHECK, and give up on failure. @cond is evaluated once. */
#define REQUIRE(cond, ...)                                                                         \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: required: %s: ", __FILE__, __LINE__, #cond);       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct maps {
	int total; /* lines of /proc/self/maps */
	int named; /* those with a path: files, memfds, [heap]... */
	int memfd; /* those mapping a memfd */
};

static int count_maps(struct maps *m)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];

	*m = (struct maps){0};
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char path[4096] = "";

		m->total++;
		if (sscanf(line, "%*s %*s %*s %*s %*s %4095s", path) == 1 && path[0])
			m->named++;
		m->memfd += strstr(line, "/memfd:") != NULL;
	}
	fclose(f);
	return m->total;
}

/* Print the lines of /proc/self/maps that are not in @before (a copy taken earlier). */
static char *read_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char line[4096];

	while (f && out && fgets(line, sizeof(line), f))
		fputs(line, out);
	if (f)
		fclose(f);
	if (out)
		fclose(out);
	return text;
}

static void list_new_maps(const char *before)
{
	char *after = read_maps(), *save = NULL;

	for (char *l = strtok_r(after, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strstr(before, l))
			fprintf(stderr, "  new mapping: %s\n", l);
	free(after);
}

static void list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300], target[256];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		fprintf(stderr, "  fd %s -> %s\n", e->d_name, target);
	}
	if (d)
		closedir(d);
}

static void quiet_log(struct ph_context *ctx, enum ph_log_priority priority, void *data,
		      const char *format, va_list args)
{
	if (priority == PH_LOG_ERROR) {
		fprintf(stderr, "pinhole error: ");
		vfprintf(stderr, format, args);
	}
}

static struct ph_request *wait_request(struct ph_context *ctx)
{
	for (int spins = 0; spins < 1000; spins++) {
		struct ph_event *ev = ph_context_next_event(ctx);

		if (ev) {
			struct ph_request *req = ph_event_get_request(ev);
			int type = ph_event_get_type(ev);

			ph_event_free(ev);
			if (type == PH_EVENT_REQUEST_COMPLETED)
				return req;
			continue;
		}
		poll(&(struct pollfd){ph_context_get_fd(ctx), POLLIN, 0}, 1, 100);
		REQUIRE(ph_context_dispatch(ctx) == 0, "dispatch");
	}
	REQUIRE(false, "no frame within 100 s");
	return NULL;
}

/* Map every plane of every buffer of every stream; @return the bytes mapped. */
static size_t map_all(struct ph_camera *cam)
{
	size_t bytes = 0;

	for (unsigned s = 0; s < ph_camera_stream_count(cam); s++) {
		struct ph_stream *stream = ph_camera_stream_at(cam, s);

		for (unsigned b = 0; b < ph_stream_buffer_count(stream); b++) {
			struct ph_buffer *buf = ph_stream_buffer_at(stream, b);

			for (unsigned p = 0; p < ph_buffer_plane_count(buf); p++) {
				const volatile uint8_t *m = ph_buffer_map(buf, p);

				REQUIRE(m != NULL, "map stream %u buffer %u plane %u", s, b, p);
				(void)m[0];
				bytes += ph_buffer_plane_at(buf, p)->length;
			}
		}
	}
	return bytes;
}

/* Configure @roles, allocate buffers (plus one imported on stream 0), capture FRAMES frames. */
static void capture(struct ph_context *ctx, struct ph_camera *cam, const enum ph_stream_role *roles,
		    unsigned nroles, int fds_before)
{
	struct ph_config *config = ph_camera_generate_config(cam, roles, nroles);
	struct ph_request *reqs[REQUESTS];
	const struct ph_stream_config *sc;
	struct ph_plane planes[3];
	int fd, queued = 0, done = 0;

	REQUIRE(config, "generate_config");
	REQUIRE(ph_config_validate(config) == PH_CONFIG_VALID, "validate");
	REQUIRE(ph_camera_configure(cam, config) == 0, "configure");
	ph_config_free(config);

	for (unsigned s = 0; s < ph_camera_stream_count(cam); s++)
		REQUIRE(ph_stream_allocate_buffers(ph_camera_stream_at(cam, s), REQUESTS - 1) ==
				REQUESTS - 1,
			"allocate");

	/* One user buffer on stream 0: a memfd of ours, planes laid out as the stream's. */
	sc = ph_stream_get_config(ph_camera_stream_at(cam, 0));
	fd = memfd_create("test-user-buffer", MFD_CLOEXEC);
	REQUIRE(fd >= 0 && ftruncate(fd, sc->frame_size) == 0, "memfd");
	{
		/* The layout of an allocated buffer tells the planes. */
		struct ph_buffer *ref = ph_stream_buffer_at(ph_camera_stream_at(cam, 0), 0);
		unsigned n = ph_buffer_plane_count(ref);

		for (unsigned p = 0; p < n; p++) {
			planes[p] = *ph_buffer_plane_at(ref, p);
			planes[p].fd = fd;
		}
		REQUIRE(ph_stream_import_buffer(ph_camera_stream_at(cam, 0), planes, n), "import");
	}
	close(fd);
	for (unsigned s = 1; s < ph_camera_stream_count(cam); s++)
		REQUIRE(ph_stream_allocate_buffers(ph_camera_stream_at(cam, s), 1) == 1,
			"allocate");

	map_all(cam);
	CHECK(count_fds() > fds_before, "buffers hold fds while configured");

	for (unsigned i = 0; i < REQUESTS; i++) {
		reqs[i] = ph_camera_create_request(cam, i);
		REQUIRE(reqs[i], "create_request");
		for (unsigned s = 0; s < ph_camera_stream_count(cam); s++) {
			struct ph_stream *stream = ph_camera_stream_at(cam, s);

			REQUIRE(ph_request_add_buffer(reqs[i], stream,
						      ph_stream_buffer_at(stream, i)) == 0,
				"add_buffer");
		}
	}
	REQUIRE(ph_camera_start(cam, NULL) == 0, "start");
	for (; queued < REQUESTS; queued++)
		REQUIRE(ph_camera_queue_request(cam, reqs[queued]) == 0, "queue");
	while (done < FRAMES) {
		struct ph_request *req = wait_request(ctx);

		CHECK(ph_request_get_status(req) == PH_REQUEST_COMPLETE, "request %d status %d",
		      done, ph_request_get_status(req));
		done++;
		if (queued < FRAMES) {
			REQUIRE(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS) == 0, "reuse");
			REQUIRE(ph_camera_queue_request(cam, req) == 0, "queue");
			queued++;
		}
	}
	map_all(cam); /* the same mappings again: nothing new */
	REQUIRE(ph_camera_stop(cam) == 0, "stop");
	for (unsigned i = 0; i < REQUESTS; i++)
		REQUIRE(ph_request_free(reqs[i]) == 0, "request_free");
}

static void run(int fds_before)
{
	struct ph_context_params params = {
		.size = sizeof(params),
		.log_handler = quiet_log,
		.log_priority = PH_LOG_ERROR,
	};
	const enum ph_stream_role two[2] = {PH_ROLE_VIDEO, PH_ROLE_RAW};
	const enum ph_stream_role one[1] = {PH_ROLE_VIEWFINDER};
	struct ph_context *ctx;
	struct ph_camera *cam;
	struct ph_event *ev;

	ctx = ph_context_new(&params);
	REQUIRE(ctx, "context");
	cam = ph_context_get_camera(ctx, "virtual:0");
	REQUIRE(cam, "virtual camera");
	REQUIRE(ph_camera_acquire(cam) == 0, "acquire");

	/* Video (NV12, two planes in one fd) and raw; then reconfigure to one stream. */
	capture(ctx, cam, two, 2, fds_before);
	capture(ctx, cam, one, 1, fds_before);

	/* Leave the camera configured with buffers mapped: the context frees them. */
	while ((ev = ph_context_next_event(ctx)))
		ph_event_free(ev);
	ph_context_unref(ctx);
}

/* Named mappings (files, memfds) must match; anonymous ones are the allocator's business. */
static void compare_maps(const char *when, const struct maps *before, const char *before_text)
{
	struct maps now;

	count_maps(&now);
	CHECK(now.memfd == before->memfd, "%s: %d memfd mappings before, %d after", when,
	      before->memfd, now.memfd);
	CHECK(now.named == before->named, "%s: %d named mappings before, %d after", when,
	      before->named, now.named);
	/* Anonymous mappings are not counted: glibc keeps the stacks of joined
	 * threads (the ISP's pool) and malloc's arenas for reuse. */
	if (now.memfd != before->memfd || now.named != before->named)
		list_new_maps(before_text);
}

int main(void)
{
	struct maps maps;
	char *maps_text;
	int fds;

	setenv("PINHOLE_VIRTUAL", "width=320,height=240,frame-rate=100,max-frame-rate=100", 1);
	unsetenv("PINHOLE_VIRTUAL_CONFIG");

	fds = count_fds();
	if (fds < 0 || count_maps(&maps) < 0) {
		fprintf(stderr, "no /proc/self: skipped\n");
		return 77;
	}
	maps_text = read_maps();

	run(fds);
	CHECK(count_fds() == fds, "%d fds open before the context, %d after", fds, count_fds());
	if (count_fds() != fds)
		list_fds();
	compare_maps("first run", &maps, maps_text);

	/* Again: a second context must not accumulate anything either. */
	run(fds);
	CHECK(count_fds() == fds, "second run: %d fds open, %d before", count_fds(), fds);
	compare_maps("second run", &maps, maps_text);

	free(maps_text);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("fd hygiene: %d fds and %d named mappings before and after\n", fds, maps.named);
	return 0;
}
