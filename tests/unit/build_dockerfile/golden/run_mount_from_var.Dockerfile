FROM busybox
RUN --mount=type=bind,from=$STAGE,target=/x true
