FROM busybox # a comment is not allowed here
