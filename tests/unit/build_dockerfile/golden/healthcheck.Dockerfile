FROM busybox
HEALTHCHECK NONE
HEALTHCHECK --interval=5s --timeout=3s --start-period=1m --start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit 1
healthcheck cmd ["curl", "-f", "http://localhost/"]
HEALTHCHECK --interval=0s CMD true
