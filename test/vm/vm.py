#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pinhole's VM test lab.

Boots Debian's current kernel under QEMU (TCG) with an initramfs holding
busybox, the vivid and vgem modules, v4l2-ctl and Pinhole's programs, runs the
test cases of test/vm/cases/ inside and reports their results. See
doc/vm-tests.md.
"""

import argparse
import glob
import gzip
import hashlib
import lzma
import os
import re
import select
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
META_PACKAGE = 'linux-image-amd64'
# Modules loaded inside the VM; their dependencies come from their own
# "depends=" fields, the information depmod writes into modules.dep.
ROOT_MODULES = ['vivid', 'vgem', 'vimc',
                # a USB webcam made of a UVC gadget on dummy_hcd (cases/uvc.sh)
                'dummy_hcd', 'libcomposite', 'usb_f_uvc', 'uvcvideo']
RESULT_RE = re.compile(r'@@VM-RESULT (\S+) (PASS|FAIL|SKIP) rc=(-?\d+) ms=(\d+)')


def log(msg):
    print('vm: ' + msg, flush=True)


# ---------------------------------------------------------------- kernel

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def kernel_package():
    """The package linux-image-amd64 depends on (e.g. linux-image-6.1.0-56-amd64)."""
    try:
        out = subprocess.run(['apt-cache', 'depends', META_PACKAGE], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        log('apt-cache depends %s failed: %s' % (META_PACKAGE, err))
        return None
    for line in out.splitlines():
        m = re.match(r'\s*Depends:\s*(linux-image-\S+)', line)
        if m:
            return m.group(1)
    return None


def elf_section(data, name):
    """The bytes of section NAME of a little-endian ELF64 object, or None."""
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
        raise ValueError('not a little-endian ELF64 object')
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)

    def header(i):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size
        return struct.unpack_from('<IIQQQQ', data, shoff + i * shentsize)

    strtab = header(shstrndx)
    for i in range(shnum):
        sh = header(i)
        start = strtab[4] + sh[0]
        sec_name = data[start:data.index(b'\0', start)].decode()
        if sec_name == name:
            return data[sh[4]:sh[4] + sh[5]]
    return None


def read_module(path):
    """A module's ELF bytes, decompressing .ko.xz/.ko.gz/.ko.zst."""
    if path.endswith('.xz'):
        with lzma.open(path) as f:
            return f.read()
    if path.endswith('.gz'):
        with gzip.open(path) as f:
            return f.read()
    if path.endswith('.zst'):
        return subprocess.run(['zstd', '-dc', path], check=True, capture_output=True).stdout
    with open(path, 'rb') as f:
        return f.read()


def module_name(path):
    base = os.path.basename(path)
    return re.sub(r'\.ko(\.(xz|gz|zst))?$', '', base).replace('-', '_')


