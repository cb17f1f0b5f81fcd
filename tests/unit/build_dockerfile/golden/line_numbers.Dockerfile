

# comment
FROM busybox

RUN a \
  b \

  c

COPY <<EOF /x
1
2
EOF
CMD d
