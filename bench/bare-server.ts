import Fastify from 'fastify';
import { loadConfigOrExit } from '../config/process';

/**
 * The floor under intake: a bare Fastify route on the same machine that parses the same JSON
 * body and answers 202, with none of Colis's work (auth, zod, idempotency, Temporal start).
 */
const app = Fastify({ logger: false });
app.post('/orders', async (_request, reply) => reply.code(202).send({ accepted: true }));
const config = loadConfigOrExit(process.env, 'bare-server');
const address = await app.listen({ host: config.COLIS_API_HOST, port: config.COLIS_API_PORT });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.on('SIGINT', () => void app.close().then(() => process.exit(0)));
process.stdout.write(`bare fastify ready url=${address}\n`);
