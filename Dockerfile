# syntax=docker/dockerfile:1
# Node 24, the current LTS. Three stages: build (everything), deps (production dependencies only), runtime.

# Build: all dependencies, compile TypeScript, then gather what production runs into /app/release.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY main.ts tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY stripe-emulator ./stripe-emulator
COPY migrations ./migrations
COPY scripts ./scripts
# the admin console (built by Vite into dist/admin-console), typed against the committed OpenAPI client
COPY admin-console ./admin-console
COPY openapi ./openapi
RUN npm run build
# the service, its migrations and the two production commands (migrate, stripe-recover); not the Stripe emulator
# (local development only), the benchmarks, the seed, trigger and openapi scripts, or source maps
RUN mkdir -p release/dist/scripts/lib \
 && cp -r dist/main.js dist/src dist/migrations release/dist/ \
 && cp dist/scripts/migrate.js dist/scripts/stripe-recover.js release/dist/scripts/ \
 && cp dist/scripts/lib/script-runtime.js release/dist/scripts/lib/ \
 && find release -name '*.map' -delete
# the admin console's static files, served at /admin (ADMIN_CONSOLE_DIR defaults to ./dist/admin-console)
RUN cp -r dist/admin-console release/dist/admin-console

# Production dependencies only: no devDependencies, so no embedded-postgres (a container always has DATABASE_URL),
# no test, lint or benchmark tools.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Runtime: non-root, no TypeScript sources, no compiler step.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module", which the compiled ES modules need
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/release/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
