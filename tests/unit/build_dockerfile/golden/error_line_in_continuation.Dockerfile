FROM busybox
RUN true
COPY \
  --bogus=1 \
  a b
