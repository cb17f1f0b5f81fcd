FROM busybox
ONBUILD RUN echo hi
onbuild   copy . /app
ONBUILD ADD --chown=1:1 x /y
ONBUILD HEALTHCHECK CMD ["true"]
