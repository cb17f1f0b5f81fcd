FROM busybox
ENV a=b c="d e"
ENV legacy value with  spaces
ENV empty= quoted="" esc=b\ c
ENV "q"=v single='x y'
ENV multi=1 \
    next=2
