#!/usr/bin/env bash
# busybox-rootfs.sh DIR: makes a minimal root filesystem from Debian's busybox-static in DIR (created).
# Applets are hardlinks to /bin/busybox, as in the busybox image. Idempotent.
set -euo pipefail
dir=${1:?usage: busybox-rootfs.sh DIR}
bb=/bin/busybox
[ -x "$bb" ] || { echo "busybox-rootfs: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
file -L "$bb" 2>/dev/null | grep -q "dynamically linked" && { echo "busybox-rootfs: $bb is not static" >&2; exit 1; }
mkdir -p "$dir"/{bin,etc,dev,proc,sys,tmp,root,home,var,usr/bin,usr/sbin,sbin}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] && continue
  ln -f "$dir/bin/busybox" "$dir/bin/$applet" 2>/dev/null || true
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
: > "$dir/etc/hostname"; : > "$dir/etc/hosts"; : > "$dir/etc/resolv.conf"
