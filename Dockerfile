# SiteSync API + realtime hub + workers + web console. Node 24 runs the server's
# TypeScript sources directly (type stripping); only the web console is built (esbuild).
FROM node:24-slim

WORKDIR /app

# Dependencies first, so source edits do not invalidate this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .
RUN npm run build

# NODE_ENV=production refuses the dev-only JWT_SECRET and a missing SMTP_URL or
# SMTP_HOST: set real ones when running this image outside docker-compose.yml
# (which uses development and its Mailpit).
ENV NODE_ENV=production \
    PORT=3000 \
    SITESYNC_SKIP_DOTENV=1

USER node
EXPOSE 3000
CMD ["npm", "start"]
