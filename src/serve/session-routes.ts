import type { FastifyInstance } from 'fastify';
import { errorResponses, newSessionBody, ref, sessionIdParams } from './http-schemas.js';
import { HttpError, checkStorableText, userOf } from './http-errors.js';
import type { ServeDeps } from './serve-types.js';

// Every lookup passes the caller: the store answers someone else's session as missing, so a
// guessed id gets the same 404 as a wrong one (never 403, which would confirm it exists).

export function registerSessionRoutes(app: FastifyInstance, deps: ServeDeps): void {
  const { sessions } = deps;
  const notFound = (id: string) => new HttpError(404, `no session ${id}`);

  app.get(
    '/sessions',
    {
      schema: {
        summary: "The caller's sessions, most recently used first",
        response: { 200: { type: 'object', properties: { sessions: { type: 'array', items: ref('ChatSession') } }, required: ['sessions'] }, ...errorResponses(401, 429) },
      },
    },
    async (request) => ({ sessions: await sessions.list(userOf(request)) }),
  );

  app.post(
    '/sessions',
    {
      schema: {
        summary: 'Start an empty session (POST /chat without session_id also starts one)',
        body: newSessionBody,
        response: { 201: ref('ChatSession'), ...errorResponses(400, 401, 413, 429) },
      },
      // The body is optional: no body is an untitled session.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const body = request.body as { title?: string };
      checkStorableText('title', body.title);
      const title = body.title?.trim() || undefined;
      return reply.code(201).send(await sessions.create(userOf(request), title));
    },
  );

  app.get(
    '/sessions/:id/messages',
    {
      schema: {
        summary: "A session and its messages in order (404 when missing or someone else's)",
        params: sessionIdParams,
        response: {
          200: { type: 'object', properties: { session: ref('ChatSession'), messages: { type: 'array', items: ref('ChatMessage') } }, required: ['session', 'messages'] },
          ...errorResponses(401, 404, 429),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { id } = request.params as { id: string };
      const session = await sessions.get(id, user);
      const messages = session ? await sessions.messages(id, user) : null;
      if (!session || !messages) throw notFound(id);
      return { session, messages };
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        summary: "Delete a session and its messages (404 when missing or someone else's)",
        params: sessionIdParams,
        response: { 204: { type: 'null', description: 'deleted' }, ...errorResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(await sessions.delete(id, userOf(request)))) throw notFound(id);
      return reply.code(204).send();
    },
  );
}
