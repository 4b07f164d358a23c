#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pinholesrc against the pinhole CLI capturing the same stream.

Both capture NV12 1280x720 from the simulated camera with nothing written:
`pinhole capture virtual --stream ...` (no --output) and
`gst-launch-1.0 pinholesrc num-buffers=N ! video/x-raw,... ! fakesink`.
Each runs twice, with SHORT and SHORT+FRAMES frames; the difference removes
start-up (library and GStreamer registry loading, configuration), leaving
the steady-state frames per second and CPU (user+sys of the process, from
wait4) per frame. Two frame rates, both paced by the simulated sensor: its
default 30 fps and 60 fps (its default maximum; the caps ask for 60/1, the
CLI sets FrameDurationLimits). Where both keep up, the fps match and the
CPU per frame is the cost that differs. (A sensor faster than the ISP only
measures how the simulated sensor drops frames, so it is not used.)

Run from the source tree after `meson compile -C build`:
    bench/bench-gst.py [--build build] [--frames 300] [--repeat 3]
"""
import argparse
import os
import subprocess
import sys
import time

WIDTH, HEIGHT, FORMAT = 1280, 720, 'NV12'


def run(cmd, env):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode(errors='replace')
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit('%s failed (%d):\n%s' % (' '.join(cmd), proc.returncode, err))
    return wall, usage.ru_utime + usage.ru_stime


def cli_cmd(build, frames, fps):
    us = 1000000 // fps
    return [os.path.join(build, 'src/tools/pinhole/pinhole'), 'capture', 'virtual', '-q',
            '--frames', str(frames), '--control', 'FrameDurationLimits=%d,%d' % (us, us),
            '--stream', 'role=video,width=%d,height=%d,format=%s' % (WIDTH, HEIGHT, FORMAT)]


def gst_cmd(build, frames, fps):
    return ['gst-launch-1.0', '-q', 'pinholesrc', 'camera=virtual', 'num-buffers=%d' % frames,
            '!', 'video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1'
            % (FORMAT, WIDTH, HEIGHT, fps), '!', 'fakesink', 'sync=false']


def measure(make_cmd, build, env, fps, short, frames, repeat):
    """Best of @repeat: (frames per second, CPU ms per frame) in steady state."""
    best = None
    for _ in range(repeat):
        w0, c0 = run(make_cmd(build, short, fps), env)
        w1, c1 = run(make_cmd(build, short + frames, fps), env)
        fps = frames / max(w1 - w0, 1e-6)
        cpu_ms = max(c1 - c0, 0.0) * 1000.0 / frames
        if best is None or cpu_ms < best[1]:
            best = (fps, cpu_ms)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--frames', type=int, default=300)
    ap.add_argument('--short', type=int, default=30)
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    env = dict(os.environ)
    env['GST_PLUGIN_PATH'] = os.path.join(build, 'src/gstreamer')
    env['GST_REGISTRY'] = os.path.join(build, 'gst-registry.bin')
    env.pop('PINHOLE_VIRTUAL_CONFIG', None)
    env.pop('PINHOLE_VIRTUAL', None)
    run(gst_cmd(build, 1, 30), env)  # build the registry outside the figures

    print('NV12 %dx%d, %d frames (steady state: runs of %d and %d frames, best of %d)'
          % (WIDTH, HEIGHT, args.frames, args.short, args.short + args.frames, args.repeat))
    print('%-22s %-10s %10s %14s' % ('sensor', 'capture', 'fps', 'CPU ms/frame'))
    for label, fps in (('30 fps (default)', 30), ('60 fps (maximum)', 60)):
        cli = measure(cli_cmd, build, env, fps, args.short, args.frames, args.repeat)
        gst = measure(gst_cmd, build, env, fps, args.short, args.frames, args.repeat)
        print('%-22s %-10s %10.1f %14.2f' % (label, 'pinhole', cli[0], cli[1]))
        print('%-22s %-10s %10.1f %14.2f' % ('', 'pinholesrc', gst[0], gst[1]))
        print('%-22s %-10s %9.2fx %13.2fx' % ('', 'ratio', gst[0] / cli[0],
                                              gst[1] / cli[1] if cli[1] > 0 else float('nan')))


if __name__ == '__main__':
    main()
