import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  ConversationDocument,
  JoinSosConversationDocument,
  MarkReadDocument,
  MessageAddedDocument,
  MyConversationsDocument,
  RaiseSosDocument,
  ResolveSosDocument,
  SendMessageDocument,
  SetAvailabilityDocument,
  SosConversationDocument,
} from '../../sdk/index';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { acceptedSos } from '../helpers/chat';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { nextOf } from '../helpers/wait';

const env = useTestEnvironment();
const SETTINGS = { SOS_STEP_TIMEOUT_SECONDS: '60', SOS_PER_HOUR: '50', CHAT_MESSAGES_PER_10S: '50' };
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  [first, second] = await Promise.all([env.start(SETTINGS), env.start(SETTINGS)]);
});


const send = (actor: Actor, conversationId: string, body: string, clientMessageId?: string) =>
  actor.client.request(SendMessageDocument, { conversationId, body, clientMessageId }).then((r) => r.sendMessage);

describe('conversations', () => {
  it('one per accepted SOS, with the requester and the volunteer; nobody else sees it', async () => {
    const { person, volunteer, sosId, conversationId } = await acceptedSos(first, second);
    const { conversation } = await volunteer.client.request(ConversationDocument, { id: conversationId });
    expect(conversation!.participants.map((p) => p.id).sort()).toEqual([person.id, volunteer.id].sort());
    expect(conversation!.sos).toMatchObject({ id: sosId, status: 'ACCEPTED' });

    const stranger = await signUp(first);
    expect((await stranger.client.request(ConversationDocument, { id: conversationId })).conversation).toBeNull();
    await expectError(send(stranger, conversationId, 'hello?'), 'NOT_FOUND');
    await expectError(nextOf(stranger.client.subscribe(MessageAddedDocument, { conversationId })), 'NOT_FOUND');
    await stranger.client.close();
  });

  it('staff may join; then they read and write like the others', async () => {
    const { person, conversationId, sosId } = await acceptedSos(first, second);
    const professional = await signInAs(first, Role.PROFESSIONAL);
    expect((await professional.client.request(ConversationDocument, { id: conversationId })).conversation).toBeNull();
    const { joinSosConversation } = await professional.client.request(JoinSosConversationDocument, { sosId });
    expect(joinSosConversation.participants).toHaveLength(3);
    await send(professional, conversationId, 'A paramedic is following this.');
    expect((await person.client.request(ConversationDocument, { id: conversationId })).conversation!.lastMessage!.body).toBe('A paramedic is following this.');
    await expectError(person.client.request(JoinSosConversationDocument, { sosId }), 'FORBIDDEN');
  });
});

