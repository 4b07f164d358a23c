#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unmodified V4L2 programs capturing from the simulated camera through pinhole-v4l2.

Usage: run-v4l2-tools.py PINHOLE_V4L2 WORKDIR TEST [COMPLIANCE_EXPECTED]
TEST is one of v4l2-ctl, ffmpeg, gstreamer, node, valgrind, compliance.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

WIDTH, HEIGHT = 640, 480
# A small sensor: the ISP stays cheap on a shared two-core machine.
SENSOR = "width=%d,height=%d" % (WIDTH, HEIGHT)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def need(tool):
    if not shutil.which(tool):
        print("SKIP: %s is not installed (scripts/setup.sh installs it)" % tool)
        sys.exit(77)


def free_node():
    """A /dev/videoN that does not exist: the layer needs no node."""
    for n in range(64):
        path = "/dev/video%d" % n
        if not os.path.exists(path):
            return path
    fail("no free /dev/videoN name")


def run(wrapper, node, argv, timeout=240, check=True, sensor=SENSOR):
    cmd = [wrapper, "--camera", "virtual", "--node", node, "--"] + argv
    env = dict(os.environ, PINHOLE_VIRTUAL=sensor)
    print("$ " + " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("timed out after %d s" % timeout)
    out = p.stdout.decode(errors="replace")
    if check and p.returncode != 0:
        print(out[-4000:])
        fail("exit status %d" % p.returncode)
    return p.returncode, out


def check_picture(data, what, step=1):
    """A frame shows the chart: not flat, not black, not clipped white."""
    samples = data[::step]
    n = len(samples)
    mean = sum(samples) / n
    var = sum((s - mean) ** 2 for s in samples[:: max(1, n // 20000)]) / len(
        samples[:: max(1, n // 20000)])
    if not (30 <= mean <= 220) or var < 100:
        fail("%s looks blank: mean %.1f, variance %.1f" % (what, mean, var))
    return mean


def test_v4l2_ctl(wrapper, work):
    need("v4l2-ctl")
    node = free_node()
    out_path = os.path.join(work, "v4l2-ctl.yuyv")
    frames = 60
    run(wrapper, node, ["v4l2-ctl", "-d", node,
                        "--set-fmt-video=width=%d,height=%d,pixelformat=YUYV" % (WIDTH, HEIGHT),
                        "--stream-mmap", "--stream-count=%d" % frames, "--stream-to=" + out_path])
    size = WIDTH * HEIGHT * 2
    with open(out_path, "rb") as f:
        data = f.read()
    if len(data) != frames * size:
        fail("expected %d frames of %d bytes, got %d bytes" % (frames, size, len(data)))
    first, last = data[:size], data[(frames - 1) * size:]
    check_picture(first, "frame 0", step=2)  # the Y bytes of YUYV
    check_picture(last, "frame %d" % (frames - 1), step=2)
    if first == last:
        fail("the first and last frames are identical: the scene's disc should move")
    print("v4l2-ctl: %d frames of %dx%d YUYV, all present" % (frames, WIDTH, HEIGHT))


def test_ffmpeg(wrapper, work):
    need("ffmpeg")
    node = free_node()
    out_dir = os.path.join(work, "ffmpeg")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    frames = 30
    run(wrapper, node, ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                        "-f", "v4l2", "-video_size", "%dx%d" % (WIDTH, HEIGHT), "-i", node,
                        "-frames:v", str(frames), os.path.join(out_dir, "out%02d.png")])
    pngs = sorted(f for f in os.listdir(out_dir) if f.endswith(".png"))
    if len(pngs) != frames:
        fail("expected %d PNG files, got %d" % (frames, len(pngs)))
    # Decode them again (ffmpeg's PNG decoder, outside the layer) to greyscale.
    p = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i",
                        os.path.join(out_dir, "out%02d.png"), "-f", "rawvideo",
                        "-pix_fmt", "gray", "-"], stdout=subprocess.PIPE, timeout=120)
    size = WIDTH * HEIGHT
    if p.returncode != 0 or len(p.stdout) != frames * size:
        fail("the PNGs do not decode to %d frames of %dx%d" % (frames, WIDTH, HEIGHT))
    for i in (0, frames // 2, frames - 1):
        check_picture(p.stdout[i * size:(i + 1) * size], "PNG %d" % i)
    print("ffmpeg: %d PNG frames decoded, %dx%d" % (frames, WIDTH, HEIGHT))


def test_gstreamer(wrapper, work):
    need("gst-launch-1.0")
    node = free_node()
    out_dir = os.path.join(work, "gstreamer")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    frames = 30
    run(wrapper, node, ["gst-launch-1.0", "-q", "v4l2src", "device=" + node,
                        "num-buffers=%d" % frames, "!",
                        "video/x-raw,format=YUY2,width=%d,height=%d" % (WIDTH, HEIGHT), "!",
                        "multifilesink", "location=" + os.path.join(out_dir, "g%02d.yuv")])
    files = sorted(os.listdir(out_dir))
    if len(files) != frames:
        fail("expected %d buffers, got %d" % (frames, len(files)))
    for name in files:
        with open(os.path.join(out_dir, name), "rb") as f:
            data = f.read()
        if len(data) != WIDTH * HEIGHT * 2:
            fail("%s holds %d bytes, not one %dx%d YUY2 frame" % (name, len(data), WIDTH, HEIGHT))
    check_picture(data, files[-1], step=2)
    print("gst-launch-1.0 v4l2src: %d buffers of %dx%d YUY2" % (frames, WIDTH, HEIGHT))


def test_node(wrapper, work):
    need("v4l2-ctl")
    node = free_node()
    # With no node at all, stat sees a V4L2 character device (major 81).
    _, out = run(wrapper, node, ["stat", "-c", "%F %t", node])
    if "character special file 51" not in out:
        fail("stat does not show a character device of major 0x51: %r" % out)
    _, out = run(wrapper, node, ["v4l2-ctl", "-d", node, "--set-ctrl", "brightness=20",
                                 "--get-ctrl", "brightness", "--list-ctrls"])
    if "brightness: 20" not in out or "exposure_time_absolute" not in out:
        fail("controls not listed or not set:\n" + out)

    # In front of an existing node: the layer still answers for the Pinhole camera.
    real = os.path.join(work, "video-real")
    if os.path.lexists(real):
        os.unlink(real)
    try:
        os.mknod(real, 0o600 | 0o020000, os.makedev(81, 250))  # S_IFCHR, no driver behind it
    except PermissionError:
        open(real, "w").close()
    _, out = run(wrapper, real, ["v4l2-ctl", "-d", real, "--info"])
    if "Driver name      : pinhole" not in out:
        fail("the existing node at %s was not answered by Pinhole:\n%s" % (real, out))
    os.unlink(real)

    # A camera that does not exist fails in the wrapper, before the program runs.
    p = subprocess.run([wrapper, "--camera", "no-such-camera", "--", "true"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if p.returncode == 0 or b"no camera 'no-such-camera'" not in p.stdout:
        fail("an unknown camera was not refused: %r" % p.stdout)
    print("stat, controls, an existing node and an unknown camera behave")


def test_valgrind(wrapper, work):
    """The interposer inside a real program, under valgrind: no memory error, no leak."""
    need("v4l2-ctl")
    need("valgrind")
    node = free_node()
    log = os.path.join(work, "valgrind.log")
    code, out = run(wrapper, node, ["valgrind", "--quiet", "--error-exitcode=9",
                                    "--leak-check=full", "--errors-for-leak-kinds=definite",
                                    "--log-file=" + log, "v4l2-ctl", "-d", node,
                                    "--set-fmt-video=width=320,height=240,pixelformat=NV12",
                                    "--stream-mmap", "--stream-count=20", "--stream-to=/dev/null",
                                    "--list-ctrls"], check=False, sensor="width=320,height=240")
    with open(log) as f:
        report = f.read()
    if code != 0:
        print(out[-2000:])
        print(report[-4000:])
        fail("v4l2-ctl under valgrind exited with %d" % code)
    print("v4l2-ctl under valgrind through the layer: clean")


def read_expected(path):
    expected = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                key, value = line.split("=", 1)
                expected[key.strip()] = int(value)
    return expected


def test_compliance(wrapper, work, expected_path):
    need("v4l2-compliance")
    node = free_node()
    expected = read_expected(expected_path)
    _, out = run(wrapper, node, ["v4l2-compliance", "-d", node, "-s"], timeout=280,
                 check=False)
    m = re.search(r"Total for .*: (\d+), Succeeded: (\d+), Failed: (\d+), Warnings: (\d+)", out)
    if not m:
        print(out[-4000:])
        fail("no totals in the v4l2-compliance output")
    total, passed, failed, warnings = (int(x) for x in m.groups())
    # Frames the sensor dropped while the tool was busy show as sequence
    # gaps: timing, not conformance. Every other warning counts.
    other = [line.strip() for line in out.splitlines()
             if "warn:" in line and "got sequence number" not in line]
    print("v4l2-compliance totals: %d tests, %d succeeded, %d failed, %d warnings "
          "(%d not about dropped frames)" % (total, passed, failed, warnings, len(other)))
    for line in out.splitlines():
        if "fail:" in line or ": FAIL" in line:
            print("  " + line.strip())
    for line in other:
        print("  " + line)
    if failed > expected["failed"]:
        fail("%d failures, expected at most %d" % (failed, expected["failed"]))
    if passed < expected["succeeded"]:
        fail("%d tests succeeded, expected at least %d" % (passed, expected["succeeded"]))
    if len(other) > expected["warnings"]:
        fail("%d warnings, expected at most %d" % (len(other), expected["warnings"]))


def main():
    wrapper, work, name = sys.argv[1], sys.argv[2], sys.argv[3]
    if os.environ.get("V4L2_COMPAT_SANITIZED", "none") not in ("", "none"):
        print("SKIP: this build's libpinhole-v4l2.so has sanitizers, which cannot be preloaded "
              "into uninstrumented programs")
        sys.exit(77)
    os.makedirs(work, exist_ok=True)
    work = tempfile.mkdtemp(prefix="v4l2-" + name + "-", dir=work)
    try:
        if name == "v4l2-ctl":
            test_v4l2_ctl(wrapper, work)
        elif name == "ffmpeg":
            test_ffmpeg(wrapper, work)
        elif name == "gstreamer":
            test_gstreamer(wrapper, work)
        elif name == "node":
            test_node(wrapper, work)
        elif name == "valgrind":
            test_valgrind(wrapper, work)
        elif name == "compliance":
            test_compliance(wrapper, work, sys.argv[4])
        else:
            fail("unknown test " + name)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
