# The API as an image: built with the dev dependencies, run with the production ones only, as the
# unprivileged `node` user. Migrations are a command of their own, run before the API starts:
#   docker build -t careconnect-api .
#   docker run --rm -e DATABASE_URL=... careconnect-api node dist/scripts/migrate.js
#   docker run -e DATABASE_URL=... -e REDIS_URL=... -e JWT_SECRET=... -p 4000:4000 careconnect-api
# (`docker compose --profile api up` does all three beside PostgreSQL/PostGIS and Redis.)
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The SDK is a workspace of the project: npm ci wants its package.json.
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
RUN npm ci --no-audit --no-fund
COPY . .
# Generates the Prisma client, then compiles src, scripts and prisma to dist/.
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# dist/scripts/migrate.js reads them beside itself (../prisma/migrations).
COPY prisma/migrations ./dist/prisma/migrations
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/main.js"]