describe('messages', () => {
  it('reach the other participant on another instance, in order under concurrent sends', async () => {
    const { person, volunteer, conversationId } = await acceptedSos(first, second);
    const received = volunteer.client.subscribe(MessageAddedDocument, { conversationId });
    await volunteer.client.requestOverSocket(ConversationDocument, { id: conversationId });
    const bodies = Array.from({ length: 10 }, (_, i) => `message ${i}`);
    const sent = await Promise.all(bodies.map((body) => send(person, conversationId, body)));
    const got = [];
    for (let i = 0; i < bodies.length; i++) got.push((await nextOf(received, 'message')).messageAdded);
    // Everyone sees one order: the one the database gave.
    const { conversation } = await person.client.request(ConversationDocument, { id: conversationId, first: 10 });
    expect(got.map((m) => m.id)).toEqual(conversation!.messages.edges.map((e) => e.node.id).reverse());
    expect(new Set(got.map((m) => m.id))).toEqual(new Set(sent.map((m) => m.id)));
    expect(got[0].sender).toMatchObject({ id: person.id });
    await received.return();
    await volunteer.client.close();
  });

  it('a retry with the same clientMessageId returns the same message, once', async () => {
    const { person, conversationId } = await acceptedSos(first, second);
    const key = randomUUID();
    const attempts = await Promise.all([1, 2, 3].map(() => send(person, conversationId, 'On my way?', key)));
    expect(new Set(attempts.map((m) => m.id)).size).toBe(1);
    expect(attempts[0].clientMessageId).toBe(key);
    const { conversation } = await person.client.request(ConversationDocument, { id: conversationId });
    expect(conversation!.messages.edges).toHaveLength(1);
  });

  it('replay after a disconnect with `after`: every later message, no gap, no duplicate', async () => {
    const { person, volunteer, conversationId } = await acceptedSos(first, second);
    const m1 = await send(person, conversationId, 'one');
    const m2 = await send(person, conversationId, 'two');
    const m3 = await send(volunteer, conversationId, 'three');
    const resumed = person.client.subscribe(MessageAddedDocument, { conversationId, after: m1.id });
    expect((await nextOf(resumed)).messageAdded.id).toBe(m2.id);
    expect((await nextOf(resumed)).messageAdded.id).toBe(m3.id);
    const m4 = await send(volunteer, conversationId, 'four');
    expect((await nextOf(resumed)).messageAdded.id).toBe(m4.id);
    await resumed.return();
    await person.client.close();
  });

  it('paginate newest first with stable cursors while messages keep arriving', async () => {
    const { person, conversationId } = await acceptedSos(first, second);
    const empty = (await person.client.request(ConversationDocument, { id: conversationId })).conversation!.messages;
    expect(empty).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    for (let i = 1; i <= 5; i++) await send(person, conversationId, `m${i}`);
    const page = async (first: number, before?: string | null) =>
      (await person.client.request(ConversationDocument, { id: conversationId, first, before })).conversation!.messages;
    const exact = await page(5);
    expect(exact.edges.map((e) => e.node.body)).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
    expect(exact.pageInfo.hasNextPage).toBe(false);
    const top = await page(2);
    expect(top.edges.map((e) => e.node.body)).toEqual(['m5', 'm4']);
    await send(person, conversationId, 'm6');
    const next = await page(2, top.pageInfo.endCursor);
    expect(next.edges.map((e) => e.node.body)).toEqual(['m3', 'm2']);
    const last = await page(2, next.pageInfo.endCursor);
    expect(last.edges.map((e) => e.node.body)).toEqual(['m1']);
    expect(last.pageInfo.hasNextPage).toBe(false);
    await expectError(page(2, 'not-a-cursor'), 'BAD_USER_INPUT', { field: 'before' });
    await expectError(page(101), 'BAD_USER_INPUT', { field: 'first' });
  });

  it('count unread per viewer; read receipts only move forward', async () => {
    const { person, volunteer, conversationId } = await acceptedSos(first, second);
    const a = await send(volunteer, conversationId, 'a');
    const b = await send(volunteer, conversationId, 'b');
    await send(person, conversationId, 'mine does not count');
    const unread = async (actor: Actor) => (await actor.client.request(ConversationDocument, { id: conversationId })).conversation!.unreadCount;
    expect(await unread(person)).toBe(2);
    expect(await unread(volunteer)).toBe(1);
    await person.client.request(MarkReadDocument, { conversationId, messageId: b.id });
    expect(await unread(person)).toBe(0);
    await person.client.request(MarkReadDocument, { conversationId, messageId: a.id });
    expect(await unread(person)).toBe(0);
    await expectError(person.client.request(MarkReadDocument, { conversationId, messageId: randomUUID() }), 'NOT_FOUND');
  });

  it.each([
    ['an empty body', '   ', 'body'],
    ['4,001 characters', 'x'.repeat(4001), 'body'],
  ])('refuse %s', async (_name, body, field) => {
    const { person, conversationId } = await acceptedSos(first, second);
    await expectError(send(person, conversationId, body), 'BAD_USER_INPUT', { field });
  });

  it('accept exactly 4,000 characters, and refuse unknown conversations', async () => {
    const { person, conversationId } = await acceptedSos(first, second);
    expect((await send(person, conversationId, 'y'.repeat(4000))).body).toHaveLength(4000);
    await expectError(send(person, randomUUID(), 'hello'), 'NOT_FOUND');
    await expectError(send(person, 'nope', 'hello'), 'BAD_USER_INPUT', { field: 'conversationId' });
  });

  it('are rate limited per person', async () => {
    const limited = await env.start({ ...SETTINGS, CHAT_MESSAGES_PER_10S: '3' });
    const centre = freshCentre();
    const volunteer = await volunteerAt(limited, at(150, 0, centre));
    const person = await signUp(limited);
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'FIRE', idempotencyKey: randomUUID() } });
    await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
    const conversationId = (await person.client.request(SosConversationDocument, { id: raiseSos.id })).sos!.conversation!.id;
    for (let i = 0; i < 3; i++) await send(person, conversationId, `burst ${i}`, `burst-${i}`);
    const error = await expectError(send(person, conversationId, 'one too many'), 'RATE_LIMITED');
    expect(error.extensions.retryAfterSeconds).toBeLessThanOrEqual(10);
    // At the limit, a retry of a message already sent still gets it back (it is not another message).
    const retried = await send(person, conversationId, 'burst 2', 'burst-2');
    expect(retried.body).toBe('burst 2');
  });

  it('stay writable after the SOS closes, until the grace period ends', async () => {
    const { person, volunteer, sosId, conversationId } = await acceptedSos(first, second);
    await person.client.request(ResolveSosDocument, { sosId });
    await send(volunteer, conversationId, 'Glad it went well');
    const strict = await env.start({ ...SETTINGS, CHAT_CLOSE_GRACE_HOURS: '0' });
    await new Promise((r) => setTimeout(r, 20));
    await expectError(send({ ...person, client: strict.client(person.session) }, conversationId, 'too late'), 'CONFLICT');
    expect((await strict.client(person.session).request(ConversationDocument, { id: conversationId })).conversation!.lastMessage!.body).toBe('Glad it went well');
  });
});

describe('myConversations', () => {
  it('lists the viewer\'s conversations, most recent activity first, paginated', async () => {
    const volunteer = await volunteerAt(first, at(150, 0, freshCentre()));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const centre = freshCentre();
      await volunteer.client.request(SetAvailabilityDocument, { available: true, location: at(150, 0, centre) });
      const person = await signUp(first);
      const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'OTHER', idempotencyKey: randomUUID() } });
      const accepted = await volunteer.client.request(AcceptSosDocument, { sosId: raiseSos.id });
      ids.push((await person.client.request(SosConversationDocument, { id: accepted.acceptSos.id })).sos!.conversation!.id);
      await person.client.request(ResolveSosDocument, { sosId: raiseSos.id });
    }
    await send(volunteer, ids[0], 'bumps the oldest to the top');
    const page1 = (await volunteer.client.request(MyConversationsDocument, { first: 2 })).myConversations;
    expect(page1.edges.map((e) => e.node.id)).toEqual([ids[0], ids[2]]);
    const page2 = (await volunteer.client.request(MyConversationsDocument, { first: 2, after: page1.pageInfo.endCursor })).myConversations;
    expect(page2.edges.map((e) => e.node.id)).toEqual([ids[1]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });
});
