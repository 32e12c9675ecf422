import type { FastifyPluginAsync } from 'fastify';
import type { ValidationRegistry } from './validation-registry.js';

export interface ValidationRoutesOptions {
  readonly registry: ValidationRegistry;
}

interface ValidateRequest {
  Params: { subscription: string };
  Querystring: { id?: string; token?: string };
}

/** Serves the validationUrls: a GET completes an asynchronous (manual) handshake, as in Azure. */
export const validationRoutes: FastifyPluginAsync<ValidationRoutesOptions> = (app, { registry }) => {
  app.get<ValidateRequest>('/eventsubscriptions/:subscription/validate', async (request, reply) => {
    const result = registry.fetch(request.params.subscription, request.query.id, request.query.token);
    switch (result) {
      case 'validated':
        return reply.type('text/plain').send('Webhook successfully validated as a subscription endpoint.');
      case 'expired':
        return reply.code(400).type('text/plain').send('The validation window has closed.');
      case 'unknown':
        return reply.code(404).type('text/plain').send('No such validation.');
    }
  });
  return Promise.resolve();
};
