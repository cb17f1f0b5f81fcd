FROM busybox
CMD ["echo", "hello world"]
ENTRYPOINT   [ "/bin/sh" , "-c" ]
RUN ["echo","\u00e9\t\"q\""]
CMD []
RUN [ ]
