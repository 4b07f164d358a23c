/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cost of Pinhole's request path on the simulated camera with rendering
 * off: queue, frame clock, completion event, requeue. Prints the CPU time
 * per frame beside the cost of the bare minimum any frame clock pays (a
 * timerfd wake-up through epoll and poll), and the time from context
 * creation to the first completed frame.
 *
 * usage: bench-request-path [FRAMES]
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <pinhole/pinhole.h>

#define REQUESTS 8

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

struct session {
	struct ph_context *ctx;
	struct ph_camera *cam;
	struct ph_config *cfg;
	struct ph_request *reqs[REQUESTS];
};

static void session_end(struct session *s)
{
	if (s->cam && ph_camera_stop(s->cam) == 0)
		for (struct ph_event *ev; (ev = ph_context_next_event(s->ctx)); ph_event_free(ev))
			;
	for (unsigned i = 0; i < REQUESTS; i++)
		ph_request_free(s->reqs[i]);
	ph_config_free(s->cfg);
	if (s->cam)
		ph_camera_release(s->cam);
	ph_context_unref(s->ctx);
	memset(s, 0, sizeof(*s));
}

/* Open the virtual camera, configure one viewfinder stream, start, queue. */
static int session_begin(struct session *s, const struct ph_control_list *start_controls)
{
	struct ph_stream *stream;

	memset(s, 0, sizeof(*s));
	s->ctx = ph_context_new(NULL);
	s->cam = s->ctx ? ph_context_get_camera(s->ctx, "virtual") : NULL;
	if (!s->cam || ph_camera_acquire(s->cam) < 0)
		return -1;
	s->cfg = ph_camera_generate_config(s->cam, (enum ph_stream_role[]){PH_ROLE_VIEWFINDER}, 1);
	if (!s->cfg || ph_camera_configure(s->cam, s->cfg) < 0)
		return -1;
	stream = ph_camera_stream_at(s->cam, 0);
	if (ph_stream_allocate_buffers(stream, REQUESTS) != REQUESTS)
		return -1;
	for (unsigned i = 0; i < REQUESTS; i++) {
		s->reqs[i] = ph_camera_create_request(s->cam, i);
		if (!s->reqs[i] ||
		    ph_request_add_buffer(s->reqs[i], stream, ph_stream_buffer_at(stream, i)) < 0)
			return -1;
	}
	if (ph_camera_start(s->cam, start_controls) < 0)
		return -1;
	for (unsigned i = 0; i < REQUESTS; i++)
		if (ph_camera_queue_request(s->cam, s->reqs[i]) < 0)
			return -1;
	return 0;
}

/* Run until @frames requests completed; @return frames seen by the sensor. */
static unsigned run(struct session *s, unsigned frames, unsigned *completed)
{
	uint32_t first = 0, last = 0;

	*completed = 0;
	while (*completed < frames) {
		poll(&(struct pollfd){ph_context_get_fd(s->ctx), POLLIN, 0}, 1, 1000);
		ph_context_dispatch(s->ctx);
		for (struct ph_event *ev; (ev = ph_context_next_event(s->ctx)); ph_event_free(ev)) {
			struct ph_request *req = ph_event_get_request(ev);

			if (!req || ph_request_get_status(req) != PH_REQUEST_COMPLETE)
				continue;
			last = ph_request_get_sequence(req);
			if ((*completed)++ == 0)
				first = last;
			ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS);
			ph_camera_queue_request(s->cam, req);
		}
	}
	return last - first + 1;
}

/* The floor: one timerfd expiry per frame, delivered through epoll and poll. */
static double bare_wakeup_us(unsigned frames, uint64_t period_ns)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec its = {{0, (long)period_ns}, {0, (long)period_ns}};
	struct epoll_event ev = {.events = EPOLLIN};
	unsigned n = 0;
	double c0;

	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	timerfd_settime(tfd, 0, &its, NULL);
	c0 = cpu_s();
	while (n < frames) {
		struct epoll_event out;
		uint64_t exp;

		poll(&(struct pollfd){ep, POLLIN, 0}, 1, 1000);
		if (epoll_wait(ep, &out, 1, 0) == 1 && read(tfd, &exp, sizeof(exp)) == sizeof(exp))
			n += (unsigned)exp;
	}
	c0 = cpu_s() - c0;
	close(tfd);
	close(ep);
	return c0 * 1e6 / n;
}

int main(int argc, char **argv)
{
	unsigned frames = argc > 1 ? (unsigned)atoi(argv[1]) : 20000, completed, seen;
	struct ph_control_list *ctrls = ph_control_list_new();
	struct session s;
	double t0, c0, context_ms, first_frame_ms, cpu_us, wall;

	if (!ctrls)
		return 1;

	/* 1. Time to first frame, default virtual camera (renders, 30 fps). */
	unsetenv("PINHOLE_VIRTUAL");
	t0 = now_s();
	ph_context_unref(ph_context_new(NULL));
	context_ms = (now_s() - t0) * 1e3;
	t0 = now_s();
	if (session_begin(&s, NULL) < 0) {
		fprintf(stderr, "cannot start the virtual camera\n");
		return 1;
	}
	run(&s, 1, &completed);
	first_frame_ms = (now_s() - t0) * 1e3;
	session_end(&s);

	/* 2. Request path cost: no rendering, 20 kHz frame clock. */
	setenv("PINHOLE_VIRTUAL",
	       "render=false,width=640,height=480,max-frame-rate=20000,"
	       "frame-rate=20000",
	       1);
	ph_control_list_set_int32(ctrls, PH_CONTROL_EXPOSURE_TIME, 20);
	if (session_begin(&s, ctrls) < 0) {
		fprintf(stderr, "cannot start the fast virtual camera\n");
		return 1;
	}
	run(&s, 200, &completed); /* warm up */
	c0 = cpu_s();
	t0 = now_s();
	seen = run(&s, frames, &completed);
	cpu_us = (cpu_s() - c0) * 1e6 / completed;
	wall = now_s() - t0;
	session_end(&s);
	ph_control_list_free(ctrls);

	double floor_us = bare_wakeup_us(frames, 50000);

	printf("ph_context_new + ph_context_unref (enumerate cameras): %.3f ms\n", context_ms);
	printf("time from ph_context_new to first completed frame (default camera, 30 fps): "
	       "%.1f ms (one frame period is 33.3 ms)\n",
	       first_frame_ms);
	printf("request path, %u frames at a 50 us frame clock, %d requests, rendering off:\n",
	       completed, REQUESTS);
	printf("  CPU per frame (queue + clock + complete + event + requeue): %.2f us\n", cpu_us);
	printf("  bare timerfd+epoll wake-up per frame (the floor):            %.2f us\n",
	       floor_us);
	printf("  ratio request path / bare wake-up:                         %.2fx\n",
	       cpu_us / floor_us);
	printf("  frames completed %u of %u the sensor produced (%.0f fps achieved)\n", completed,
	       seen, completed / wall);
	return 0;
}
