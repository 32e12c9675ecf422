/**
 * The ingest baseline: a bare fastify server that answers 200 to the deliveries the listener gets, on
 * the same port, with fastify's defaults (JSON body parsing included, no logger). What the listener
 * does beyond this (validation, matching, logging, metrics, its reply) is what the ratio prices.
 * Usage: baseline-server.ts <port> <path>
 */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const path = process.argv[3] ?? '/';
const app = Fastify({ logger: false });
app.post(path, async (_request, reply) => reply.code(200).send());
await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
