// npm run bench [-- <scenario> ...] [--duration <seconds>]: runs benchmark scenarios outside the
// test suite and writes each one's section of BENCHMARKS.md. Scenarios start their own servers
// on loopback, against a database and Redis prefix of their own.
import { parseArgs } from 'node:util';
import { writeReport, type ScenarioReport } from './lib/report';
import { analyticsScenario } from './scenarios/analytics';
import { chatScenario } from './scenarios/chat';
import { documentsScenario } from './scenarios/documents';
import { locationsScenario } from './scenarios/locations';
import { meVersusBareApollo } from './scenarios/me-vs-bare-apollo';
import { notificationsScenario } from './scenarios/notifications';
import { sosAlertScenario, sosBurstScenario } from './scenarios/sos-alerts';
import { volunteerScenario } from './scenarios/volunteers';

const SCENARIOS: Record<string, (durationSeconds: number) => Promise<ScenarioReport>> = {
  me: meVersusBareApollo,
  volunteers: volunteerScenario,
  sos: sosAlertScenario,
  'sos-burst': sosBurstScenario,
  chat: chatScenario,
  notifications: notificationsScenario,
  documents: documentsScenario,
  locations: locationsScenario,
  analytics: analyticsScenario,
};

async function main() {
  const { values, positionals } = parseArgs({ options: { duration: { type: 'string', default: '10' } }, allowPositionals: true });
  const duration = Number(values.duration);
  if (!Number.isInteger(duration) || duration < 1 || duration > 600) throw new Error('--duration must be 1..600 seconds');
  const names = positionals.length ? positionals : Object.keys(SCENARIOS);
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  for (const name of names) {
    console.log(`running ${name} …`);
    const report = await SCENARIOS[name](duration);
    writeReport(report);
    console.log(report.body.trim());
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
