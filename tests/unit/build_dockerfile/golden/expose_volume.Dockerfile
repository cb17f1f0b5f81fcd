FROM busybox
EXPOSE 80 443/tcp   53/udp ${P}
VOLUME ["/a", "/b c"]
VOLUME /c /d
VOLUME [ " /e " ]