def install_modules(moddir, outdir, roots):
    """Copies ROOTS and their dependencies, decompressed, to OUTDIR; writes modules.dep."""
    by_name = {}
    for dirpath, _, files in os.walk(os.path.join(moddir, 'kernel')):
        for f in files:
            if re.search(r'\.ko(\.(xz|gz|zst))?$', f):
                by_name[module_name(f)] = os.path.join(dirpath, f)
    deps = {}
    todo = list(roots)
    while todo:
        name = todo.pop().replace('-', '_')
        if name in deps:
            continue
        if name not in by_name:
            raise RuntimeError('kernel module %s not found under %s' % (name, moddir))
        src = by_name[name]
        data = read_module(src)
        rel = os.path.relpath(src, moddir)
        rel = re.sub(r'\.(xz|gz|zst)$', '', rel)
        os.makedirs(os.path.join(outdir, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(outdir, rel), 'wb') as f:
            f.write(data)
        info = elf_section(data, '.modinfo') or b''
        depends = []
        for field in info.split(b'\0'):
            if field.startswith(b'depends='):
                depends = [d for d in field[8:].decode().split(',') if d]
        deps[name] = (rel, depends)
        todo.extend(depends)

    def load_order(name, seen, order):
        # Dependencies before the modules needing them.
        for d in deps[name][1]:
            d = d.replace('-', '_')
            if d not in seen:
                seen.add(d)
                load_order(d, seen, order)
                order.append(deps[d][0])
        return order

    # As depmod writes it: modprobe loads a module's list from its end.
    with open(os.path.join(outdir, 'modules.dep'), 'w') as f:
        for name in sorted(deps):
            order = load_order(name, set(), [])
            f.write('%s: %s\n' % (deps[name][0], ' '.join(reversed(order))))
    return sorted(deps)


def build_vimc(version, moddir, tmp):
    """Builds vimc.ko into MODDIR: Debian's kernel leaves vimc out, but ships its
    source (linux-source-X.Y) and the headers to build it against."""
    series = '.'.join(version.split('.')[:2])
    abi = version[:version.rindex('-')]  # 6.1.0-56-amd64 -> 6.1.0-56
    log('building vimc from linux-source-%s' % series)
    pkgs = ['linux-source-' + series, 'linux-headers-' + version,
            'linux-headers-%s-common' % abi, 'linux-kbuild-' + series]
    run(['apt-get', 'download'] + pkgs, cwd=tmp, stdout=subprocess.DEVNULL)
    root = os.path.join(tmp, 'src-root')
    for deb in glob.glob(os.path.join(tmp, 'linux-[shk]*.deb')):
        run(['dpkg', '-x', deb, root])
    src = os.path.join(root, 'usr', 'src')
    headers = os.path.join(src, 'linux-headers-' + version)
    # The headers include their common half by absolute path: point it here.
    mk = os.path.join(headers, 'Makefile')
    with open(mk) as f:
        text = f.read()
    with open(mk, 'w') as f:
        f.write(text.replace('/usr/src/', src + '/'))
    tarball = glob.glob(os.path.join(src, 'linux-source-*.tar.xz'))[0]
    top = os.path.basename(tarball)[:-len('.tar.xz')]
    run(['tar', 'xJf', tarball, '-C', tmp, top + '/drivers/media/test-drivers/vimc'])
    vimc = os.path.join(tmp, top, 'drivers', 'media', 'test-drivers', 'vimc')
    run(['make', '-s', '-C', headers, 'M=' + vimc, 'CONFIG_VIDEO_VIMC=m', 'modules'],
        stdout=subprocess.DEVNULL)
    dest = os.path.join(moddir, 'kernel', 'drivers', 'media', 'test-drivers', 'vimc')
    os.makedirs(dest, exist_ok=True)
    shutil.copy(os.path.join(vimc, 'vimc.ko'), dest)
    build_dummy_hcd(tmp, tarball, top, headers, moddir)


def iso_patch_tag():
    """Names the dummy_hcd patch in the cache's ready file: a new patch, a new build."""
    with open(os.path.join(HERE, 'dummy_hcd-iso.patch'), 'rb') as f:
        return 'dummy_hcd_iso_' + hashlib.sha256(f.read()).hexdigest()[:12]


def build_dummy_hcd(tmp, tarball, top, headers, moddir):
    """Rebuilds dummy_hcd.ko with dummy_hcd-iso.patch: Debian's fails every
    isochronous transfer, the only kind the UVC gadget streams with."""
    log('building dummy_hcd with isochronous transfers')
    rel = 'drivers/usb/gadget/udc'
    run(['tar', 'xJf', tarball, '-C', tmp, top + '/' + rel + '/dummy_hcd.c'])
    run(['patch', '-s', '-p1', '-d', os.path.join(tmp, top),
         '-i', os.path.join(HERE, 'dummy_hcd-iso.patch')])
    src = os.path.join(tmp, top, rel)
    with open(os.path.join(src, 'Makefile'), 'w') as f:
        f.write('obj-m += dummy_hcd.o\n')
    run(['make', '-s', '-C', headers, 'M=' + src, 'modules'], stdout=subprocess.DEVNULL)
    dest = os.path.join(moddir, 'kernel', rel)
    for old in glob.glob(os.path.join(dest, 'dummy_hcd.ko*')):
        os.unlink(old)
    shutil.copy(os.path.join(src, 'dummy_hcd.ko'), dest)


def download_kernel(pkg, cache, kdir):
    """apt-get download + dpkg -x of PKG into a temporary directory; keeps vmlinuz and the modules."""
    log('fetching %s (apt-get download)' % pkg)
    shutil.rmtree(kdir, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        run(['apt-get', 'download', pkg], cwd=tmp, stdout=subprocess.DEVNULL)
        deb = glob.glob(os.path.join(tmp, '*.deb'))[0]
        root = os.path.join(tmp, 'root')
        run(['dpkg', '-x', deb, root])
        vmlinuz = glob.glob(os.path.join(root, 'boot', 'vmlinuz-*'))[0]
        version = os.path.basename(vmlinuz)[len('vmlinuz-'):]
        moddir = next(d for d in (os.path.join(root, 'lib', 'modules', version),
                                  os.path.join(root, 'usr', 'lib', 'modules', version))
                      if os.path.isdir(d))
        staging = kdir + '.tmp'
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        shutil.copy(vmlinuz, os.path.join(staging, 'vmlinuz'))
        build_vimc(version, moddir, tmp)
        names = install_modules(moddir, os.path.join(staging, 'modules'), ROOT_MODULES)
        with open(os.path.join(staging, 'version'), 'w') as f:
            f.write(version + '\n')
        with open(os.path.join(staging, 'ready'), 'w') as f:
            f.write(' '.join(names + [iso_patch_tag()]) + '\n')
        os.rename(staging, kdir)


def ready_with(kdir, modules):
    """True if KDIR holds a finished unpack with every one of MODULES."""
    try:
        with open(os.path.join(kdir, 'ready')) as f:
            have = set(f.read().split())
    except OSError:
        return False
    return all(m.replace('-', '_') in have for m in modules)


def fetch_kernel(cache):
    """Downloads and unpacks the current Debian kernel once; returns (vmlinuz, version, moddir)."""
    os.makedirs(cache, exist_ok=True)
    cached = sorted(glob.glob(os.path.join(cache, 'linux-image-*', 'ready')))
    pkg = kernel_package()
    kdir = os.path.join(cache, pkg) if pkg else None
    if kdir and not ready_with(kdir, ROOT_MODULES + [iso_patch_tag()]):
        try:
            download_kernel(pkg, cache, kdir)
        except (OSError, subprocess.CalledProcessError, RuntimeError) as err:
            if not cached:
                raise
            log('cannot fetch %s (%s)' % (pkg, err))
            kdir = None
    if kdir is None:
        if not cached:
            raise RuntimeError('cannot resolve %s and no kernel is cached in %s' % (META_PACKAGE, cache))
        kdir = os.path.dirname(cached[-1])
        log('using the cached %s' % os.path.basename(kdir))
    with open(os.path.join(kdir, 'version')) as f:
        version = f.read().strip()
    return os.path.join(kdir, 'vmlinuz'), version, os.path.join(kdir, 'modules')


# ---------------------------------------------------------------- initramfs

class Archive:
    """An initramfs (cpio "newc", gzip) built in memory, owned by root."""

    def __init__(self):
        self.entries = {}  # path -> (mode, data bytes or None for directories)

    def resolve(self, path):
        """PATH with archive symlinks in its directories followed."""
        parts = path.strip('/').split('/')
        cur = ''
        for i, part in enumerate(parts[:-1]):
            nxt = cur + '/' + part
            entry = self.entries.get(nxt)
            if entry and stat.S_ISLNK(entry[0]):
                target = entry[1].decode()
                base = target if target.startswith('/') else os.path.join(cur or '/', target)
                return self.resolve(os.path.normpath(base) + '/' + '/'.join(parts[i + 1:]))
            cur = nxt
        return cur + '/' + parts[-1]

    def mkdir(self, path):
        path = self.resolve(path)
        if path in ('', '/') or path in self.entries:
            return
        self.mkdir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFDIR | 0o755, None)

    def add(self, path, data, mode=0o644):
        path = self.resolve(path)
        self.mkdir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        path = self.resolve(path)
        self.mkdir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFLNK | 0o777, target.encode())

    def add_host(self, path):
        """Host file PATH at the same absolute path, with the symlinks on the way to it."""
        path = os.path.normpath(os.path.abspath(path))
        parts = path.strip('/').split('/')
        cur = ''
        for i, part in enumerate(parts):
            nxt = cur + '/' + part
            if os.path.islink(nxt):
                target = os.readlink(nxt)
                if nxt not in self.entries:
                    self.symlink(nxt, target)
                base = target if target.startswith('/') else os.path.join(cur or '/', target)
                rest = '/'.join(parts[i + 1:])
                return self.add_host(os.path.normpath(base) + ('/' + rest if rest else ''))
            cur = nxt
        if os.path.isdir(path):
            self.mkdir(path)
        elif path not in self.entries:
            st = os.stat(path)
            with open(path, 'rb') as f:
                self.add(path, f.read(), stat.S_IMODE(st.st_mode))

    def add_tree(self, top, pattern):
        for p in sorted(glob.glob(os.path.join(top, '**', pattern), recursive=True)):
            if os.path.isfile(p):
                self.add_host(p)

    def add_elf(self, path):
        """An executable or library and the shared libraries it needs (ldd)."""
        self.add_host(path)
        out = subprocess.run(['ldd', path], capture_output=True, text=True)
        if out.returncode != 0:
            if 'not a dynamic executable' in out.stdout + out.stderr:
                return
            raise RuntimeError('ldd %s: %s' % (path, out.stderr.strip()))
        for line in out.stdout.splitlines():
            if 'not found' in line:
                raise RuntimeError('ldd %s: %s' % (path, line.strip()))
            m = re.search(r'(/\S+) \(0x', line)
            if m:
                self.add_host(m.group(1))

    def write(self, out):
        blob = bytearray()

        def pad():
            blob.extend(b'\0' * (-len(blob) % 4))

        def entry(ino, name, mode, data):
            name_b = name.encode() + b'\0'
            fields = [ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
                      0, 0, 0, 0, len(name_b), 0]
            blob.extend(b'070701' + ''.join('%08X' % v for v in fields).encode())
            blob.extend(name_b)
            pad()
            blob.extend(data)
            pad()

        for ino, (path, (mode, data)) in enumerate(sorted(self.entries.items()), start=1):
            entry(ino, path.lstrip('/'), mode, data or b'')
        entry(0, 'TRAILER!!!', 0, b'')
        with gzip.open(out, 'wb', compresslevel=1) as f:
            f.write(blob)


