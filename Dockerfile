# gatherd image: FROM scratch with the static binary built on the host. Build it with `make image` (which runs
# `make build` and stages bin/image/: the host's CA bundle and an empty directory for /data and /tmp); nothing
# is pulled.
FROM scratch

COPY deploy/image/passwd deploy/image/group /etc/
COPY bin/image/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# /data is owned by the gatherd user (uid 10001): a new named volume mounted there (node1..3 in
# docker-compose.yml) takes that ownership. There is no VOLUME: a container without a volume there (the compose
# workers) keeps its data in its own writable layer, which lives as long as the container, and no anonymous
# volumes are left behind by `docker compose down`.
COPY --chown=10001:10001 bin/image/empty/ /data/
COPY --chown=10001:10001 bin/image/empty/ /tmp/
COPY bin/gatherd /gatherd

USER 10001:10001
ENV GATHERD_DATA_DIR=/data
# gossip (tcp+udp), raft, HTTP API; 9000 is the demo target (gatherd demo-target).
EXPOSE 7946/tcp 7946/udp 7947/tcp 8080/tcp 9000/tcp
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 CMD ["/gatherd", "health"]
ENTRYPOINT ["/gatherd"]
CMD ["agent"]
