# syntax=docker/dockerfile:1
# check=skip=all
# escape=`

FROM busybox
RUN echo `
  x
