FROM busybox
STOPSIGNAL --whatever SIGKILL
ARG --nothing a=1
