FROM busybox
MAINTAINER John Doe <john@example.com>
USER app:app
WORKDIR /path with/spaces
STOPSIGNAL SIGTERM
USER   nobody   
