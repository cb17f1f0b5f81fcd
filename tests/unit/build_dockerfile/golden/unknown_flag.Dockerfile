FROM busybox
COPY --form=x a b
