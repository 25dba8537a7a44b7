// The project's own ESLint rule for its architecture (docs/ARCHITECTURE.md, "Boundaries"):
// - a module reaches another module only through that module's index.ts;
// - src/platform imports no module (nor the composition in src/app);
// - the generated Prisma client is imported only by repositories and src/platform/db.
// It resolves each relative import against the importing file, so `../sos`, `../../sos/index`
// and `../sos/sos.service` are told apart whatever the depth of the file.
import { dirname, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** "src/modules/sos/sos.service" -> ["src", "modules", "sos", "sos.service"] */
const partsOf = (absolute) => relative(root, absolute).split(sep);

function check(context, node) {
  const source = node.source?.value;
  if (typeof source !== 'string' || !source.startsWith('.')) return;
  const file = context.filename;
  const from = partsOf(file);
  const to = partsOf(resolve(dirname(file), source));
  if (from[0] !== 'src' || to[0] !== 'src') return;
  const report = (message) => context.report({ node: node.source, message: `${message} ('${source}')` });

  if (to[1] === 'generated' && !(from[1] === 'platform' && from[2] === 'db') && !file.endsWith('.repository.ts')) {
    return report('The generated Prisma client belongs to repositories and src/platform/db');
  }
  if (from[1] === 'platform' && (to[1] === 'modules' || to[1] === 'app')) {
    return report('src/platform must not import modules or the composition root: pass what it needs in');
  }
  const fromModule = from[1] === 'modules' ? from[2] : null;
  if (to[1] === 'modules' && to[2] !== fromModule) {
    const rest = to.slice(3);
    const throughIndex = rest.length === 0 || (rest.length === 1 && rest[0] === 'index');
    if (!throughIndex) return report(`Import module "${to[2]}" through its index.ts, not its files`);
  }
}

export default {
  rules: {
    'module-boundaries': {
      meta: { type: 'problem', docs: { description: 'Modules meet through their index.ts; platform knows no module; Prisma stays in repositories.' }, schema: [] },
      create(context) {
        const visit = (node) => check(context, node);
        return { ImportDeclaration: visit, ExportNamedDeclaration: visit, ExportAllDeclaration: visit, ImportExpression: visit };
      },
    },
  },
};
