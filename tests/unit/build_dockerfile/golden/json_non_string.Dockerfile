FROM busybox
CMD ["a", 1]
