
# escape=`
FROM busybox
RUN echo `
