FROM busybox
RUN apt-get update \
# a comment inside
    # an indented comment

    \
    && apt-get install -y \

      curl
RUN echo done
