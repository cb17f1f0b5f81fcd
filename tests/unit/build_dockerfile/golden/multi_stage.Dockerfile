FROM golang AS build
WORKDIR /src
COPY . .
RUN go build -o /app

FROM build AS test
RUN go test ./...

FROM scratch
COPY --from=build /app /app
ENTRYPOINT ["/app"]
