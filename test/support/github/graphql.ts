// GitHub's published GraphQL schema (@octokit/graphql-schema) as the judge of GraphQL requests the
// emulator receives: each query is parsed and validated against it, variables included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getVariableValues, Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

let schema: GraphQLSchema | undefined;

/** Null when the request is valid against GitHub's schema, else what is wrong. */
export function checkGraphql(query: string, variables: Record<string, unknown> = {}): string | null {
  // The package exports only its ESM entry; schema.graphql sits in the package folder.
  // assumeValidSDL: the published SDL repeats two EnterpriseOwnerInfo fields, which would stop the build.
  schema ??= buildSchema(readFileSync(join(import.meta.dirname, '../../../node_modules/@octokit/graphql-schema/schema.graphql'), 'utf8'), {
    assumeValidSDL: true,
  });
  let doc;
  try {
    doc = parse(query);
  } catch (e) {
    return `graphql syntax: ${(e as Error).message}`;
  }
  const errors = validate(schema, doc);
  if (errors.length) return `graphql: ${errors.map((e) => e.message).join('; ')}`;
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const vars = getVariableValues(schema, op.variableDefinitions ?? [], variables);
  return vars.errors?.length ? `graphql variables: ${vars.errors.map((e) => e.message).join('; ')}` : null;
}
