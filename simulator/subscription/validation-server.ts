import Fastify, { type FastifyInstance } from 'fastify';
import type { ValidationRegistry } from './validation-registry.js';
import { validationRoutes } from './validation-routes.js';

/** The simulator's own server for validationUrls, when no app of the caller's mounts the routes. */
export async function startValidationServer(
  registry: ValidationRegistry,
): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({ logger: false });
  await server.register(validationRoutes, { registry });
  // Loopback only: the webhook under test runs here, and nothing else needs to reach us.
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, url };
}
