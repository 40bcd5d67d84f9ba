# syntax=docker/dockerfile:1

# Build: dependencies first (cached until Cargo.toml or Cargo.lock change), then the server.
# Queries are checked against the committed .sqlx/ data: no database is needed to build.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
ENV SQLX_OFFLINE=true
# The workspace's other member (bench/, the load generator) only needs its manifest here.
COPY Cargo.toml Cargo.lock ./
COPY bench/Cargo.toml bench/Cargo.toml
RUN mkdir -p src bench/src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && echo 'fn main() {}' > bench/src/main.rs \
    && cargo build --release --locked -p caisse \
    && rm -rf src
COPY .sqlx .sqlx
COPY migrations migrations
COPY src src
RUN touch src/main.rs src/lib.rs && cargo build --release --locked -p caisse --bin caisse

# Run: a slim Debian with the binary, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin caisse
COPY --from=build /src/target/release/caisse /usr/local/bin/caisse
USER caisse
ENV CAISSE_ADDR=0.0.0.0:8000
EXPOSE 8000
ENTRYPOINT ["caisse"]
CMD ["serve"]
