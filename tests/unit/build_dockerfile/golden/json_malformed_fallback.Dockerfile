FROM busybox
CMD ["a", 'b']
CMD [a]
RUN ["unterminated
ENTRYPOINT ["a"] extra
CMD ["a",]
