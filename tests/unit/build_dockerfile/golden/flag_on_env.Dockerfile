FROM busybox
ENV --x=1 a=b
