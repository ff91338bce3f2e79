# Capstan's image: the server with kustomize and helm at the versions scripts/tools.sh pins, built by
# that same script. Every step here is a script CI runs on every change (scripts/tools.sh, npm ci,
# npm run build); only the base images and `docker build` itself are not exercised there.
# Runs as a non-root user and with a read-only root filesystem: only /var/cache/capstan (the tree cache)
# and /tmp (renderer scratch) need to be writable, as deploy/base mounts them.

FROM golang:1.26-bookworm AS renderers
WORKDIR /src
COPY scripts/tools.sh scripts/tools.sh
RUN CAPSTAN_TOOLS=renderers CAPSTAN_TOOLS_DIR=/tools bash scripts/tools.sh \
 && mkdir -p /out && cp -L /tools/bin/kustomize /tools/bin/helm /out/

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json app.yml ./
COPY src src
COPY scripts scripts
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    CAPSTAN_CACHE_DIR=/var/cache/capstan \
    HOME=/tmp \
    HOST=0.0.0.0 \
    PORT=3000
RUN groupadd --gid 10001 capstan \
 && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin capstan \
 && mkdir -p /var/cache/capstan && chown capstan:capstan /var/cache/capstan
COPY --from=renderers /out/kustomize /out/helm /usr/local/bin/
WORKDIR /app
COPY --from=build /app/package.json /app/app.yml ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
USER 10001:10001
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
