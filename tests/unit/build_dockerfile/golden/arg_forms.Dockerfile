ARG BASE=busybox
ARG TAG
FROM ${BASE}:${TAG:-latest}
ARG a=1 b
ARG c="x y" d=
ARG e=$a