def build_initramfs(args, kernel_version, moddir, cases, out):
    a = Archive()
    # The host's merged-/usr symlinks first, so host paths land where ld.so looks.
    for top in ('/bin', '/sbin', '/lib', '/lib64'):
        if os.path.islink(top):
            a.symlink(top, os.readlink(top))
    for d in ('/proc', '/sys', '/dev', '/tmp', '/run', '/root', '/etc'):
        a.mkdir(d)
    a.add('/etc/passwd', b'root:x:0:0:root:/root:/vm/bin/sh\n')
    a.add('/etc/group', b'root:x:0:\nvideo:x:44:\n')

    busybox = shutil.which('busybox') or '/bin/busybox'
    with open(busybox, 'rb') as f:
        a.add('/vm/bin/busybox', f.read(), 0o755)
    applets = subprocess.run([busybox, '--list'], check=True, capture_output=True,
                             text=True).stdout.split()
    for applet in applets:
        if applet != 'busybox':
            a.symlink('/vm/bin/' + applet, 'busybox')

    with open(os.path.join(HERE, 'init.sh'), 'rb') as f:
        a.add('/init', f.read(), 0o755)
    with open(os.path.join(HERE, 'lib.sh'), 'rb') as f:
        a.add('/vm/lib.sh', f.read())
    for c in cases:
        with open(os.path.join(HERE, 'cases', c + '.sh'), 'rb') as f:
            a.add('/vm/cases/%s.sh' % c, f.read(), 0o755)
    a.add('/vm/cases.list', ('\n'.join(cases) + '\n').encode())

    kmods = '/lib/modules/' + kernel_version
    for dirpath, _, files in os.walk(moddir):
        for name in files:
            src = os.path.join(dirpath, name)
            with open(src, 'rb') as f:
                a.add(kmods + '/' + os.path.relpath(src, moddir), f.read())

    # Programs, the IPA modules, the tuning files, all at their host paths.
    env = ['VM_BUILD_ROOT=' + args.build_root, 'VM_SOURCE_ROOT=' + args.source_root]
    for prog in args.program:
        a.add_elf(os.path.abspath(prog))
        var = 'VM_' + re.sub(r'[^A-Za-z0-9]', '_', os.path.basename(prog)).upper()
        env.append('%s=%s' % (var, os.path.abspath(prog)))
    for so in glob.glob(os.path.join(args.build_root, 'src', 'ipa', '**', '*.so'), recursive=True):
        a.add_elf(so)
    a.add_tree(os.path.join(args.source_root, 'data', 'tuning'), '*.yaml')
    for tool in ('v4l2-ctl', 'media-ctl'):
        path = shutil.which(tool)
        if path:
            a.add_elf(path)
    if any(case_needs(c, 'udev') for c in cases):
        pack_udev(a, fetch_udev(args.cache))
    a.add('/vm/env', ''.join('export %s\n' % shell_quote(e) for e in env).encode())
    a.write(out)


