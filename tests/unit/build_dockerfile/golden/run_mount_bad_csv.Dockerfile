FROM busybox
RUN --mount=type=bind,source=a\"b true
