FROM busybox
LABEL version="1.0" description="a \"quoted\" app" "com.example.key"=v
LABEL maintainer john doe
LABEL multi.a=1 \
      multi.b=2