def shell_quote(assignment):
    name, value = assignment.split('=', 1)
    return "%s='%s'" % (name, value.replace("'", "'\\''"))


# ---------------------------------------------------------------- udev
# For the cases that say "# vm-needs: udev": Debian's udev (systemd-udevd,
# udevadm, its rules and helpers), fetched like the kernel (apt-get
# download, dpkg -x, cached), with the libraries it links. Without it, the
# VM has no udev daemon and Pinhole hears the kernel's uevents directly.

UDEV_PACKAGE = 'udev'
# Parts of the package the VM does without: docs, init scripts, systemd
# units, hwdb sources (no hwdb.bin is built), modprobe settings.
UDEV_SKIP = ('usr/share/', 'etc/init.d/', 'lib/systemd/system/', 'lib/systemd/network/',
             'lib/udev/hwdb.d/', 'lib/modprobe.d/', 'usr/lib/tmpfiles.d/')


def case_needs(case, what):
    """True if test/vm/cases/CASE.sh has a "# vm-needs: ... WHAT ..." line."""
    with open(os.path.join(HERE, 'cases', case + '.sh')) as f:
        for line in f:
            m = re.match(r'#\s*vm-needs:(.*)', line)
            if m and what in m.group(1).split():
                return True
    return False


def apt_depends(pkg):
    out = subprocess.run(['apt-cache', 'depends', '--no-recommends', '--no-suggests', pkg],
                         check=True, capture_output=True, text=True).stdout
    return re.findall(r'^\s*\|?Depends:\s*([a-z0-9][^\s<>:]*)', out, re.M)


