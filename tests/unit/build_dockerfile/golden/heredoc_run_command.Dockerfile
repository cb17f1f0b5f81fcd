FROM busybox
RUN python3 <<EOF
print("hi")
EOF
RUN cat <<EOF > /etc/motd
welcome
EOF
