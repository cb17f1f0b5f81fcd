FROM busybox
ENV =x