def host_has(pkg):
    out = subprocess.run(['dpkg-query', '-W', '-f=${db:Status-Abbrev}', pkg],
                         capture_output=True, text=True).stdout
    return out.startswith('ii')


def udev_libraries():
    """The library packages udev needs that the host lacks (ldd runs on the host)."""
    want, todo = [], [d for d in apt_depends(UDEV_PACKAGE) if d.startswith('lib')]
    while todo:
        pkg = todo.pop()
        if pkg in want or host_has(pkg):
            continue  # an installed library brings its own dependencies
        want.append(pkg)
        todo.extend(d for d in apt_depends(pkg) if d.startswith('lib'))
    return sorted(want)


def fetch_udev(cache):
    """Unpacks udev (and missing libraries) once per version; returns the directory."""
    version = None
    try:
        out = subprocess.run(['apt-cache', 'show', '--no-all-versions', UDEV_PACKAGE],
                             check=True, capture_output=True, text=True).stdout
        version = re.search(r'^Version:\s*(\S+)', out, re.M).group(1)
    except (OSError, subprocess.CalledProcessError, AttributeError) as err:
        log('cannot resolve %s: %s' % (UDEV_PACKAGE, err))
    cached = sorted(glob.glob(os.path.join(cache, 'udev-*', 'ready')))
    if version is None:
        if not cached:
            raise RuntimeError('no %s package known to apt and none cached in %s'
                               % (UDEV_PACKAGE, cache))
        return os.path.dirname(cached[-1])
    udir = os.path.join(cache, 'udev-' + version.replace(':', '_'))
    if os.path.exists(os.path.join(udir, 'ready')):
        return udir
    log('fetching %s %s (apt-get download)' % (UDEV_PACKAGE, version))
    staging = udir + '.tmp'
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        libs = udev_libraries()
        run(['apt-get', 'download', UDEV_PACKAGE] + libs, cwd=tmp, stdout=subprocess.DEVNULL)
        for deb in glob.glob(os.path.join(tmp, '*.deb')):
            is_udev = os.path.basename(deb).startswith(UDEV_PACKAGE + '_')
            run(['dpkg', '-x', deb, os.path.join(staging, 'udev' if is_udev else 'libs')])
    with open(os.path.join(staging, 'ready'), 'w') as f:
        f.write(' '.join([UDEV_PACKAGE] + libs) + '\n')
    shutil.rmtree(udir, ignore_errors=True)
    os.rename(staging, udir)
    return udir


