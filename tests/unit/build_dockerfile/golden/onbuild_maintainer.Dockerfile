FROM busybox
ONBUILD maintainer me
