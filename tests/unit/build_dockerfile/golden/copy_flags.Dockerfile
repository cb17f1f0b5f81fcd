FROM busybox
COPY --from=build --chown=app:app --chmod=644 --link --exclude=*.md --exclude=tmp/ --parents src/ *.txt /app/
ADD --checksum=sha256:abc --keep-git-dir=true --unpack=false --link=false https://example.com/a.tar.gz /x/
COPY ["a b", "/c d/"]
ADD --chown="1:1" "q" /