def is_elf(path):
    with open(path, 'rb') as f:
        return f.read(4) == b'\x7fELF'


def pack_udev(a, udir):
    """udev's files at their package paths, and the libraries they link: the
    unpacked ones where the host lacks them, else the host's."""
    root = os.path.join(udir, 'udev')
    libs = os.path.join(udir, 'libs')
    lib_dirs = [d for d in glob.glob(os.path.join(libs, '**', 'lib*'), recursive=True)
                if os.path.isdir(d) and glob.glob(os.path.join(d, '*.so*'))]
    env = dict(os.environ, LD_LIBRARY_PATH=':'.join(lib_dirs))
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            src = os.path.join(dirpath, name)
            rel = os.path.relpath(src, root)
            if rel.startswith(UDEV_SKIP):
                continue
            if os.path.islink(src):
                a.symlink('/' + rel, os.readlink(src))
                continue
            with open(src, 'rb') as f:
                a.add('/' + rel, f.read(), stat.S_IMODE(os.stat(src).st_mode))
            if not is_elf(src):
                continue
            out = subprocess.run(['ldd', src], capture_output=True, text=True, env=env)
            for line in out.stdout.splitlines():
                if 'not found' in line:
                    raise RuntimeError('ldd %s: %s' % (src, line.strip()))
                m = re.search(r'(/\S+) \(0x', line)
                if not m:
                    continue
                lib = os.path.normpath(m.group(1))
                if lib.startswith(libs + os.sep):
                    with open(lib, 'rb') as f:
                        a.add('/' + os.path.relpath(lib, libs), f.read(), 0o755)
                else:
                    a.add_host(lib)


# ---------------------------------------------------------------- boot

def qemu_command(args, kernel, initrd, shell):
    append = 'console=ttyS0 panic=-1 pinhole.vm=' + ('shell' if shell else 'test')
    if not shell:
        append += ' quiet'
    if args.append:
        append += ' ' + args.append
    # No network card: its option ROM only slows the firmware down.
    return [args.qemu, '-accel', 'tcg', '-cpu', 'max', '-m', str(args.memory), '-smp', '2',
            '-nographic', '-no-reboot', '-nic', 'none', '-kernel', kernel, '-initrd', initrd,
            '-append', append]


