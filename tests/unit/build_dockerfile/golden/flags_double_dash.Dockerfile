FROM busybox
RUN --network=none -- --not-a-flag
COPY -- --file /dst
