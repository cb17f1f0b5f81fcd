FROM busybox
HEALTHCHECK --intervl=5s CMD true
