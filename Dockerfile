# Latchkey container image: Node.js 24 LTS, compiled TypeScript, production dependencies only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
# The build migrates the embedded database's template, so it reads the migrations.
COPY migrations migrations
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY migrations migrations
COPY views views
COPY resources resources
# The entrypoint exports the compose stack's generated secrets (if its volume is mounted) that the environment
# does not set, then runs the command; `latchkey` is the CLI with the same environment.
COPY deploy/init/with-secrets.sh /usr/local/bin/with-secrets
COPY deploy/docker/latchkey.sh /usr/local/bin/latchkey
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["with-secrets"]
CMD ["node", "dist/src/main.js"]
