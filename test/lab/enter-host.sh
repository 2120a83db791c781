#!/bin/sh
# Becomes a plain lab host. Run by `unshare --mount --pid --uts --ipc --fork` inside the host's
# network namespace, so this shell is PID 1 of a new PID namespace with a private mount table.
# Usage: enter-host.sh ROOT UPPER WORK LOWER HOSTNAME INIT
set -eu
root=$1 upper=$2 work=$3 lower=$4 name=$5 init=$6

mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"

# A small /dev with the usual nodes, its own devpts (ptys for ssh sessions) and shm.
mount -t tmpfs -o nosuid,mode=755,size=4m tmpfs "$root/dev"
cd "$root/dev"
mknod -m 666 null c 1 3; mknod -m 666 zero c 1 5; mknod -m 666 full c 1 7
mknod -m 666 random c 1 8; mknod -m 666 urandom c 1 9; mknod -m 666 tty c 5 0
mknod -m 666 fuse c 10 229; mkdir -m 755 net; mknod -m 666 net/tun c 10 200
ln -s /proc/self/fd fd; ln -s /proc/self/fd/0 stdin; ln -s /proc/self/fd/1 stdout; ln -s /proc/self/fd/2 stderr
ln -s /proc/kcore core
mkdir -m 755 pts; mkdir -m 1777 shm
mount -t devpts -o newinstance,nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts pts
ln -s pts/ptmx ptmx
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs shm
cd /

mount -t tmpfs -o nosuid,nodev,mode=755,size=64m tmpfs "$root/run"
mkdir -m 1777 "$root/run/lock"
# sysfs mounted here shows this network namespace's devices; read-only like a container's.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"

hostname "$name"

# The machine's root goes under /mnt and is then detached, leaving the host only its own tree.
cd "$root"
pivot_root . mnt
umount -l /mnt
cd /
exec /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  /usr/bin/tini -- "$init"
