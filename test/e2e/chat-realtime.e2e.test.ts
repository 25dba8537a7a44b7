import { randomUUID } from 'node:crypto';
import {
  AcceptSosDocument,
  CallSignalsDocument,
  ConversationActivityDocument,
  ConversationDocument,
  MarkReadDocument,
  MessageAddedDocument,
  ResolveSosDocument,
  SendCallSignalDocument,
  SendMessageDocument,
  SetTypingDocument,
} from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { acceptedSos } from '../helpers/chat';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, volunteerAt } from '../helpers/volunteers';
import { eventually, nextOf } from '../helpers/wait';

const env = useTestEnvironment();
const SETTINGS = { SOS_STEP_TIMEOUT_SECONDS: '60', SOS_PER_HOUR: '50', CHAT_TYPING_LAPSE_SECONDS: '1', VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS: '3', LOCATION_INTERVAL_ASSIGNED_SECONDS: '1', LOCATION_INTERVAL_IDLE_SECONDS: '2', SOS_SWEEP_SECONDS: '1' };
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  [first, second] = await Promise.all([env.start(SETTINGS), env.start(SETTINGS)]);
});


/** The next activity of a kind (others, such as presence, may come in between). */
async function nextActivity(iterator: AsyncIterator<{ conversationActivity: { kind: string; userId: string; messageId: string | null } }>, kind: string) {
  for (;;) {
    const { conversationActivity } = await nextOf(iterator, kind);
    if (conversationActivity.kind === kind) return conversationActivity;
  }
}

describe('conversation activity', () => {
  it('shows who is online, typing (which lapses without renewal) and what was read', async () => {
    const { person, volunteer, conversationId } = await acceptedSos(first, second);
    const activity = person.client.subscribe(ConversationActivityDocument, { conversationId });
    // Holding this socket puts the person online; the snapshot says so.
    expect(await nextActivity(activity, 'ONLINE')).toMatchObject({ userId: person.id });

    await volunteer.client.request(SetTypingDocument, { conversationId, typing: true });
    expect(await nextActivity(activity, 'TYPING')).toMatchObject({ userId: volunteer.id });
    const started = Date.now();
    expect(await nextActivity(activity, 'STOPPED_TYPING')).toMatchObject({ userId: volunteer.id });
    expect(Date.now() - started).toBeGreaterThan(700);

    const { sendMessage } = await volunteer.client.request(SendMessageDocument, { conversationId, body: 'Two minutes away' });
    await person.client.request(MarkReadDocument, { conversationId, messageId: sendMessage.id });
    expect(await nextActivity(activity, 'READ')).toMatchObject({ userId: person.id, messageId: sendMessage.id });

    // The volunteer's app opens its socket: ONLINE; closes it: OFFLINE.
    const volunteerFeed = volunteer.client.subscribe(ConversationActivityDocument, { conversationId });
    expect(await nextActivity(activity, 'ONLINE')).toMatchObject({ userId: volunteer.id });
    await volunteerFeed.return();
    await volunteer.client.close();
    expect(await nextActivity(activity, 'OFFLINE')).toMatchObject({ userId: volunteer.id });
    await activity.return();
    await person.client.close();
  });

  it('is for participants only', async () => {
    const { conversationId } = await acceptedSos(first, second);
    const stranger = await signUp(first);
    await expectError(nextOf(stranger.client.subscribe(ConversationActivityDocument, { conversationId })), 'NOT_FOUND');
    await expectError(stranger.client.request(SetTypingDocument, { conversationId, typing: true }), 'NOT_FOUND');
    await stranger.client.close();
  });
});

describe('call signaling', () => {
  it('relays between requester and volunteer across instances, never back to the sender nor to strangers', async () => {
    const { person, volunteer, sosId } = await acceptedSos(first, second);
    const toVolunteer = volunteer.client.subscribe(CallSignalsDocument, { sosId });
    const toPerson = person.client.subscribe(CallSignalsDocument, { sosId });
    await volunteer.client.requestOverSocket(ConversationDocument, { id: randomUUID() });
    await person.client.requestOverSocket(ConversationDocument, { id: randomUUID() });
    const stranger = await signUp(first);
    await expectError(nextOf(stranger.client.subscribe(CallSignalsDocument, { sosId })), 'NOT_FOUND');
    await expectError(stranger.client.request(SendCallSignalDocument, { sosId, kind: 'OFFER', payload: '{}' }), 'NOT_FOUND');

    const offer = JSON.stringify({ type: 'offer', sdp: 'v=0...' });
    await person.client.request(SendCallSignalDocument, { sosId, kind: 'OFFER', payload: offer });
    expect((await nextOf(toVolunteer, 'offer')).callSignals).toMatchObject({ sosId, fromUserId: person.id, kind: 'OFFER', payload: offer });
    await volunteer.client.request(SendCallSignalDocument, { sosId, kind: 'ANSWER', payload: '{"type":"answer"}' });
    // The person's first signal is the answer: their own offer never came back to them.
    expect((await nextOf(toPerson, 'answer')).callSignals).toMatchObject({ fromUserId: volunteer.id, kind: 'ANSWER' });

    await expectError(person.client.request(SendCallSignalDocument, { sosId, kind: 'ICE_CANDIDATE', payload: 'x'.repeat(16 * 1024 + 1) }), 'BAD_USER_INPUT', { field: 'payload' });
    await expectError(person.client.request(SendCallSignalDocument, { sosId, kind: 'SHOUT' as 'OFFER', payload: '{}' }), 'BAD_USER_INPUT');
    await person.client.request(ResolveSosDocument, { sosId });
    await expectError(person.client.request(SendCallSignalDocument, { sosId, kind: 'HANGUP', payload: '{}' }), 'CONFLICT', { status: 'RESOLVED' });
    await Promise.all([toVolunteer.return(), toPerson.return()]);
    await Promise.all([person.client.close(), volunteer.client.close(), stranger.client.close()]);
  });
});

describe('re-matching', () => {
  it('a dropped volunteer loses the conversation; the next one to accept joins it', async () => {
    const { person, volunteer: silent, sosId, conversationId, centre } = await acceptedSos(first, second);
    const messages = silent.client.subscribe(MessageAddedDocument, { conversationId });
    await person.client.request(SendMessageDocument, { conversationId, body: 'Hello?' });
    expect((await nextOf(messages)).messageAdded.body).toBe('Hello?');
    const backup = await volunteerAt(first, at(100, 0, centre));
    // The silent volunteer sends no location: after the heartbeat timeout they are dropped.
    await eventually(() => silent.client.request(ConversationDocument, { id: conversationId }).then((r) => r.conversation), (c) => c === null, 8000);
    await expectError(silent.client.request(SendMessageDocument, { conversationId, body: 'still here' }), 'NOT_FOUND');
    await person.client.request(SendMessageDocument, { conversationId, body: 'Anyone?' });
    expect(await nextOf(messages).then(() => 'message', (err: Error) => err.message)).toMatch(/ended|no subscription event/);
    await silent.client.close();

    await eventually(() => backup.client.request(AcceptSosDocument, { sosId }).then(() => true, () => false), (ok) => ok, 8000);
    const { conversation } = await backup.client.request(ConversationDocument, { id: conversationId, first: 10 });
    expect(conversation!.participants.map((p) => p.id).sort()).toEqual([person.id, backup.id].sort());
    expect(conversation!.messages.edges.map((e) => e.node.body)).toEqual(['Anyone?', 'Hello?']);
  });
});
