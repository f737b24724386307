# stream-scorer: Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
#   docker build -t stream-scorer .
#   docker run -v ./scorer.yaml:/etc/stream-scorer/scorer.yaml:ro -p 9464:9464 stream-scorer
FROM node:24-slim

# onnxruntime-node's install script would fetch CUDA binaries from a host many networks cannot reach; the
# CPU build ships inside the npm package.
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    ONNXRUNTIME_NODE_INSTALL_CUDA=skip

WORKDIR /app

# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin/ ./bin/
COPY src/ ./src/
COPY models/ ./models/
COPY schemas/ ./schemas/
COPY config/ ./config/

# The image's files stay root-owned and read-only to the service; it runs as the base image's `node` user.
USER node

EXPOSE 9464
CMD ["bin/stream-scorer.js", "run", "--config", "/etc/stream-scorer/scorer.yaml"]
