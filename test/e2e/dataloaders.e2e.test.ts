import { randomUUID } from 'node:crypto';
import { AcceptSosDocument, CancelSosDocument, MyConversationsDocument, MySosRequestsDocument, RaiseSosDocument, ResolveSosDocument, SendMessageDocument, SetAvailabilityDocument, SosConversationDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  // A quiet server: no sweeps, steps or notification deliveries running in the background while statements are counted.
  server = await env.start({ SOS_PER_HOUR: '100', SOS_SWEEP_SECONDS: '3600', NOTIFY_SWEEP_SECONDS: '3600', NOTIFY_SMS_AFTER_SECONDS: '600', SOS_STEP_TIMEOUT_SECONDS: '3600', VOLUNTEER_ALERTS_PER_HOUR: '1000' });
});

async function statements(): Promise<number> {
  const text = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
  return Number(/^db_queries_total (\d+)/m.exec(text)![1]);
}

async function countDuring(call: () => Promise<unknown>): Promise<number> {
  const before = await statements();
  await call();
  return (await statements()) - before;
}

describe('DataLoaders', () => {
  it('myConversations with participants, last message and unread counts runs no more statements for 12 conversations than for 2', async () => {
    const volunteer = await volunteerAt(server, at(100, 0, freshCentre()));
    for (let i = 0; i < 12; i++) {
      const centre = freshCentre();
      await volunteer.client.request(SetAvailabilityDocument, { available: true, location: at(100, 0, centre) });
      const person = await signUp(server);
      const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'OTHER', idempotencyKey: randomUUID() } });
      await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
      const conversationId = (await person.client.request(SosConversationDocument, { id: raiseSos.id })).sos!.conversation!.id;
      await person.client.request(SendMessageDocument, { conversationId, body: `hello ${i}` });
      await volunteer.client.request(ResolveSosDocument, { sosId: raiseSos.id });
    }
    const page = (first: number) => volunteer.client.request(MyConversationsDocument, { first });
    const { myConversations } = await page(12);
    expect(myConversations.edges).toHaveLength(12);
    expect(myConversations.edges.every((e) => e.node.unreadCount === 1 && e.node.participants.length === 2 && e.node.lastMessage !== null)).toBe(true);
    const forTwo = await countDuring(() => page(2));
    const forTwelve = await countDuring(() => page(12));
    // Users (participants, senders) may be batched in one tick or two, depending on timing: one
    // statement either way, never one per conversation.
    expect(forTwelve).toBeLessThanOrEqual(forTwo + 1);
    expect(forTwelve).toBeLessThanOrEqual(10);
  });

  it('mySosRequests(first: 50) with every relation runs as many statements as first: 5', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, centre));
    const person = await signUp(server);
    for (let i = 0; i < 50; i++) {
      const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });
      if (i % 2 === 0) {
        await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
        await volunteer.client.request(ResolveSosDocument, { sosId: raiseSos.id });
      } else {
        await person.client.request(CancelSosDocument, { sosId: raiseSos.id });
      }
    }
    const page = (first: number) => person.client.request(MySosRequestsDocument, { first });
    const { mySosRequests } = await page(50);
    expect(mySosRequests.edges).toHaveLength(50);
    expect(mySosRequests.edges.filter((e) => e.node.assignedVolunteer?.user.displayName === 'Test Volunteer')).toHaveLength(25);
    expect(mySosRequests.edges.every((e) => e.node.requester?.id === person.id && e.node.timeline.length >= 3)).toBe(true);

    const forFive = await countDuring(() => page(5));
    const forFifty = await countDuring(() => page(50));
    expect(forFifty).toBe(forFive);
    expect(forFifty).toBeLessThanOrEqual(12);
  });
});
