FROM busybox
RUN --mount=type=cache,target=/root/.cache,sharing=locked,id=pip --mount=type=bind,source=.,target=/src,ro \
    --network=none pip install -r /src/req.txt
RUN --mount=type=secret,id=tok,required,env=TOKEN --mount=type=tmpfs,target=/t,size=64m --security=insecure cat /run/secrets/tok
RUN --mount=target=/x,from=build,src=/out,rw=true,uid=1000,gid=1000,mode=0755,"extra=a,b" true
RUN --network=host true
