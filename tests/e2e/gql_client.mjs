// A GraphQL tool's first steps against /admin, with graphql-js and
// graphql-request from npm: introspect, build the client schema, validate the
// seed's backup mutations against it, then send one backup and a health query.
// Usage: node gql_client.mjs ADMIN_URL MUTATIONS_FILE BACKUP_DIR. Prints one JSON line.
import { readFileSync } from "node:fs";
import { buildClientSchema, getIntrospectionQuery, parse, validate } from "graphql";
import { GraphQLClient } from "graphql-request";

const [url, seedFile, backupDir] = process.argv.slice(2);
const client = new GraphQLClient(url);
// Every option on, as GraphiQL and newer tools ask.
const intro = await client.request(getIntrospectionQuery({ descriptions: true,
  specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
  inputValueDeprecation: true, oneOf: true }));
const schema = buildClientSchema(intro);
const seed = readFileSync(seedFile, "utf8");
const mutations = seed.match(/^mutation \{[\s\S]*?^\}/gm) || [];
const invalid = mutations
  .map((m) => ({ m, errors: validate(schema, parse(m)).map((e) => e.message) }))
  .filter((r) => r.errors.length);
const backup = await client.request(
  `mutation ($d: String!) { backup(input: {destination: $d, forceFull: true}) { response { message code } } }`,
  { d: backupDir },
);
const health = await client.request(
  `{ health { instance address status group version uptime lastEcho ongoing indexing ee_features } }`,
);
console.log(JSON.stringify({ mutations: mutations.length, invalid, backup, health,
  described: schema.getMutationType().getFields().backup.description }));
