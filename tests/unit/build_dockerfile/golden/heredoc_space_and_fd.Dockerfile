FROM busybox
RUN cat 3<< EOF
x
EOF
RUN echo "<<NOT" '<<NOPE'
