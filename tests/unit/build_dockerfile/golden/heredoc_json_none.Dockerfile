FROM busybox
RUN ["echo", "<<EOF"]
CMD echo <<EOF
EXPOSE 80
