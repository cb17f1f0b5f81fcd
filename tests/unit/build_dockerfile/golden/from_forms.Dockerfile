ARG BASE=alpine
FROM --platform=$BUILDPLATFORM golang:1.21 AS Build-Env_1.x
FROM scratch
from build-env_1.x as final
FROM ${BASE}:latest
