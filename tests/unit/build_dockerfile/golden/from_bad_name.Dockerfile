FROM busybox AS 1bad
