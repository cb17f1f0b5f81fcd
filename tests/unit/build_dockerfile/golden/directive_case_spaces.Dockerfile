#  ESCAPE = `  
# Syntax = docker/dockerfile:1.4
FROM busybox
RUN a `
 b
