FROM busybox
RUN <<-EOF
	echo a
		echo b
  echo c
	EOF
