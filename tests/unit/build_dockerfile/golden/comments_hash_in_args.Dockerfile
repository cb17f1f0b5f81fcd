# leading comment
FROM busybox
   # indented comment
RUN echo "#not a comment" # still text
	# tab comment
LABEL a="#b"
