#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Frame rate and CPU per frame through the V4L2 compatibility layer.

Captures the same processed stream of the simulated camera (same format,
size, frame count and 60 fps frame clock, no file output) with
  - the pinhole CLI (the native API, the reference),
  - v4l2-ctl --stream-mmap to /dev/null through pinhole-v4l2,
  - ffmpeg -f v4l2 to the null muxer through pinhole-v4l2,
and prints fps and CPU time per frame (user + system, all threads) with
their ratios to the CLI. Figures only: nothing passes or fails.

Usage: bench/bench-v4l2.py [--build DIR] [--frames N] [--size WxH] [--format FOURCC]
                           [--repeat N] [--quick]
"""

import argparse
import os
import shutil
import subprocess
import sys
import time


def measure(argv):
    """Run @argv; return (wall seconds, CPU seconds of it and its threads, output)."""
    env = dict(os.environ, PINHOLE_VIRTUAL="", PINHOLE_VIRTUAL_CONFIG="", PINHOLE_LOG_LEVEL="")
    start = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(out.decode(errors="replace")[-2000:])
        sys.exit("bench-v4l2: '%s' failed (%d)" % (" ".join(argv), p.returncode))
    return wall, usage.ru_utime + usage.ru_stime, out.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="meson build directory (default: build)")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--format", default="NV12", help="Pinhole/V4L2 format name (NV12, YUYV...)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per path; medians are shown")
    ap.add_argument("--quick", action="store_true", help="60 frames, one run")
    args = ap.parse_args()
    frames = 60 if args.quick else args.frames
    repeat = 1 if args.quick else max(1, args.repeat)
    width, height = (int(x) for x in args.size.lower().split("x"))
    fmt = args.format.upper()
    cli = os.path.join(args.build, "src/tools/pinhole/pinhole")
    wrapper = os.path.join(args.build, "src/v4l2-compat/pinhole-v4l2")
    for path in (cli, wrapper):
        if not os.access(path, os.X_OK):
            sys.exit("bench-v4l2: %s not built (meson compile -C %s)" % (path, args.build))
    node = next("/dev/video%d" % n for n in range(64) if not os.path.exists("/dev/video%d" % n))
    through = [wrapper, "--camera", "virtual", "--node", node, "--"]
    ffmpeg_fmt = {"NV12": "nv12", "YUYV": "yuyv422", "RGB888": "rgb24", "YU12": "yuv420p",
                  "YUV420": "yuv420p", "UYVY": "uyvy422", "BGR888": "bgr24"}.get(fmt)
    v4l2_fmt = {"RGB888": "RGB3", "BGR888": "BGR3", "YUV420": "YU12"}.get(fmt, fmt)

    runs = [("pinhole capture (native API)",
             [cli, "capture", "virtual", "--frames", str(frames), "-q", "--stream",
              "role=viewfinder,width=%d,height=%d,format=%s" % (width, height, fmt),
              "--control", "FrameDurationLimits=16666,16666"])]
    if shutil.which("v4l2-ctl"):
        runs.append(("v4l2-ctl --stream-mmap (V4L2 layer)",
                     through + ["v4l2-ctl", "-d", node, "--set-fmt-video=width=%d,height=%d,"
                                "pixelformat=%s" % (width, height, v4l2_fmt), "--set-parm=60",
                                "--stream-mmap=4", "--stream-count=%d" % frames,
                                "--stream-to=/dev/null"]))
    if shutil.which("ffmpeg") and ffmpeg_fmt:
        runs.append(("ffmpeg -f v4l2 (V4L2 layer)",
                     through + ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "v4l2",
                                "-input_format", ffmpeg_fmt, "-framerate", "60", "-video_size",
                                "%dx%d" % (width, height), "-i", node, "-frames:v", str(frames),
                                "-f", "null", "-"]))

    print("V4L2 layer vs native capture: %s %dx%d, %d frames at a 60 fps frame clock, "
          "no file output, median of %d runs (%d CPUs)" % (fmt, width, height, frames, repeat,
                                                          os.cpu_count()))
    print("%-38s %7s %8s %8s %12s %9s %9s" % ("path", "wall s", "fps", "CPU s", "CPU ms/frame",
                                             "fps ratio", "CPU ratio"))
    ref = None
    for name, argv in runs:
        results = sorted(measure(argv)[:2] for _ in range(repeat))
        wall = results[len(results) // 2][0]
        cpu = sorted(r[1] for r in results)[len(results) // 2]
        fps, per_frame = frames / wall, cpu * 1000.0 / frames
        if ref is None:
            ref = (fps, per_frame)
        print("%-38s %7.2f %8.1f %8.2f %12.2f %9.2f %9.2f" % (
            name, wall, fps, cpu, per_frame, fps / ref[0], per_frame / ref[1]))
    print("fps: frames / wall time of the whole run, start-up included (the sensor clock caps")
    print("it at 60); ratios are against pinhole capture (CPU ratio > 1: costlier).")


if __name__ == "__main__":
    main()
