import Fastify from 'fastify';

/**
 * The floor under intake: a bare Fastify route on the same machine that parses the same JSON
 * body and answers 202, with none of Colis's work (auth, zod, idempotency, Temporal start).
 */
const app = Fastify({ logger: false });
app.post('/orders', async (_request, reply) => reply.code(202).send({ accepted: true }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT ?? 0) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.on('SIGINT', () => void app.close().then(() => process.exit(0)));
process.stdout.write(`bare fastify ready url=${address}\n`);
