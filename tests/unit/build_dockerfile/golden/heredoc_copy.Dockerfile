FROM busybox
ARG NAME=world
COPY <<EOF /greeting
hello $NAME
EOF
ADD --chmod=755 <<EOF /usr/local/bin/run.sh
#!/bin/sh
echo run
EOF
