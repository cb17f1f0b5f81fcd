FROM busybox
RUN cat <<A <<B-2 > /out
a-body
A
b-body
B-2
COPY <<one <<two /dst/
1
one
2
two