def boot(args, cmd, cases):
    start = time.monotonic()
    deadline = start + args.timeout
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    results = {}
    ready_at = done_at = None
    buf = b''
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        r, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        while b'\n' in buf:
            raw, buf = buf.split(b'\n', 1)
            line = raw.decode('utf-8', 'replace').rstrip('\r')
            print(line, flush=True)
            now = time.monotonic() - start
            # Console escape sequences may precede a marker.
            if '@@VM-READY' in line:
                ready_at = now
            elif '@@VM-DONE' in line:
                done_at = now
            m = RESULT_RE.search(line)
            if m:
                results[m.group(1)] = (m.group(2), int(m.group(3)), int(m.group(4)))
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if buf:
        print(buf.decode('utf-8', 'replace'), flush=True)
    total = time.monotonic() - start

    print('\n==== VM test summary ====')
    failed = 0
    for c in cases:
        if c in results:
            status, rc, ms = results[c]
            print('%-28s %s (rc=%d, %.1f s in the VM)' % (c, status, rc, ms / 1000.0))
            failed += status == 'FAIL'
        else:
            print('%-28s MISSING (no result line)' % c)
            failed += 1
    if ready_at is not None:
        print('boot to first case: %.1f s' % ready_at)
    else:
        print('boot to first case: never (the VM did not reach /init)')
    if done_at is not None:
        print('boot to result: %.1f s' % done_at)
    print('QEMU wall time: %.1f s' % total)
    if timed_out:
        print('TIMEOUT: the VM ran longer than %d s and was killed' % args.timeout)
    ok = not failed and not timed_out and done_at is not None
    print('VM suite: %s' % ('PASS' if ok else 'FAIL'))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--build-root', required=True, help="Pinhole's meson build directory")
    p.add_argument('--source-root', default=os.path.dirname(os.path.dirname(HERE)))
    p.add_argument('--cache', help='kernel cache (default BUILD/test/vm/cache)')
    p.add_argument('--program', action='append', default=[],
                   help='an executable to pack at its host path (repeatable); '
                        'cases find it in $VM_<NAME>')
    p.add_argument('--case', action='append', default=[],
                   help='a case of test/vm/cases/ to run (repeatable; default: all)')
    p.add_argument('--shell', action='store_true',
                   help='boot to an interactive shell on the console (modules loaded, cases in /vm/cases)')
    p.add_argument('--timeout', type=int, default=480, help='overall limit in seconds')
    p.add_argument('--memory', type=int, default=1024)
    p.add_argument('--append', help='extra kernel command line')
    p.add_argument('--qemu', default='qemu-system-x86_64')
    p.add_argument('--initramfs', help='where to write the initramfs (default in the cache)')
    args = p.parse_args()
    args.build_root = os.path.abspath(args.build_root)
    args.source_root = os.path.abspath(args.source_root)
    cache = args.cache = args.cache or os.path.join(args.build_root, 'test', 'vm', 'cache')

    available = sorted(os.path.basename(c)[:-3] for c in glob.glob(os.path.join(HERE, 'cases', '*.sh')))
    cases = []
    for c in args.case:
        c = os.path.basename(c)
        c = c[:-3] if c.endswith('.sh') else c
        if c not in available:
            p.error('no case %s in test/vm/cases (have: %s)' % (c, ' '.join(available)))
        cases.append(c)
    cases = cases or available

    if not shutil.which(args.qemu):
        log('%s not found: install qemu-system-x86 (scripts/setup.sh)' % args.qemu)
        return 77
    t0 = time.monotonic()
    kernel, version, moddir = fetch_kernel(cache)
    initrd = args.initramfs or os.path.join(cache, 'initramfs-%d.cpio.gz' % os.getpid())
    build_initramfs(args, version, moddir, cases, initrd)
    log('kernel %s, initramfs %.1f MB, prepared in %.1f s' %
        (version, os.path.getsize(initrd) / 1e6, time.monotonic() - t0))
    cmd = qemu_command(args, kernel, initrd, args.shell)
    try:
        if args.shell:
            log('shell: Ctrl-A X quits QEMU')
            return subprocess.call(cmd)
        log(' '.join(cmd))
        return boot(args, cmd, cases)
    finally:
        if not args.initramfs:
            os.unlink(initrd)


if __name__ == '__main__':
    sys.exit(main())
