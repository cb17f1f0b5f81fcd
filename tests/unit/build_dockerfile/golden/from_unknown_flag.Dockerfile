FROM --plaform=linux/amd64 busybox
