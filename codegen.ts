// GraphQL Codegen: schema.graphql + sdk/operations/*.graphql -> sdk/generated (typed documents
// and result types). `npm run codegen`; a test fails when the committed output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

// SDK_OUT lets the SDK drift test generate into a temporary folder and compare.
const out = process.env.SDK_OUT ?? 'sdk/generated/';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['sdk/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false, gqlTagName: 'graphql', persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      },
    },
  },
};

export default config;
