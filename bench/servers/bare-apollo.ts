// The yardstick of the `me` benchmark: Apollo Server 5 on express 5, the same HTTP stack as the
// API, answering `{ me { id displayName } }` from memory (no auth, no database, no plugins).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';

const typeDefs = 'type User { id: ID! displayName: String! } type Query { me: User! }';
const me = { id: '6f1c8a52-6d0e-4c55-9d51-0b1f2d3c4e5f', displayName: 'Bench Person' };

async function main() {
  const apollo = new ApolloServer({ typeDefs, resolvers: { Query: { me: () => me } } });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json(), expressMiddleware(apollo));
  const server = createServer(app);
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ msg: 'bare apollo listening', url: `http://127.0.0.1:${port}/graphql` }));
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

void main();
