import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** table -> owning module, from the table in docs/ARCHITECTURE.md. */
function owners(): Map<string, string> {
  const doc = read('docs/ARCHITECTURE.md');
  const table = doc.slice(doc.indexOf('<!-- table-owners:start -->'), doc.indexOf('<!-- table-owners:end -->'));
  return new Map([...table.matchAll(/^\| `(\w+)` \| (\w+) \|$/gm)].map((m) => [m[1], m[2]]));
}

/** Prisma model (client property) -> table, from schema.prisma's @@map lines. */
function prismaModels(): Map<string, string> {
  const schema = read('prisma/schema.prisma');
  return new Map(
    [...schema.matchAll(/^model (\w+) \{[\s\S]*?@@map\("(\w+)"\)/gm)].map((m) => [m[1][0].toLowerCase() + m[1].slice(1), m[2]]),
  );
}

/** Tables a source file writes: SQL statements and Prisma write calls. */
function writtenTables(source: string, models: Map<string, string>): Set<string> {
  const tables = new Set<string>();
  for (const m of source.matchAll(/\b(?:UPDATE|INSERT INTO|DELETE FROM)\s+"?(\w+)"?/g)) tables.add(m[1]);
  for (const m of source.matchAll(/\.(\w+)\.(?:create|createMany|update|updateMany|upsert|delete|deleteMany)\(/g)) {
    const table = models.get(m[1]);
    if (table) tables.add(table);
  }
  return tables;
}

describe('one owner per table', () => {
  const tableOwners = owners();
  const models = prismaModels();

  it('lists every table of the migrations', () => {
    const migrations = readdirSync(join(ROOT, 'prisma', 'migrations')).map((dir) => read(join('prisma', 'migrations', dir, 'migration.sql')));
    const created = migrations.flatMap((sql) => [...sql.matchAll(/CREATE TABLE "?(\w+)"?/g)].map((m) => m[1]));
    expect([...tableOwners.keys()].sort()).toEqual([...new Set(created)].sort());
  });

  it('no module writes a table another module owns', () => {
    const trespasses: string[] = [];
    for (const module of readdirSync(join(ROOT, 'src', 'modules'))) {
      const dir = join('src', 'modules', module);
      const files = readdirSync(join(ROOT, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
      for (const file of files) {
        for (const table of writtenTables(read(join(dir, file)), models)) {
          if (tableOwners.has(table) && tableOwners.get(table) !== module) trespasses.push(`${dir}/${file} writes ${table} (owner: ${tableOwners.get(table)})`);
        }
      }
    }
    expect(trespasses).toEqual([]);
  });

  it('would notice a trespass', () => {
    expect([...writtenTables("await tx.query('UPDATE volunteer_profiles SET x = 1')", models)]).toEqual(['volunteer_profiles']);
    expect([...writtenTables('await this.db.volunteerProfile.updateMany({ where })', models)]).toEqual(['volunteer_profiles']);
  });
});
