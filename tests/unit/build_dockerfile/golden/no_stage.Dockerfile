RUN echo x
FROM busybox
